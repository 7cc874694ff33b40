import { withFacts, type OrderWithFacts } from '../../src/drafting/order-facts';
import type { StorePolicies } from '../../src/drafting/policies';
import type { Order } from '../../src/stores/order';

/** The day the tests' facts are computed on. */
export const TODAY = '2026-12-01';

/** Orders as the fact guard and the prompt get them: each with its facts computed on TODAY. */
export function given(
  orders: Order | null | readonly (Order | null)[],
  opts: { returnWindowDays?: number | null; stalledAfterDays?: number; today?: string } = {},
): OrderWithFacts[] {
  const list = (Array.isArray(orders) ? orders : [orders]).filter((o): o is Order => o !== null);
  const policies: Pick<StorePolicies, 'returnWindowDays'> = { returnWindowDays: opts.returnWindowDays ?? null };
  return withFacts(list, { today: opts.today ?? TODAY, policies, stalledAfterDays: opts.stalledAfterDays ?? 7 });
}
