import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { complianceRequests } from '../db/schema';
import { newId } from '../platform/ids';

/**
 * Compliance requests as records: what was asked, by whom (platform and topic), when it arrived
 * and when it was done. The record is also the work item: it carries exactly what the erasure needs
 * (a shop domain, a keyed hash of an address) and no more, so the work can be resumed from the
 * database alone and the webhook payload never has to be kept.
 *
 * Once a request is complete the keyed hash is cleared, and once a shop is erased its domain is
 * replaced by a keyed hash: the record proves the request was honoured without naming anyone.
 */
export type ComplianceSource = (typeof complianceRequests.$inferSelect)['source'];
export type ComplianceRow = typeof complianceRequests.$inferSelect;

export const COMPLIANCE_TOPICS = {
  shopifyDataRequest: 'customers/data_request',
  shopifyCustomerRedact: 'customers/redact',
  shopifyShopRedact: 'shop/redact',
  shopifyUninstalled: 'app/uninstalled',
  wooCustomerDeleted: 'customer.deleted',
  merchantCustomerErasure: 'customer_erasure',
} as const;
export type ComplianceTopic = (typeof COMPLIANCE_TOPICS)[keyof typeof COMPLIANCE_TOPICS];

/** Words stored in `outcome`; the status and privacy pages turn them into sentences (describeOutcome). */
export type ComplianceOutcome =
  | 'nothing_held'
  | 'opt_out_held'
  | 'erased'
  | 'store_erased'
  | 'account_erased'
  | 'token_deleted'
  | 'no_address';

const CUSTOMER_TOPICS = new Set<string>([
  COMPLIANCE_TOPICS.shopifyDataRequest,
  COMPLIANCE_TOPICS.shopifyCustomerRedact,
  COMPLIANCE_TOPICS.wooCustomerDeleted,
  COMPLIANCE_TOPICS.merchantCustomerErasure,
]);

/** Prefix of a store domain replaced by its keyed hash once the shop was erased. */
export const ERASED_STORE_PREFIX = 'erased:';

export interface NewComplianceRequest {
  source: ComplianceSource;
  topic: string;
  accountId: string | null;
  storeDomain: string | null;
  /** The platform's id for this delivery; a second delivery with the same id is the same request. */
  externalId: string | null;
  subjectHash: string | null;
}

/**
 * Records a request, or finds the one already recorded under the same (source, externalId).
 * `completed` tells a redelivery of finished work (answer and do nothing) from one whose first
 * attempt failed half way (do the work again; every step is idempotent).
 */
export async function openComplianceRequest(
  db: Db,
  request: NewComplianceRequest,
  receivedAt: number,
): Promise<{ row: ComplianceRow; completed: boolean }> {
  const inserted = await db
    .insert(complianceRequests)
    .values({ id: newId('cmp'), ...request, receivedAt })
    .onConflictDoNothing()
    .returning();
  if (inserted[0]) return { row: inserted[0], completed: false };
  const existing = await db.query.complianceRequests.findFirst({
    where: and(
      eq(complianceRequests.source, request.source),
      eq(complianceRequests.externalId, request.externalId ?? ''),
    ),
  });
  if (!existing) throw new Error('compliance request neither inserted nor found');
  return { row: existing, completed: existing.completedAt !== null };
}

/**
 * Marks a request done (the statement, to await or to batch with others). The keyed hash is
 * dropped: nothing about the person outlives the work.
 */
export function completeComplianceRequest(
  db: Db,
  id: string,
  done: { outcome: ComplianceOutcome; completedAt: number; accountId?: string | null },
) {
  return db
    .update(complianceRequests)
    .set({
      outcome: done.outcome,
      completedAt: done.completedAt,
      subjectHash: null,
      ...(done.accountId !== undefined ? { accountId: done.accountId } : {}),
    })
    .where(eq(complianceRequests.id, id));
}

/** Requests received before `before` and not yet complete: the backstop for work cut short. */
export async function pendingComplianceRequests(db: Db, before: number, limit = 50): Promise<ComplianceRow[]> {
  return db.query.complianceRequests.findMany({
    where: and(isNull(complianceRequests.completedAt), lt(complianceRequests.receivedAt, before)),
    orderBy: complianceRequests.receivedAt,
    limit,
  });
}

/** The ids of such requests, oldest first (what the cron queues, one message each). */
export async function pendingComplianceRequestIds(db: Db, before: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: complianceRequests.id })
    .from(complianceRequests)
    .where(and(isNull(complianceRequests.completedAt), lt(complianceRequests.receivedAt, before)))
    .orderBy(complianceRequests.receivedAt)
    .limit(limit);
  return rows.map((r) => r.id);
}

/** One request by its id, if it is still open. */
export async function openComplianceRequestById(db: Db, id: string): Promise<ComplianceRow | undefined> {
  return db.query.complianceRequests.findFirst({
    where: and(eq(complianceRequests.id, id), isNull(complianceRequests.completedAt)),
  });
}

/** One compliance request as the status page, the privacy page and the data export show it. */
export interface ComplianceRecordView {
  id: string;
  source: ComplianceSource;
  topic: string;
  /** The shop or store, or null once that shop was erased (only a keyed hash of it remains). */
  store: string | null;
  storeErased: boolean;
  /** Shopify's X-Shopify-Webhook-Id; null for other sources (WooCommerce ids are keyed hashes). */
  platformRequestId: string | null;
  receivedAt: number;
  completedAt: number | null;
  tookMs: number | null;
  outcome: ComplianceOutcome | null;
  /** True when the request concerned one end customer (who is never named here). */
  concernsOneCustomer: boolean;
}

/** Every compliance request for an account, newest first. Nothing in it identifies an end customer. */
export async function listComplianceRequests(db: Db, accountId: string): Promise<ComplianceRecordView[]> {
  const rows = await db.query.complianceRequests.findMany({
    where: eq(complianceRequests.accountId, accountId),
    orderBy: desc(complianceRequests.receivedAt),
  });
  return rows.map(toView);
}

export function toView(row: ComplianceRow): ComplianceRecordView {
  const erased = row.storeDomain?.startsWith(ERASED_STORE_PREFIX) ?? false;
  return {
    id: row.id,
    source: row.source,
    topic: row.topic,
    store: erased ? null : row.storeDomain,
    storeErased: erased,
    platformRequestId: row.source === 'shopify' ? row.externalId : null,
    receivedAt: row.receivedAt,
    completedAt: row.completedAt,
    tookMs: row.completedAt === null ? null : row.completedAt - row.receivedAt,
    outcome: (row.outcome as ComplianceOutcome | null) ?? null,
    concernsOneCustomer: CUSTOMER_TOPICS.has(row.topic),
  };
}

const OUTCOME_TEXT: Record<ComplianceOutcome, string> = {
  nothing_held: 'Draftline held nothing about this; nothing to do.',
  opt_out_held:
    'Draftline holds one record for this person: their objection to automated processing (opt-out), kept as a keyed hash of their address, never the address. No mail or order data is kept.',
  erased: 'The opt-out record kept for this person (a keyed hash of their address) was deleted.',
  store_erased: 'The store connection and its credentials were deleted.',
  account_erased: 'The store connection and the whole Draftline account were deleted.',
  token_deleted: 'The store access token was deleted and drafting was paused.',
  no_address:
    'The request named no email address (WooCommerce sends only the customer id); Draftline keeps nothing keyed to store customer ids.',
};

/** A plain sentence for an outcome word, for the pages that list requests. */
export function describeOutcome(outcome: ComplianceOutcome | null): string {
  return outcome ? OUTCOME_TEXT[outcome] : 'In progress.';
}
