import { beforeEach, describe, expect, it } from 'vitest';
import { connectGmail } from '../../src/accounts/connect';
import { GMAIL_SCOPES } from '../../src/google/oauth';
import { sealedAs } from '../../src/db/sealed';
import { chaosForTest, type Chaos } from '../support/chaos';
import { expectInvariants, retries } from '../support/chaos-invariants';

/**
 * The merchant removes Draftline's access in their Google account while a sync is drafting. The
 * account must end up waiting for a reconnect, without a retry loop, a duplicate draft, or the
 * token or any mail content in the logs; and reconnecting drafts what was left, once.
 */
describe('chaos: the grant is revoked mid-sync', () => {
  let c: Chaos;
  beforeEach(async () => {
    c = await chaosForTest();
  });

  const revokeAfterDrafts = (n: number) => {
    c.net.onRequest = () => {
      if (c.google.drafts(c.mailbox).length === n) {
        c.google.revokeAll(c.mailbox);
        c.net.onRequest = undefined;
      }
    };
  };

  it('stops, marks the account for reconnection, and does no more work until it is reconnected', async () => {
    for (let i = 0; i < 4; i++) c.question();
    const gmail = (await c.connection())!;
    const oldToken = await c.s.sealer.open(gmail.sealedRefreshToken!, sealedAs.gmailRefreshToken(c.accountId));
    revokeAfterDrafts(2);
    await c.trigger();
    await c.settle();

    expect((await c.connection())!.status).toBe('reconnect_needed');
    expect(c.google.drafts(c.mailbox)).toHaveLength(2);
    expect(await c.counters()).toMatchObject({ 'error:reconnect_needed': 1, drafted: 2 });
    expect(retries(c)).toEqual([]);
    expect(c.deadLetters).toBe(0);
    expect(c.events('sync.reconnect_needed')).toHaveLength(1);

    // No crash loop: triggers, pushes and the cron find nothing to do, and call nobody.
    const calls = { ...c.google.calls(c.mailbox) };
    const tokens = c.google.tokenRequests();
    c.question();
    for (let i = 0; i < 5; i++) await c.trigger();
    await c.sync();
    for (const p of c.pushes) await c.replay(p);
    await c.settle();
    await c.cron();
    await c.cron();
    expect(c.google.calls(c.mailbox)).toEqual(calls);
    expect(c.google.tokenRequests()).toBe(tokens);
    expect(retries(c)).toEqual([]);
    expect(c.events('sync.reconnect_needed')).toHaveLength(1);
    for (const line of [...c.rt.logs, ...c.errors]) expect(line).not.toContain(oldToken);

    // The merchant connects again: the cursor was kept, so what arrived meanwhile is drafted, once.
    const refreshToken = c.google.issueRefreshToken(c.mailbox, Object.values(GMAIL_SCOPES));
    await connectGmail(c.s, {
      accountId: c.accountId,
      mailbox: c.mailbox,
      refreshToken,
      grantedScopes: Object.values(GMAIL_SCOPES),
    });
    await c.trigger();
    await c.settle();
    expect(c.google.drafts(c.mailbox)).toHaveLength(5);
    await expectInvariants(c);
  });

  it('revoked while the queue is retrying a rate limit: the retry stops at the first refusal', async () => {
    for (let i = 0; i < 3; i++) c.question();
    c.google.failNext('threads.get', { status: 429, count: 2, retryAfterSeconds: 1 });
    revokeAfterDrafts(0);
    await c.trigger();
    await c.settle();
    expect((await c.connection())!.status).toBe('reconnect_needed');
    expect(c.google.drafts(c.mailbox)).toHaveLength(0);
    expect(retries(c)).toEqual([]);
    expect(c.deadLetters).toBe(0);
  });
});
