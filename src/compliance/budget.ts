import type { Context } from 'hono';
import { ok, refused, type Result } from '../platform/result';

/**
 * Webhook senders give up after a few seconds (Shopify waits 5 s) and then retry. The compliance
 * work is a handful of database statements and normally done in milliseconds; if it ever runs
 * longer, answer anyway and let it finish in the background. The record stays incomplete until the
 * work ends, and the cron queues it (resumeComplianceRequest, compliance/perform.ts) should the work never end.
 */
export async function finishWithin<T>(
  work: Promise<T>,
  budgetMs: number,
  keepAlive: (pending: Promise<unknown>) => void,
  onLateError: (err: unknown) => void,
): Promise<Result<{ value: T }, 'still_running'>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), budgetMs)));
  try {
    const first = await Promise.race([work.then((value) => ({ value })), late]);
    if (first !== 'late') return ok({ value: first.value });
  } finally {
    clearTimeout(timer);
  }
  keepAlive(work.catch(onLateError));
  return refused('still_running');
}

/** Workers keep an isolate alive for promises passed to waitUntil; Node keeps running them anyway. */
export function keepAliveFor(c: Context): (pending: Promise<unknown>) => void {
  try {
    const ctx = c.executionCtx;
    return (pending) => ctx.waitUntil(pending);
  } catch {
    return () => {};
  }
}
