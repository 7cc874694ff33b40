import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { accounts, gmailConnections } from '../../src/db/schema';
import { sealedAs } from '../../src/db/sealed';
import { CANARY, chaosForTest, type Chaos } from '../support/chaos';
import {
  cursorViolations,
  draftViolations,
  leakViolations,
  quietViolations,
  violations,
} from '../support/chaos-invariants';

/** The checks every chaos test ends with can fail: each sees a fault planted on purpose. */
describe('chaos invariants catch what they are for', () => {
  let c: Chaos;
  beforeEach(async () => {
    c = await chaosForTest();
    const q = c.question();
    await c.trigger();
    await c.settle();
    expect(await violations(c)).toEqual([]);
    // A second draft in the same thread, as a buggy retry would write it.
    const reply = [
      'From: merchant@example.com',
      `To: ${CANARY.senderAddress}`,
      `Subject: Re: ${CANARY.subject} ${q.n}`,
      `In-Reply-To: <chaos-${q.n}@chaos-canary.example>`,
      `References: <chaos-${q.n}@chaos-canary.example>`,
      '',
      'Thanks',
    ].join('\r\n');
    plantDraft = async () => {
      const gmail = (await c.connection())!;
      const token = await c.s.sealer.open(gmail.sealedRefreshToken!, sealedAs.gmailRefreshToken(c.accountId));
      await c.s.openMailbox(token).createDraft(q.threadId, reply);
    };
  });
  let plantDraft: () => Promise<void>;

  it('a second draft in a thread, and a deserving mail without one', async () => {
    await plantDraft();
    expect(draftViolations(c)).toEqual([expect.stringMatching(/has 2 drafts, expected 1/)]);
    c.question();
    expect(draftViolations(c)).toHaveLength(2);
  });

  it('a cursor that moves back, or ends before the newest mail', async () => {
    const cursor = (await c.connection())!.historyCursor!;
    await c.s.db
      .update(gmailConnections)
      .set({ historyCursor: String(BigInt(cursor) - 1n) })
      .where(eq(gmailConnections.accountId, c.accountId));
    expect(await cursorViolations(c)).toEqual([
      expect.stringMatching(/^cursor moved back/),
      expect.stringMatching(/ends before the newest mail/),
    ]);
  });

  it('a canary in the database, a log line, a queue message or an error; a secret in a log line', async () => {
    await c.s.db.update(accounts).set({ signature: CANARY.city }).where(eq(accounts.id, c.accountId));
    c.s.logger.info('leak.test', { reason: CANARY.body });
    c.rt.queueMessages.push(JSON.stringify({ accountId: c.accountId, subject: CANARY.subject }));
    c.errors.push(`Error: ${CANARY.senderAddress}`);
    c.rt.logs.push(`{"token":"ya29.a0AfB_byC-plantedaccesstoken"}`);
    const found = await leakViolations(c);
    for (const where of [
      'draftline.db',
      'in log',
      'in queue',
      'in error',
      'an access token',
      'queue message with accountId,subject',
    ]) {
      expect(
        found.some((f) => f.includes(where)),
        where,
      ).toBe(true);
    }
  });

  it('a lease left held, and a request hanging without a timeout', async () => {
    c.net.failNext('history.list', 'hang');
    const gmail = (await c.connection())!;
    const token = await c.s.sealer.open(gmail.sealedRefreshToken!, sealedAs.gmailRefreshToken(c.accountId));
    // A raw fetch with no signal: nothing will ever cut it short.
    void c.s
      .fetch(`${c.s.config.google.gmailApiUrl}gmail/v1/users/me/history?startHistoryId=1`, {
        headers: { authorization: `Bearer ${token}` },
      })
      .catch(() => undefined);
    await c.s.db
      .update(gmailConnections)
      .set({ syncLeaseOwner: 'someone', syncLeaseUntil: Date.now() + 60_000 })
      .where(eq(gmailConnections.accountId, c.accountId));
    expect(await quietViolations(c)).toEqual(['lease still held by someone', '1 requests hang with no timeout']);
  });
});
