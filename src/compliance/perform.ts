import { hashAddress } from '../crypto/hmac';
import { errorClass } from '../platform/log';
import type { Services } from '../services';
import {
  accountsForShop,
  compactAfterErasure,
  erasedStorePseudonym,
  eraseOptOut,
  eraseStore,
  forgetShopToken,
  hasOptOut,
  pseudonymiseStoreInRecords,
} from './erase';
import {
  COMPLIANCE_TOPICS as T,
  completeComplianceRequest,
  openComplianceRequest,
  openComplianceRequestById,
  pendingComplianceRequests,
  type ComplianceOutcome,
  type ComplianceRow,
} from './records';

/**
 * Carries out one recorded compliance request, from the record alone: the webhooks call it right
 * after recording, and resumeComplianceRequest (a queue job the cron enqueues) for anything left unfinished.
 * Everything it does is idempotent, so running a request twice is harmless.
 */
export async function performComplianceRequest(s: Services, row: ComplianceRow): Promise<ComplianceOutcome> {
  const { db } = s;
  let outcome: ComplianceOutcome;
  let accountId = row.accountId;
  let erased = false;

  const shopAccounts = async () => {
    const ids = row.storeDomain ? await accountsForShop(db, row.storeDomain) : [];
    accountId ??= ids[0] ?? null;
    return ids;
  };
  const ownAccounts = async () => (row.accountId ? [row.accountId] : []);

  switch (row.topic) {
    case T.shopifyDataRequest: {
      const ids = await shopAccounts();
      outcome = row.subjectHash && (await hasOptOut(db, ids, row.subjectHash)) ? 'opt_out_held' : 'nothing_held';
      break;
    }
    case T.shopifyCustomerRedact:
    case T.wooCustomerDeleted:
    case T.merchantCustomerErasure: {
      const ids = row.source === 'shopify' ? await shopAccounts() : await ownAccounts();
      if (!row.subjectHash) {
        // WooCommerce's customer.deleted carries only the store's customer id; we key nothing to it.
        outcome = row.source === 'woocommerce' ? 'no_address' : 'nothing_held';
        break;
      }
      erased = (await eraseOptOut(db, ids, row.subjectHash)) > 0;
      outcome = erased ? 'erased' : 'nothing_held';
      break;
    }
    case T.shopifyShopRedact: {
      const ids = await shopAccounts();
      const result = await eraseStore(db, 'shopify', ids, s.now());
      outcome = result.accountsErased ? 'account_erased' : result.storesErased ? 'store_erased' : 'nothing_held';
      erased = true;
      break;
    }
    case T.shopifyUninstalled: {
      const ids = row.storeDomain ? await forgetShopToken(db, row.storeDomain, row.receivedAt) : [];
      accountId ??= ids[0] ?? null;
      outcome = ids.length ? 'token_deleted' : 'nothing_held';
      erased = ids.length > 0;
      break;
    }
    default:
      outcome = 'nothing_held';
  }

  const completedAt = s.now();
  const completion = completeComplianceRequest(db, row.id, { outcome, completedAt, accountId });
  if (row.topic === T.shopifyShopRedact && row.storeDomain) {
    // One batch: a request marked done whose shop is still named would never be redone (a
    // redelivery of completed work does nothing, and the cron resumes only open requests).
    const pseudonym = await erasedStorePseudonym(s.config.secrets.hashKey, row.storeDomain);
    await db.batch([completion, pseudonymiseStoreInRecords(db, pseudonym, row.storeDomain)]);
  } else {
    await completion;
  }
  // The completed record no longer holds the address hash either, so compact after any erasure.
  if (erased || row.subjectHash) await compactAfterErasure(db);
  s.logger.info('compliance.completed', {
    accountId: accountId ?? undefined,
    reason: outcome,
    ms: completedAt - row.receivedAt,
  });
  return outcome;
}

/** Backstop age: a request younger than this may still be in its webhook's hands. */
export const RESUME_COMPLIANCE_AFTER_MS = 60_000;

/**
 * One request left unfinished (a queue job, named by the record's id): done now unless it was
 * completed meanwhile (a duplicate message, or the webhook finished after all). A failure throws,
 * for the queue to retry; the record stays open, so the next cron tick finds it again.
 */
export async function resumeComplianceRequest(
  s: Services,
  requestId: string,
): Promise<ComplianceOutcome | 'already_done'> {
  const row = await openComplianceRequestById(s.db, requestId);
  return row ? performComplianceRequest(s, row) : 'already_done';
}

/**
 * Every pending request at once, in this invocation (tests, maintenance; the cron queues
 * resumeComplianceRequest per request instead). The backstop: requests recorded but not completed (the process stopped, the database failed half
 * way, a webhook answered before the work was done). Meant for the cron; safe to run any time.
 */
export async function resumePendingComplianceRequests(
  s: Services,
  options: { olderThanMs?: number } = {},
): Promise<{ resumed: number; failed: number }> {
  const rows = await pendingComplianceRequests(s.db, s.now() - (options.olderThanMs ?? RESUME_COMPLIANCE_AFTER_MS));
  let resumed = 0;
  let failed = 0;
  for (const row of rows) {
    try {
      await performComplianceRequest(s, row);
      resumed++;
    } catch (err) {
      failed++;
      s.logger.warn('compliance.resume_failed', { errorClass: errorClass(err) });
    }
  }
  return { resumed, failed };
}

/**
 * A merchant-initiated erasure for one person (for example a WordPress "Erase personal data"
 * request, which WooCommerce does not forward to apps): deletes their opt-out in this account and
 * records the request. The address is hashed here and never stored.
 */
export async function requestCustomerErasure(
  s: Services,
  accountId: string,
  email: string,
): Promise<ComplianceOutcome> {
  const { row } = await openComplianceRequest(
    s.db,
    {
      source: 'merchant',
      topic: T.merchantCustomerErasure,
      accountId,
      storeDomain: null,
      externalId: null,
      subjectHash: await hashAddress(s.config.secrets.hashKey, email),
    },
    s.now(),
  );
  return performComplianceRequest(s, row);
}
