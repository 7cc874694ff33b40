import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { gmailConnections } from '../../src/db/schema';
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

  it('queues {accountId} for new mail, counts the notification and notes when it came', async () => {
    p.deliver(question(1));
    const res = await push({ emailAddress: p.mailbox, historyId: Number(p.google.historyId(p.mailbox)) });
    expect(res.status).toBe(204);
    expect(p.rt.queueMessages).toEqual([JSON.stringify({ accountId: p.accountId })]);
    expect(await p.counters()).toMatchObject({ notifications: 1 });
    expect((await p.connection())!.lastPushAt).toBeGreaterThan(Date.now() - 60_000);
    await p.rt.settle();
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
  });

  it('finds the account whatever the case of the address', async () => {
    await push({ emailAddress: p.mailbox.toUpperCase(), historyId: Number(p.google.historyId(p.mailbox)) + 5 });
    expect(p.rt.queueMessages).toHaveLength(1);
  });

  it('acknowledges an unknown mailbox without work, logging the event without the address', async () => {
    const res = await push({ emailAddress: 'stranger@elsewhere.example', historyId: 99 });
    expect(res.status).toBe(204);
    expect(p.rt.queueMessages).toEqual([]);
    expect(logLines('push.unknown_mailbox')).toHaveLength(1);
    expect(p.rt.logs.join('\n')).not.toContain('stranger');
    expect(await p.counters()).toEqual({});
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

  it('acknowledges a notification the cursor has already passed (late or repeated), counted, without a sync', async () => {
    const { historyCursor } = (await p.connection())!;
    const res = await push({ emailAddress: p.mailbox, historyId: historyCursor! });
    expect(res.status).toBe(204);
    expect(p.rt.queueMessages).toEqual([]);
    expect(await p.counters()).toMatchObject({ notifications: 1 });
  });

  it('does no work for an account waiting for a reconnect', async () => {
    await p.rt.services.db
      .update(gmailConnections)
      .set({ status: 'reconnect_needed' })
      .where(eq(gmailConnections.accountId, p.accountId));
    const res = await push({ emailAddress: p.mailbox, historyId: Number(p.google.historyId(p.mailbox)) + 100 });
    expect(res.status).toBe(204);
    expect(p.rt.queueMessages).toEqual([]);
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
