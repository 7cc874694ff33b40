import { desc, eq } from 'drizzle-orm';
import { getAccount, getGmailConnection, getStoreConnection } from '../db/accounts';
import { complianceRequests, consentRecords, dailyCounters, optOuts } from '../db/schema';
import { policiesOf } from '../drafting/policies';
import type { Services } from '../services';

const REDACTED = '[sealed secret, not exported]';

/**
 * "Export my data": every row Draftline holds about the account, as JSON. Sealed secrets are
 * replaced by a marker; opt-outs are hashes because that is all we have.
 */
export async function exportAccount(s: Services, accountId: string) {
  const [account, gmail, store, consents, optOutRows, counters, compliance] = await Promise.all([
    getAccount(s.db, accountId),
    getGmailConnection(s.db, accountId),
    getStoreConnection(s.db, accountId),
    s.db.select().from(consentRecords).where(eq(consentRecords.accountId, accountId)),
    s.db.select().from(optOuts).where(eq(optOuts.accountId, accountId)),
    s.db.select().from(dailyCounters).where(eq(dailyCounters.accountId, accountId)),
    s.db
      .select()
      .from(complianceRequests)
      .where(eq(complianceRequests.accountId, accountId))
      .orderBy(desc(complianceRequests.receivedAt)),
  ]);
  if (!account) return null;
  const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);
  return {
    exportedAt: iso(s.now()),
    about:
      'Everything Draftline holds about this account. Draftline keeps no email or order content, so there is none here.',
    account: {
      id: account.id,
      createdAt: iso(account.createdAt),
      paused: account.paused,
      settings: {
        shopName: account.shopName,
        signOffName: account.signOffName,
        signature: account.signature,
        tone: account.tone,
        fallbackLanguage: account.fallbackLanguage,
        draftKinds: account.draftKinds.split(',').filter(Boolean),
      },
      policies: { ...policiesOf(account), stalledAfterDays: account.stalledAfterDays },
    },
    gmail: gmail && {
      mailbox: gmail.mailbox,
      grantedScopes: gmail.grantedScopes.split(' '),
      refreshToken: gmail.sealedRefreshToken ? REDACTED : null,
      historyCursor: gmail.historyCursor,
      watchExpiresAt: iso(gmail.watchExpiresAt),
      status: gmail.status,
      connectedAt: iso(gmail.connectedAt),
      lastSyncAt: iso(gmail.lastSyncAt),
      lastPushAt: iso(gmail.lastPushAt),
    },
    store: store && {
      kind: store.kind,
      storeDomain: store.storeDomain,
      credentials: store.sealedCredentials ? REDACTED : null,
      webhookSecret: store.sealedWebhookSecret ? REDACTED : null,
      webhookStatus: store.webhookStatus,
      status: store.status,
      connectedAt: iso(store.connectedAt),
    },
    consentRecords: consents.map((c) => ({
      kind: c.kind,
      detail: c.detail,
      version: c.version,
      grantedAt: iso(c.grantedAt),
      withdrawnAt: iso(c.withdrawnAt),
    })),
    optOuts: optOutRows.map((o) => ({ addressHash: o.addressHash, createdAt: iso(o.createdAt) })),
    dailyCounters: counters.map((c) => ({ day: c.day, name: c.name, count: c.count })),
    complianceRequests: compliance.map((r) => ({
      source: r.source,
      topic: r.topic,
      storeDomain: r.storeDomain,
      externalId: r.externalId,
      subjectHash: r.subjectHash,
      receivedAt: iso(r.receivedAt),
      completedAt: iso(r.completedAt),
      outcome: r.outcome,
    })),
  };
}
