import { eq } from 'drizzle-orm';
import PostalMime from 'postal-mime';
import { beforeEach, describe, expect, it } from 'vitest';
import { recordOptOut } from '../../src/compliance/opt-out';
import { getStoreConnection } from '../../src/db/accounts';
import { accounts, gmailConnections, storeConnections } from '../../src/db/schema';
import { sealedAs } from '../../src/db/sealed';
import type { GmailMailbox } from '../../src/google/gmail';
import { consumeSyncBatch } from '../../src/pipeline/consume';
import { syncAccount } from '../../src/pipeline/sync';
import { SANDBOX_SHOP } from '../../src/sandbox';
import { customerMail, pipelineForTest, type PipelineRuntime, question, sampleOrder } from '../support/pipeline';

const newsletterMail = (n: number) =>
  customerMail({
    from: 'Carrier News <news@carrier.example>',
    subject: `News ${n}`,
    body: 'Read all about it.',
    messageId: `<news${n}@carrier.example>`,
    extraHeaders: ['List-Unsubscribe: <mailto:unsubscribe@carrier.example>', 'Precedence: bulk'],
  });

/**
 * A push to a mailbox this isolate synced before starts from the account as that sync read it
 * (src/db/lease-on-premise.ts) and takes the lease on the premise that nothing changed: a skip
 * costs one database round trip. Whatever changed since (a resumed account, an opt-out, a setting,
 * another isolate's sync) fails the premise, and the push is synced as usual, counted once.
 */
