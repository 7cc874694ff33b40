import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { gmailConnections } from '../../src/db/schema';
import { mailboxKeyOf } from '../../src/google/mailbox-key';
import { consumeSyncBatch } from '../../src/pipeline/consume';
import { acceptGmailPush } from '../../src/pipeline/push';
import { deliveryRecorder } from '../support/deliveries';
import { question, pipelineForTest, type PipelineRuntime } from '../support/pipeline';

/** POST /webhooks/gmail with a valid Google token: what happens after verification. */
describe('Gmail push: what a verified notification leads to', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest();
  });

  const push = async (data: unknown, body?: string) =>
    p.rt.request('/webhooks/gmail', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await p.google.signPushToken()}` },
      body:
        body ??
        JSON.stringify({
          message: { data: typeof data === 'string' ? data : btoa(JSON.stringify(data)), messageId: '1' },
          subscription: 's',
        }),
    });
  const logLines = (event: string) => p.rt.logs.filter((l) => JSON.parse(l).event === event);

  const syncedAs = () =>
    p.rt.logs.map((l) => JSON.parse(l) as { event: string; reason?: string }).filter((l) => l.event === 'queue.synced');

  it('queues {mailboxKey, historyId} without a database round trip; its sync counts the notification and notes when it came', async () => {
    p.deliver(question(1));
    const historyId = p.google.historyId(p.mailbox);
    // The push's own step, with a database that throws on any use and a queue that records.
    const sent: unknown[] = [];
    const noDb = new Proxy(p.rt.services.db, {
      get: () => {
        throw new Error('the push handler used the database');
      },
    });
    await acceptGmailPush(
      { ...p.rt.services, db: noDb, queue: { send: async (m) => void sent.push(m) } },
      { emailAddress: p.mailbox, historyId },
    );
    expect(sent).toEqual([
      { mailboxKey: await mailboxKeyOf(p.rt.services.config.secrets.hashKey, p.mailbox), historyId },
    ]);
    // The same through the webhook, then its sync.
    const res = await push({ emailAddress: p.mailbox, historyId: Number(historyId) });
    expect(res.status).toBe(204);
    const [message] = p.rt.queueMessages.map((m) => JSON.parse(m) as Record<string, string>);
    expect(message).toEqual({
      mailboxKey: await mailboxKeyOf(p.rt.services.config.secrets.hashKey, p.mailbox),
      historyId,
    });
    expect(JSON.stringify(message)).not.toContain(p.mailbox);
    await p.rt.settle();
    expect(await p.counters()).toMatchObject({ notifications: 1, drafted: 1 });
    expect(p.rt.logs.filter((l) => JSON.parse(l).event === 'queue.retry')).toEqual([]);
    expect((await p.connection())!.lastPushAt).toBeGreaterThan(Date.now() - 60_000);
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
  });

  it('a redelivered push (the queue retrying its sync) is not counted again, and its log lines name the account', async () => {
    p.deliver(question(1));
    const body = { mailboxKey: (await p.connection())!.mailboxKey!, historyId: p.google.historyId(p.mailbox) };
    p.google.failNext('messages.get', { status: 503, count: 2 });
    for (let attempts = 1; attempts <= 3; attempts++) {
      const delivery = { body, attempts, ack: () => undefined, retry: () => undefined };
      await consumeSyncBatch(p.rt.services, [delivery], { sleep: async () => undefined });
    }
    expect(await p.counters()).toMatchObject({ notifications: 1, drafted: 1, 'error:gmail_unavailable': 2 });
    const lines = p.rt.logs.map((l) => JSON.parse(l) as { event: string; accountId?: string });
    const consumed = lines.filter((l) => l.event === 'queue.retry' || l.event === 'queue.synced');
    expect(consumed.map((l) => [l.event, l.accountId])).toEqual([
      ['queue.retry', p.accountId],
      ['queue.retry', p.accountId],
      ['queue.synced', p.accountId],
    ]);
  });

  it('pushes of one batch for the same mailbox are one sync: the newest runs, all are acked and counted', async () => {
    const mailboxKey = (await p.connection())!.mailboxKey!;
    const { settled, delivery: named } = deliveryRecorder();
    const delivery = (body: object, attempts = 1) => named('push', body, attempts);
    const events = (name: string) => p.rt.logs.filter((l) => JSON.parse(l).event === name);
    p.deliver(question(1));
    const first = p.google.historyId(p.mailbox);
    await consumeSyncBatch(p.rt.services, [delivery({ mailboxKey, historyId: first })]);
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);

    // Two new messages, two pushes behind the cursor, and a redelivery of the old one.
    p.deliver(question(2));
    const mid = p.google.historyId(p.mailbox);
    p.deliver(question(3));
    const newest = p.google.historyId(p.mailbox);
    await consumeSyncBatch(p.rt.services, [
      delivery({ mailboxKey, historyId: mid }),
      delivery({ mailboxKey, historyId: newest }),
      delivery({ mailboxKey, historyId: first }, 2), // a redelivery: not counted again
    ]);
    // Run apart, the second would find the lease taken and ask for a rerun: sync.busy, more syncs.
    expect(events('sync.busy')).toEqual([]);
    expect(events('sync.done')).toHaveLength(2);
    expect(settled).toEqual(['push:ack', 'push:ack', 'push:ack', 'push:ack']);
    expect(p.google.drafts(p.mailbox)).toHaveLength(3);
    expect(await p.counters()).toMatchObject({ notifications: 3, drafted: 3 });

    // The cursor is at `newest`: a batch led by an older push would end as already_synced and
    // leave the new mail behind, so the newest leads wherever it stands in the batch.
    p.deliver(question(4));
    await consumeSyncBatch(p.rt.services, [
      delivery({ mailboxKey, historyId: newest }),
      delivery({ mailboxKey, historyId: p.google.historyId(p.mailbox) }),
    ]);
    expect(p.google.drafts(p.mailbox)).toHaveLength(4);
    expect(events('sync.done')).toHaveLength(3);

    // The same account's sync queued twice (at-least-once delivery) is one sync too.
    await consumeSyncBatch(p.rt.services, [delivery({ accountId: p.accountId }), delivery({ accountId: p.accountId })]);
    expect(events('sync.busy')).toEqual([]);
    expect(events('sync.done')).toHaveLength(4);
    expect(settled).toHaveLength(8);
  });

  it('a batch whose leading push is retried: its riders are acked and counted once, the retry drafts their mail', async () => {
    const mailboxKey = (await p.connection())!.mailboxKey!;
    const { settled: outcomes, delivery } = deliveryRecorder();
    p.deliver(question(1));
    const mid = p.google.historyId(p.mailbox);
    p.deliver(question(2));
    const leader = { mailboxKey, historyId: p.google.historyId(p.mailbox) };
    p.google.failNext('messages.get', { status: 503, count: 1 });
    const noSleep = { sleep: async () => undefined };
    await consumeSyncBatch(
      p.rt.services,
      [delivery('mid', { mailboxKey, historyId: mid }), delivery('new', leader)],
      noSleep,
    );
    expect(outcomes.sort()).toEqual(['mid:ack', expect.stringMatching(/^new:retry/)]);
    // The queue brings the leader back alone: it counts nothing more and drafts both messages.
    await consumeSyncBatch(p.rt.services, [delivery('new', leader, 2)], noSleep);
    expect(outcomes.at(-1)).toBe('new:ack');
    expect(p.google.drafts(p.mailbox)).toHaveLength(2);
    expect(await p.counters()).toMatchObject({ notifications: 2, drafted: 2 });
  });

  it('of two pushes alike, the first delivery leads (a retry of it keeps the retries a redelivery has spent less of)', async () => {
    const mailboxKey = (await p.connection())!.mailboxKey!;
    p.deliver(question(1));
    const body = { mailboxKey, historyId: p.google.historyId(p.mailbox) };
    const retried: number[] = [];
    const delivery = (attempts: number) => ({
      body,
      attempts,
      ack: () => undefined,
      retry: () => void retried.push(attempts),
    });
    p.google.failNext('messages.get', { status: 503, count: 1 });
    await consumeSyncBatch(p.rt.services, [delivery(4), delivery(1)], { sleep: async () => undefined });
    expect(retried).toEqual([1]);
  });

  it("of one account's sync queued twice, the delivery with retries left leads too (the other is acked)", async () => {
    p.deliver(question(1));
    const { settled, delivery } = deliveryRecorder();
    p.google.failNext('messages.get', { status: 503, count: 1 });
    const body = { accountId: p.accountId };
    await consumeSyncBatch(p.rt.services, [delivery('last', body, 6), delivery('fresh', body, 1)], {
      sleep: async () => undefined,
    });
    expect(settled.sort()).toEqual(['fresh:retry', 'last:ack'].sort().map((x) => expect.stringMatching(`^${x}`)));
  });

  it('names the mailbox by the same key whatever the case of the address', async () => {
    await push({ emailAddress: p.mailbox.toUpperCase(), historyId: Number(p.google.historyId(p.mailbox)) + 5 });
    const keys = p.rt.queueMessages.map((m) => (JSON.parse(m) as { mailboxKey: string }).mailboxKey);
    expect(keys).toEqual([(await p.connection())!.mailboxKey]);
  });

  it('an unknown mailbox: its sync does no work and logs the event without the address', async () => {
    const res = await push({ emailAddress: 'stranger@elsewhere.example', historyId: 99 });
    expect(res.status).toBe(204);
    await p.rt.settle();
    expect(logLines('push.unknown_mailbox')).toHaveLength(1);
    expect(syncedAs().map((l) => l.reason)).toEqual(['skipped']);
    expect(p.rt.logs.join('\n')).not.toContain('stranger');
    expect(await p.counters()).toEqual({});
  });

  it('a connection from before mailbox keys: its pushes find nothing until a sync writes its key', async () => {
    await p.rt.services.db
      .update(gmailConnections)
      .set({ mailboxKey: null })
      .where(eq(gmailConnections.accountId, p.accountId));
    p.deliver(question(1));
    await push({ emailAddress: p.mailbox, historyId: Number(p.google.historyId(p.mailbox)) });
    await p.rt.settle();
    expect(logLines('push.unknown_mailbox')).toHaveLength(1);
    expect(p.google.drafts(p.mailbox)).toHaveLength(0);
    // The cron's poll of the quiet mailbox drafts the mail and gives the connection its key.
    await p.rt.services.queue.send({ accountId: p.accountId });
    await p.rt.settle();
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    expect((await p.connection())!.mailboxKey).toBe(
      await mailboxKeyOf(p.rt.services.config.secrets.hashKey, p.mailbox),
    );
    p.deliver(question(2));
    await push({ emailAddress: p.mailbox, historyId: Number(p.google.historyId(p.mailbox)) });
    await p.rt.settle();
    expect(p.google.drafts(p.mailbox)).toHaveLength(2);
  });

  it.each([
    ['data that is not base64 JSON', '%%%', undefined],
    ['a notification without a historyId', { emailAddress: 'merchant@example.com' }, undefined],
    ['a body that is not JSON', null, 'not json at all'],
    ['a body without a message', null, JSON.stringify({ subscription: 's' })],
  ])('acknowledges %s without work, and logs it', async (_label, data, body) => {
    const res = await push(data, body);
    expect(res.status).toBe(204);
    expect(p.rt.queueMessages).toEqual([]);
    expect(logLines('push.malformed')).toHaveLength(1);
    expect(await p.counters()).toEqual({});
  });

  it('a notification the cursor has already passed (late or repeated): counted, no lease, no Gmail call', async () => {
    const { historyCursor } = (await p.connection())!;
    const calls = { ...p.google.calls(p.mailbox) };
    const res = await push({ emailAddress: p.mailbox, historyId: historyCursor! });
    expect(res.status).toBe(204);
    await p.rt.settle();
    expect(syncedAs().map((l) => l.reason)).toEqual(['already_synced']);
    expect(p.google.calls(p.mailbox)).toEqual(calls);
    expect(await p.counters()).toMatchObject({ notifications: 1 });
    expect((await p.connection())!.syncLeaseOwner).toBeNull();
  });

  it('does no work for an account waiting for a reconnect, and takes no lease', async () => {
    await p.rt.services.db
      .update(gmailConnections)
      .set({ status: 'reconnect_needed' })
      .where(eq(gmailConnections.accountId, p.accountId));
    const calls = { ...p.google.calls(p.mailbox) };
    const res = await push({ emailAddress: p.mailbox, historyId: Number(p.google.historyId(p.mailbox)) + 100 });
    expect(res.status).toBe(204);
    await p.rt.settle();
    expect(syncedAs().map((l) => l.reason)).toEqual(['skipped']);
    expect(p.google.calls(p.mailbox)).toEqual(calls);
    expect((await p.connection())!.syncLeaseOwner).toBeNull();
  });

  it('refuses a push without a valid token before reading it', async () => {
    const res = await p.rt.request('/webhooks/gmail', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer forged' },
      body: JSON.stringify({ message: { data: btoa(JSON.stringify({ emailAddress: p.mailbox, historyId: 1 })) } }),
    });
    expect(res.status).toBe(401);
    expect(p.rt.queueMessages).toEqual([]);
    expect(await p.counters()).toEqual({});
  });
});
