import type { StoreConnection } from '../db/accounts';
import {
  findActiveWooStore,
  listActiveWooStores,
  parseWebhookIds,
  saveWooWebhookHealth,
  wooSourceMismatchCountedSince,
  wooStoresCheckedBefore,
} from '../db/store-connections';
import {
  finishWooSetup,
  type WebhookSecret,
  webhookSecretFor,
  webhooksClientFor,
  wooDeliveryUrl,
  type WooSetupOutcome,
} from '../accounts/woo-webhook-registration';
import { utcDay } from '../platform/ids';
import { refused } from '../platform/result';
import { errorClass } from '../platform/log';
import type { Services } from '../services';
import { checkWooWebhooks, type WooWebhookStatus } from '../stores/woocommerce-webhooks';

/**
 * Keeping each connected WooCommerce store's webhooks working. WooCommerce never retries a delivery
 * and disables a webhook after more than five consecutive failures, silently. repairWooStore (a
 * queue job the cron enqueues for each store due) finds such webhooks and turns them back on, or
 * recreates them if they were deleted, and records how they stand on the store connection.
 *
 * A store whose deliveries name another address than the one connected (X-WC-Webhook-Source is
 * home_url('/'), which can differ from what the merchant typed) has them refused; turning its
 * webhook back on would only start the next round of refusals. So while such a refusal was
 * counted for the connection (in the last 7 days), reconcile leaves its webhooks alone and reports
 * them failing, and the status page asks the merchant to connect the store with its own address.
 */

/** A store checked less than this ago is not due again (just under the cron's 5 minutes: every tick). */
export const WOO_REPAIR_EVERY_MS = 4 * 60_000;

/** Accounts whose WooCommerce store is due for a check, longest unchecked first, at most `limit`. */
export async function wooStoresDueForRepair(s: Services, limit: number): Promise<string[]> {
  return wooStoresCheckedBefore(s.db, s.now() - WOO_REPAIR_EVERY_MS, limit);
}

/**
 * One account's store (a queue job): its webhooks checked and repaired (reconcileOne), or, for a
 * store whose setup never finished (its merchant did not come back from the authorize screen), the
 * setup finished. 'none' when the account has no active WooCommerce store (any more). Trouble at the
 * store is not thrown: it is recorded as 'failing' and the next tick tries again.
 */
export async function repairWooStore(s: Services, accountId: string): Promise<WooWebhookStatus | 'none'> {
  const row = await findActiveWooStore(s.db, accountId);
  if (!row) return 'none';
  const status = await repairOne(s, row);
  if (status === 'restored') s.logger.warn('woo_webhooks.restored', { accountId, count: 1 });
  else if (status === 'failing') s.logger.warn('woo_webhooks.failing', { accountId, count: 1 });
  return status;
}

const setupStatus = (outcome: WooSetupOutcome): WooWebhookStatus => (outcome === 'active' ? 'active' : 'failing');

const repairOne = async (s: Services, row: StoreConnection): Promise<WooWebhookStatus> =>
  row.webhookStatus === null ? setupStatus(await finishWooSetup(s, row.accountId)) : reconcileOne(s, row);

export interface ReconcileSummary {
  checked: number;
  active: number;
  restored: number;
  failing: number;
}

/**
 * Every active WooCommerce store at once, in this invocation, due or not (tests, maintenance). The
 * cron does not call this: it queues repairWooStore per store due. Per store, see checkWooWebhooks;
 * updates webhook_status and webhook_checked_at.
 */
export async function reconcileWooWebhooks(s: Services): Promise<ReconcileSummary> {
  const rows = await listActiveWooStores(s.db);
  const summary: ReconcileSummary = { checked: 0, active: 0, restored: 0, failing: 0 };
  for (const row of rows) {
    summary.checked++;
    summary[await repairOne(s, row)]++;
  }
  s.logger.info('woo_webhooks.reconciled', { count: summary.checked });
  if (summary.restored) s.logger.warn('woo_webhooks.restored', { count: summary.restored });
  if (summary.failing) s.logger.warn('woo_webhooks.failing', { count: summary.failing });
  return summary;
}

const DAY_MS = 86_400_000;

/** A source mismatch marked this connection failing, and was counted since it was made, in the last 7 days. */
async function refusedForSource(s: Services, row: StoreConnection): Promise<boolean> {
  if (row.webhookStatus !== 'failing') return false;
  return wooSourceMismatchCountedSince(s.db, row.accountId, utcDay(Math.max(row.connectedAt, s.now() - 6 * DAY_MS)));
}

async function reconcileOne(s: Services, row: StoreConnection): Promise<WooWebhookStatus> {
  const ids = parseWebhookIds(row.webhookIds);
  if (await refusedForSource(s, row)) {
    // Re-enabling would only be refused again (and disabled again by WooCommerce): wait for the merchant.
    s.logger.warn('woo_webhooks.source_mismatch', { accountId: row.accountId });
    await saveWooWebhookHealth(s.db, row.id, { webhookIds: ids, webhookStatus: 'failing' }, s.now());
    return 'failing';
  }
  let secret: WebhookSecret | undefined;
  let checked: Awaited<ReturnType<typeof checkWooWebhooks>>;
  try {
    secret = await webhookSecretFor(s, row);
    const api = await webhooksClientFor(s, row);
    checked = await checkWooWebhooks(api, ids, {
      deliveryUrl: wooDeliveryUrl(s),
      secret: secret.secret,
      resign: secret.fresh,
    });
  } catch (err) {
    // No secret or credentials to call the store with: keep every id, and try again next time.
    checked = refused('call_failed', { kept: ids, status: 'failing', error: err });
  }
  if (!checked.ok)
    s.logger.warn('woo_webhooks.check_failed', { accountId: row.accountId, errorClass: errorClass(checked.error) });
  await saveWooWebhookHealth(
    s.db,
    row.id,
    {
      ...(secret ? { sealedWebhookSecret: secret.sealed } : {}),
      webhookIds: checked.kept,
      webhookStatus: checked.status,
    },
    s.now(),
  );
  return checked.status;
}
