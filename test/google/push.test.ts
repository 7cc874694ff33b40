import { describe, expect, it } from 'vitest';
import { decodePushMessage, verifyPushToken } from '../../src/google/push-token';
import { BASE, mail, MERCHANT, setup } from '../support/google';

/** Pub/Sub push from the fake, and src/google/push-token.ts verifying and decoding it. */

const ENDPOINT = 'http://draftline.test/webhooks/gmail';
const PUSH_SA = 'gmail-push@sandbox.iam.gserviceaccount.com';
const TOPIC = 'projects/sandbox/topics/gmail-push';

function pushSetup() {
  const ctx = setup();
  const received: Request[] = [];
  let answer = 204;
  ctx.fake.configurePush({ endpoint: ENDPOINT, audience: ENDPOINT, serviceAccountEmail: PUSH_SA });
  ctx.fake.onPush(async (req) => {
    received.push(req);
    return new Response(null, { status: answer });
  });
  const verify = (authorization: string | undefined, over: Partial<Parameters<typeof verifyPushToken>[1]> = {}) =>
    verifyPushToken(authorization, {
      jwksUrl: `${BASE}/oauth2/v3/certs`,
      audience: ENDPOINT,
      serviceAccountEmail: PUSH_SA,
      fetch: ctx.fetch,
      ...over,
    });
  return { ...ctx, received, verify, answerWith: (status: number) => (answer = status) };
}