describe('lease on a premise', () => {
  let p: PipelineRuntime;
  let trips: number;
  let downloaded: string[];
  beforeEach(async () => {
    p = await pipelineForTest();
    const s = p.rt.services;
    const open = s.openMailbox.bind(s);
    downloaded = [];
    s.openMailbox = (token) => {
      const mailbox = open(token);
      return {
        ...mailbox,
        getRawMessage: (id) => (downloaded.push(id), mailbox.getRawMessage(id)),
      } satisfies GmailMailbox;
    };
    trips = 0;
    const batch = s.db.batch.bind(s.db);
    s.db.batch = ((...args: Parameters<typeof batch>) => (trips++, batch(...args))) as unknown as typeof batch;
    // The first push: drafted the usual way, and the account remembered.
    await pushed(question(1));
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
  });

  /** Delivers a mail and consumes its push as the queue would; the database round trips it took. */
  async function pushed(raw: string): Promise<{ id: string; trips: number }> {
    const { id } = p.deliver(raw);
    const body = { mailboxKey: (await p.connection())!.mailboxKey!, historyId: p.google.historyId(p.mailbox) };
    const before = trips;
    await consumeSyncBatch(p.rt.services, [{ body, attempts: 1, ack: () => undefined, retry: () => undefined }], {
      sleep: async () => undefined,
    });
    return { id, trips: trips - before };
  }

  const newsletter = newsletterMail;

  it('a skip on a warm mailbox: one round trip moves the cursor and counts it, the notification too', async () => {
    const counted = await p.counters();
    const { trips } = await pushed(newsletter(1));
    expect(trips).toBe(1);
    expect((await p.connection())!.historyCursor).toBe(p.google.historyId(p.mailbox));
    expect((await p.connection())!.syncLeaseOwner).toBeNull();
    expect(p.rt.logs.filter((l) => l.includes('"event":"sync.done"')).at(-1)).toContain('"mode":"on_premise"');
    expect(await p.counters()).toMatchObject({
      notifications: counted.notifications! + 1,
      seen: counted.seen! + 1,
      'skipped:bulk': 1,
    });
  });

  it('resumed since it was remembered paused: the premise fails and the email is drafted, counted once', async () => {
    await p.rt.services.db.update(accounts).set({ paused: true }).where(eq(accounts.id, p.accountId));
    await pushed(question(2)); // read paused: remembered paused
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    await p.rt.services.db.update(accounts).set({ paused: false }).where(eq(accounts.id, p.accountId));

    const { trips } = await pushed(question(3));
    expect(trips).toBeGreaterThan(1);
    expect(p.google.drafts(p.mailbox)).toHaveLength(2);
    const counters = await p.counters();
    expect(counters).toMatchObject({ seen: 3, drafted: 2, 'skipped:paused': 1, notifications: 3 });
    expect(p.rt.logs.some((l) => l.includes('"event":"sync.premise_failed"'))).toBe(true);
  });

  it('a paused account: a burst it skips without reading Gmail is still one round trip', async () => {
    await p.rt.services.db.update(accounts).set({ paused: true }).where(eq(accounts.id, p.accountId));
    await pushed(question(2)); // read paused: remembered paused
    p.deliver(question(3));
    p.deliver(question(4));
    const { trips } = await pushed(question(5));
    expect(trips).toBe(1);
    expect(await p.counters()).toMatchObject({ 'skipped:paused': 4 });
  });

  it('a customer who opted out since: their email is never downloaded, nor drafted', async () => {
    await recordOptOut(
      p.rt.services.db,
      p.rt.services.config.secrets.hashKey,
      p.accountId,
      'jane@example.net',
      Date.now(),
    );
    const { id } = await pushed(question(2));
    expect(downloaded).not.toContain(id);
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 1, 'skipped:opted_out': 1 });
  });

  it('a setting changed since: the draft is written with the new one', async () => {
    await p.rt.services.db
      .update(accounts)
      .set({ signature: 'Changed Signature Line' })
      .where(eq(accounts.id, p.accountId));
    await pushed(question(2));
    const drafts = p.google.drafts(p.mailbox);
    expect(drafts).toHaveLength(2);
    expect((await PostalMime.parse(drafts[1]!.raw)).text).toContain('Changed Signature Line');
    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 2 });
  });

  it('another isolate synced since (the cursor moved on): the skip is counted once, the cursor at the end', async () => {
    const key = (await p.connection())!.mailboxKey!;
    const known = p.rt.services.knownCursors.get(key)!;
    p.rt.services.knownCursors.set(key, { ...known, cursor: String(BigInt(known.cursor) - 1n) });
    await pushed(newsletter(1));
    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 1, 'skipped:bulk': 1, notifications: 2 });
    expect((await p.connection())!.historyCursor).toBe(p.google.historyId(p.mailbox));
  });

  it('Gmail refusing before the lease is taken: logged by class, and the usual sync does the run', async () => {
    p.google.failNext('messages.get', { status: 429, retryAfterSeconds: 1 });
    await pushed(question(2));
    const abandoned = p.rt.logs.filter((l) => l.includes('"event":"sync.premise_abandoned"'));
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0]).toContain('"errorClass":"gmail_rate_limited"');
    expect(p.google.drafts(p.mailbox)).toHaveLength(2);
    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 2, notifications: 2 });
  });

  it('a mailbox that cannot be synced (the store uninstalled) is not remembered', async () => {
    const key = (await p.connection())!.mailboxKey!;
    // Only the cursor remembered (as for a long opt-out list): the push reads the account, finds no store.
    p.rt.services.knownCursors.set(key, { ...p.rt.services.knownCursors.get(key)!, snapshot: undefined });
    await p.rt.services.db.update(storeConnections).set({ status: 'uninstalled' });
    await pushed(question(2));
    expect(p.rt.services.knownCursors.get(key)).toBeUndefined();
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
  });

  it('a failed premise forgets only its own snapshot, not one a sync in this isolate remembered meanwhile', async () => {
    const s = p.rt.services;
    const key = (await p.connection())!.mailboxKey!;
    const known = s.knownCursors.get(key)!;
    const fresher = { ...known, snapshot: { ...known.snapshot! } };
    // A live holder elsewhere: the premise fails, and the usual sync finds it busy (and remembers nothing).
    await s.db.update(gmailConnections).set({ syncLeaseOwner: 'lease_other', syncLeaseUntil: Date.now() + 60_000 });
    const batch = s.db.batch.bind(s.db);
    let first = true;
    s.db.batch = ((...args: Parameters<typeof batch>) => {
      if (first) s.knownCursors.set(key, fresher); // as if another sync here had just finished
      first = false;
      return batch(...args);
    }) as unknown as typeof batch;
    await pushed(newsletter(1));
    expect(p.rt.logs.some((l) => l.includes('"event":"sync.premise_failed"'))).toBe(true);
    expect(s.knownCursors.get(key)).toBe(fresher);
  });

  it('a run holding the lease meanwhile: the premise fails, that run is asked to run once more', async () => {
    const s = p.rt.services;
    await s.db.update(gmailConnections).set({ syncLeaseOwner: 'lease_other', syncLeaseUntil: Date.now() + 60_000 });
    const cursor = (await p.connection())!.historyCursor;
    await pushed(newsletter(1));
    const after = (await p.connection())!;
    expect(after.historyCursor).toBe(cursor); // the holder moves it, not us
    expect(after.syncRerunRequested).toBe(true);
    expect((await p.counters())['skipped:bulk']).toBeUndefined();
  });
});

