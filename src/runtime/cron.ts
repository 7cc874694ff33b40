import { resumePendingComplianceRequests } from '../compliance/perform';
import { runScheduled } from '../pipeline/schedule';
import { errorClass } from '../platform/log';
import type { Services } from '../services';
import { purgeExpiredStoreNonces } from '../stores/woocommerce-connect';
import { reconcileWooWebhooks } from '../stores/woocommerce-webhooks';

/**
 * Everything the Cron Trigger does (every 5 minutes; the Node entry's timer does the same), as
 * independent steps: one failing is logged and does not keep the others from running.
 *  - sync: poll accounts whose push went quiet, renew watches (src/pipeline/schedule.ts);
 *  - woocommerce_webhooks: re-enable or recreate webhooks WooCommerce disabled;
 *  - compliance: finish compliance requests left open (a crash mid-way, a budget overrun);
 *  - store_nonces: delete WooCommerce connection nonces past their 15 minutes.
 */
export const CRON_STEPS = {
  sync: (s: Services) => runScheduled(s),
  woocommerce_webhooks: (s: Services) => reconcileWooWebhooks(s),
  compliance: (s: Services) => resumePendingComplianceRequests(s),
  store_nonces: (s: Services) => purgeExpiredStoreNonces(s),
} as const;

export type CronReport = Record<keyof typeof CRON_STEPS, 'ok' | 'failed'>;

export async function runCron(s: Services, steps: Record<string, (s: Services) => Promise<unknown>> = CRON_STEPS): Promise<CronReport> {
  const report: Record<string, 'ok' | 'failed'> = {};
  for (const [name, step] of Object.entries(steps)) {
    const started = s.now();
    try {
      await step(s);
      report[name] = 'ok';
      s.logger.info('cron.step_done', { reason: name, ms: s.now() - started });
    } catch (err) {
      report[name] = 'failed';
      s.logger.error('cron.step_failed', { reason: name, errorClass: errorClass(err) });
    }
  }
  return report as CronReport;
}