describe('Pub/Sub push from a watched mailbox', () => {
  it('delivers a signed, well-formed notification synchronously when INBOX mail arrives', async () => {
    const { fake, mailboxFor, received, verify } = pushSetup();
    const mailbox = mailboxFor(MERCHANT);
    await mailbox.watch(TOPIC);

    fake.insertMessage(MERCHANT, mail({ messageId: '<q@x>' }));
    expect(received).toHaveLength(1); // handed over before insertMessage returned
    const req = received[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(ENDPOINT);
    expect(req.headers.get('content-type')).toBe('application/json');
    expect(await verify(req.headers.get('authorization') ?? undefined)).toEqual({ ok: true });

    const body = (await req.json()) as {
      message: {
        data: string;
        messageId: string;
        message_id: string;
        publishTime: string;
        publish_time: string;
        attributes: object;
      };
      subscription: string;
    };
    expect(body.subscription).toBe('projects/sandbox/subscriptions/gmail-push');
    expect(body.message.messageId).toMatch(/^\d+$/);
    expect(body.message.message_id).toBe(body.message.messageId);
    expect(body.message.publish_time).toBe(body.message.publishTime);
    expect(new Date(body.message.publishTime).toISOString()).toBe(body.message.publishTime);
    expect(body.message.attributes).toEqual({});
    expect(JSON.parse(atob(body.message.data))).toEqual({
      emailAddress: MERCHANT,
      historyId: Number(fake.historyId(MERCHANT)),
    });
    expect(decodePushMessage(body)).toEqual({ emailAddress: MERCHANT, historyId: fake.historyId(MERCHANT) });

    await fake.flushPushes();
    expect(fake.pushes()).toMatchObject([{ emailAddress: MERCHANT, status: 204, attempts: 1 }]);
  });

  it('stays quiet for changes outside the INBOX filter, without a watch, and after stop', async () => {
    const { fake, mailboxFor, received } = pushSetup();
    const mailbox = mailboxFor(MERCHANT);
    fake.insertMessage(MERCHANT, mail({ messageId: '<before-watch@x>' }));
    await mailbox.watch(TOPIC);
    fake.insertMessage(MERCHANT, mail({ messageId: '<sent@x>' }), { labelIds: ['SENT'] });
    const q = fake.insertMessage(MERCHANT, mail({ messageId: '<q@x>' }));
    await mailbox.createDraft(q.threadId, mail({ subject: 'Re: Where is my order?', inReplyTo: '<q@x>' }));
    expect(received).toHaveLength(1);
    await mailbox.stop();
    fake.insertMessage(MERCHANT, mail({ messageId: '<after-stop@x>' }));
    expect(received).toHaveLength(1);
  });

  it('records a non-2xx answer and redelivers it like Pub/Sub', async () => {
    const { fake, mailboxFor, received, answerWith } = pushSetup();
    await mailboxFor(MERCHANT).watch(TOPIC);
    answerWith(503);
    fake.insertMessage(MERCHANT, mail({ messageId: '<q@x>' }));
    await fake.flushPushes();
    expect(fake.pushes()[0]).toMatchObject({ status: 503, attempts: 1 });
    answerWith(204);
    await fake.redeliverFailedPushes();
    expect(fake.pushes()[0]).toMatchObject({ status: 204, attempts: 2 });
    expect(received).toHaveLength(2);
    const [a, b] = await Promise.all(received.map((r) => r.json() as Promise<{ message: { messageId: string } }>));
    expect(a!.message.messageId).toBe(b!.message.messageId);
  });
});

describe('verifyPushToken', () => {
  it('accepts a token from the push service account for our audience, either issuer spelling', async () => {
    const { fake, verify } = pushSetup();
    expect(await verify(`Bearer ${await fake.signPushToken()}`)).toEqual({ ok: true });
    expect(await verify(`Bearer ${await fake.signPushToken({ iss: 'accounts.google.com' })}`)).toEqual({ ok: true });
  });

  it.each([
    ['audience', { aud: 'https://someone-else.example/push' }],
    ['email', { email: 'intruder@evil.iam.gserviceaccount.com' }],
    ['email', { email_verified: false }],
    ['email', { email: undefined }],
    ['issuer', { iss: 'https://evil.example' }],
    ['expired', { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }],
    ['malformed', { exp: undefined }],
  ] as const)('rejects a token with the wrong claims: %s', async (reason, claims) => {
    const { fake, verify } = pushSetup();
    expect(await verify(`Bearer ${await fake.signPushToken(claims)}`)).toEqual({ ok: false, reason });
  });

  it('rejects a token signed by another key under the same kid', async () => {
    const { fake, verify } = pushSetup();
    expect(await verify(`Bearer ${await fake.signPushToken({}, { foreignKey: true })}`)).toEqual({
      ok: false,
      reason: 'signature',
    });
  });

  it('rejects a missing or malformed Authorization header', async () => {
    const { verify } = pushSetup();
    expect(await verify(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(await verify('  ')).toEqual({ ok: false, reason: 'missing' });
    expect(await verify('Basic dXNlcjpwYXNz')).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify('Bearer not-a-jwt')).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify('Bearer eyJhbGciOiJub25lIn0.eyJhIjoxfQ.')).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify('Bearer a.b.c')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('fetches the key set once per URL and fetch, and fails closed when it cannot', async () => {
    const { fake, verify, requests } = pushSetup();
    for (let i = 0; i < 3; i++) expect(await verify(`Bearer ${await fake.signPushToken()}`)).toEqual({ ok: true });
    expect(requests.filter((r) => r === 'GET /oauth2/v3/certs')).toHaveLength(1);
    expect(await verify(`Bearer ${await fake.signPushToken()}`, { jwksUrl: 'http://down.test/certs' })).toEqual({
      ok: false,
      reason: 'signature',
    });
  });

  it('checks a token seen before against the clock and the audience again', async () => {
    const { fake, verify } = pushSetup();
    const token = await fake.signPushToken();
    expect(await verify(`Bearer ${token}`)).toEqual({ ok: true });
    expect(await verify(`Bearer ${token}`)).toEqual({ ok: true });
    expect(await verify(`Bearer ${token}`, { now: () => Date.now() + 2 * 3600 * 1000 })).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(await verify(`Bearer ${token}`, { audience: 'https://someone-else.example/push' })).toEqual({
      ok: false,
      reason: 'audience',
    });
    expect(await verify(`Bearer ${token}`, { serviceAccountEmail: 'other@example.iam.gserviceaccount.com' })).toEqual({
      ok: false,
      reason: 'email',
    });
    expect(await verify(`Bearer ${token}`)).toEqual({ ok: true });
  });

  it('honours an injected clock', async () => {
    const { fake, verify } = pushSetup();
    const token = await fake.signPushToken();
    expect(await verify(`Bearer ${token}`, { now: () => Date.now() + 2 * 3600 * 1000 })).toEqual({
      ok: false,
      reason: 'expired',
    });
  });
});

describe('decodePushMessage', () => {
  const wrap = (data: string) => ({
    message: { data, messageId: '1', publishTime: '2025-11-25T10:00:00.000Z' },
    subscription: 'projects/p/subscriptions/s',
  });
  const b64 = (value: unknown) => btoa(JSON.stringify(value));

  it('reads the mailbox and historyId (number as sent, or string as in the docs), base64 or base64url', () => {
    expect(decodePushMessage(wrap(b64({ emailAddress: 'a@example.com', historyId: 1234567 })))).toEqual({
      emailAddress: 'a@example.com',
      historyId: '1234567',
    });
    expect(decodePushMessage(wrap(b64({ emailAddress: 'a@example.com', historyId: '18446744073709551615' })))).toEqual({
      emailAddress: 'a@example.com',
      historyId: '18446744073709551615',
    });
    const utf8 = btoa(
      String.fromCharCode(...new TextEncoder().encode(JSON.stringify({ emailAddress: 'ü@example.com', historyId: 9 }))),
    );
    expect(decodePushMessage(wrap(utf8.replace(/\+/g, '-').replace(/\//g, '_')))).toEqual({
      emailAddress: 'ü@example.com',
      historyId: '9',
    });
  });

  it.each([
    ['null', null],
    ['a string', 'hello'],
    ['no message', { subscription: 's' }],
    ['no data', { message: { messageId: '1' } }],
    ['data not base64', wrap('%%%not base64%%%')],
    ['data not JSON', wrap(btoa('hello'))],
    ['JSON not an object', wrap(b64([1, 2]))],
    ['no historyId', wrap(b64({ emailAddress: 'a@example.com' }))],
    ['no emailAddress', wrap(b64({ historyId: 5 }))],
    ['negative historyId', wrap(b64({ emailAddress: 'a@example.com', historyId: -5 }))],
    ['fractional historyId', wrap(b64({ emailAddress: 'a@example.com', historyId: 1.5 }))],
    ['unsafe integer historyId', wrap(b64({ emailAddress: 'a@example.com', historyId: 2 ** 60 }))],
    ['non-numeric historyId', wrap(b64({ emailAddress: 'a@example.com', historyId: '12a' }))],
    ['not an address', wrap(b64({ emailAddress: 'nobody', historyId: 5 }))],
  ])('returns null for %s', (_name, body) => {
    expect(decodePushMessage(body)).toBeNull();
  });
});
