import { eq } from 'drizzle-orm';
import { accounts } from '../../src/db/schema';
import type { Services } from '../../src/services';
import type { PolicyName } from './eval-corpus';

/**
 * The eval merchant's store policies, in a shop owner's words (English, as many small EU shops
 * write them), set through the account's own columns as the settings page would. The second eval
 * merchant sets none, so its replies must promise nothing about policy.
 */
export const EVAL_RETURN_WINDOW_DAYS = 30;

export const EVAL_POLICIES: Record<PolicyName, string> = {
  returns:
    'Return unused items within 30 days of delivery via https://benchshop.example/returns. Return shipping is free; refunds go to the original payment method within 5 working days.',
  shipping:
    'We ship to the EU, the UK, Switzerland and Canada. Delivery takes 2-4 working days in the EU and 5-8 working days to Canada; shipping is free over 50 EUR. Rates: https://benchshop.example/shipping',
  orderChanges:
    'Address changes and cancellations are possible until the order is packed, usually within 24 hours of ordering: reply to your order confirmation.',
  damagedItems:
    'If an item arrives damaged or wrong, send a photo within 14 days of delivery to damage@benchshop.example and we send a replacement or refund at no cost to you: https://benchshop.example/damaged',
  faq: 'All our mugs and bowls are dishwasher- and microwave-safe. Gift wrapping costs 3 EUR. More answers: https://benchshop.example/faq',
};

export async function setEvalPolicies(services: Services, accountId: string): Promise<void> {
  await services.db
    .update(accounts)
    .set({
      returnWindowDays: EVAL_RETURN_WINDOW_DAYS,
      policyReturns: EVAL_POLICIES.returns,
      policyShipping: EVAL_POLICIES.shipping,
      policyOrderChanges: EVAL_POLICIES.orderChanges,
      policyDamagedItems: EVAL_POLICIES.damagedItems,
      policyFaq: EVAL_POLICIES.faq,
    })
    .where(eq(accounts.id, accountId));
}
