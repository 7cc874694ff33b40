import { beforeEach, describe, expect, it } from 'vitest';
import { sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/** POST /webhooks/gmail as Cloud Pub/Sub calls it: OIDC bearer token, base64 JSON in message.data. */
describe('Gmail push webhook', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
    await rt.reset('shopify', [sampleOrder()]);
    rt.queueMessages.length = 0;
  });

  const push = async (data: unknown, token: string | null) =>
    rt.request('/webhooks/gmail', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({
        message: {
          data: typeof data === 'string' ? data : btoa(JSON.stringify(data)),
          messageId: '1',
          publishTime: new Date().toISOString(),
        },
        subscription: 'projects/sandbox/subscriptions/gmail-push',
      }),
    });
  const google = () => rt.sandbox!.fakes.google;

  it('queues {mailboxKey, historyId} and nothing else for a verified notification', async () => {
    const res = await push(
      { emailAddress: 'merchant@example.com', historyId: 99999999 },
      await google().signPushToken(),
    );
    expect(res.status).toBe(204);
    expect(rt.queueMessages).toHaveLength(1);
    expect(JSON.parse(rt.queueMessages[0]!)).toEqual({
      mailboxKey: expect.stringMatching(/^[0-9a-f]{64}$/),
      historyId: '99999999',
    });
    expect(rt.queueMessages[0]).not.toContain('merchant');
  });

  it.each([
    ['no token', null],
    ['a token for another audience', { aud: 'https://elsewhere.example/push' }],
    ['a token from another service account', { email: 'intruder@evil.iam.gserviceaccount.com' }],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }],
    ['an unverified email', { email_verified: false }],
  ])('answers 401 and queues nothing for %s', async (_label, claims) => {
    const token = claims === null ? null : await google().signPushToken(claims);
    const res = await push({ emailAddress: 'merchant@example.com', historyId: 1 }, token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect(rt.queueMessages).toHaveLength(0);
  });

  it('answers 401 for a token signed by a key Google does not publish', async () => {
    const res = await push(
      { emailAddress: 'merchant@example.com', historyId: 1 },
      await google().signPushToken({}, { foreignKey: true }),
    );
    expect(res.status).toBe(401);
  });

  it.each([
    ['data that is not base64 JSON', '%%%not-base64%%%'],
    ['data without an address', { historyId: 5 }],
  ])('acknowledges %s without work, so Pub/Sub does not redeliver', async (_label, data) => {
    const res = await push(data, await google().signPushToken());
    expect(res.status).toBe(204);
    expect(rt.queueMessages).toHaveLength(0);
  });

  it('acknowledges an unknown mailbox: the push cannot tell without the database, its sync finds nothing', async () => {
    const res = await push({ emailAddress: 'stranger@example.com', historyId: 5 }, await google().signPushToken());
    expect(res.status).toBe(204);
    await rt.settle();
    expect(rt.logs.filter((l) => JSON.parse(l).event === 'push.unknown_mailbox')).toHaveLength(1);
    expect(rt.logs.join('\n')).not.toContain('stranger');
  });

  it('refuses an oversized body before reading it', async () => {
    const res = await rt.request('/webhooks/gmail', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await google().signPushToken()}` },
      body: JSON.stringify({ message: { data: 'A'.repeat(300 * 1024) } }),
    });
    expect(res.status).toBe(413);
  });
});