/** What the remembered account holds that the run's store and Gmail reads depend on (found in review). */
describe('lease on a premise: what the run reads from the remembered rows', () => {
  async function pushed(p: PipelineRuntime, raw: string) {
    p.deliver(raw);
    const body = { mailboxKey: (await p.connection())!.mailboxKey!, historyId: p.google.historyId(p.mailbox) };
    await consumeSyncBatch(p.rt.services, [{ body, attempts: 1, ack: () => undefined, retry: () => undefined }], {
      sleep: async () => undefined,
    });
  }

  it('a shop back in service is marked active again: the store row moved since it was remembered', async () => {
    const p = await pipelineForTest('shopify');
    const shopify = p.rt.sandbox!.fakes.shopify;
    const storeStatus = async () => (await getStoreConnection(p.rt.services.db, p.accountId))!.status;
    await pushed(p, question(1)); // remembered 'active'
    shopify.setUnavailable(SANDBOX_SHOP, 402);
    await pushed(p, question(2)); // skipped store_suspended; the row moves to shop_unavailable
    expect(await storeStatus()).toBe('shop_unavailable');
    shopify.setUnavailable(SANDBOX_SHOP, null);
    await pushed(p, question(3));
    expect(p.google.drafts(p.mailbox)).toHaveLength(2);
    expect(await storeStatus()).toBe('active');
  });

  it('a Shopify token refreshed by an earlier run is not refreshed again, and the next premises hold', async () => {
    const p = await pipelineForTest('shopify');
    const shopify = p.rt.sandbox!.fakes.shopify;
    shopify.addShop(SANDBOX_SHOP, null, [sampleOrder()]);
    const pair = shopify.issueTokens(SANDBOX_SHOP);
    const row = (await getStoreConnection(p.rt.services.db, p.accountId))!;
    const due = {
      kind: 'shopify',
      accessToken: pair.access_token,
      refreshToken: pair.refresh_token!,
      expiresAt: Date.now() + 1000, // due for renewal
      refreshTokenExpiresAt: Date.now() + 86_400_000,
    };
    const sealed = await p.rt.services.sealer.seal(JSON.stringify(due), sealedAs.storeCredentials(row.id));
    await p.rt.services.db
      .update(storeConnections)
      .set({ sealedCredentials: sealed })
      .where(eq(storeConnections.id, row.id));
    await pushed(p, question(1)); // renews once and stores the new pair
    await pushed(p, question(2));
    await pushed(p, question(3));
    expect(p.google.drafts(p.mailbox)).toHaveLength(3);
    expect(shopify.tokenRequests(SANDBOX_SHOP)).toHaveLength(1);
    // The run that renewed remembered the row as it left it: the next pushes' premises hold.
    const events = p.rt.logs.map((l) => JSON.parse(l) as { event: string; mode?: string });
    expect(events.filter((e) => e.event === 'sync.premise_failed')).toEqual([]);
    expect(events.filter((e) => e.event === 'sync.done' && e.mode === 'on_premise')).toHaveLength(2);
  });

  it('a hint another isolate made stale costs one message’s metadata read, not the backlog’s', async () => {
    const p = await pipelineForTest();
    const s = p.rt.services;
    const open = s.openMailbox.bind(s);
    let metaReads = 0;
    s.openMailbox = (token) => {
      const mailbox = open(token);
      return { ...mailbox, getMessageMeta: (id) => (metaReads++, mailbox.getMessageMeta(id)) } satisfies GmailMailbox;
    };
    await pushed(p, question(1));
    const key = (await p.connection())!.mailboxKey!;
    const known = s.knownCursors.get(key)!;
    // Another isolate handles ten newsletters; this isolate's hint stays where it was.
    for (let i = 0; i < 10; i++) p.deliver(newsletterMail(i));
    await syncAccount(s, p.accountId, { sleep: async () => undefined });
    s.knownCursors.set(key, known);
    metaReads = 0;
    await pushed(p, newsletterMail(99));
    expect(await p.counters()).toMatchObject({ 'skipped:bulk': 11 });
    expect(metaReads).toBeLessThanOrEqual(2); // the stale first one, then the new one
  });
});
