import { beforeEach, describe, expect, it } from 'vitest';
import { countersFor } from '../../src/db/counters';
import { utcDay } from '../../src/platform/ids';
import { customerMail, sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/** The walking skeleton as a user drives it through the sandbox contract (README "Sandbox"). */
describe.each(['shopify', 'woocommerce'] as const)('sandbox flow with %s', (store) => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  it('reports its mode', async () => {
    const res = await rt.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, mode: 'sandbox' });
  });

  it('turns one customer email into one grounded draft in its thread', async () => {
    const { accountId, mailbox } = await rt.reset(store, [
      sampleOrder(),
      sampleOrder({ number: '1043', email: 'other@example.org', tracking: [] }),
    ]);
    expect(mailbox).toBe('merchant@example.com');
    const sent = await rt.sendMail(
      customerMail({
        from: 'Jane Doe <jane@example.net>',
        subject: 'Where is my order?',
        body: 'Hello, where is my order #1042?',
        messageId: '<q1@example.net>',
      }),
    );

    const drafts = await rt.drafts();
    expect(drafts).toHaveLength(1);
    const [draft] = drafts;
    expect(draft).toMatchObject({
      threadId: sent.threadId,
      to: 'jane@example.net',
      subject: 'Re: Where is my order?',
      inReplyTo: '<q1@example.net>',
    });
    expect(draft!.references).toContain('<q1@example.net>');
    expect(draft!.text).toContain('1042');
    expect(draft!.text).toContain('1Z999AA10123456784');
    expect(draft!.text).toContain('Jane');
    expect(draft!.text).not.toContain('1043');

    const counts = await countersFor(rt.services.db, accountId, utcDay(Date.now()));
    expect(counts).toMatchObject({ notifications: 1, seen: 1, drafted: 1 });
  });

  it('leaves one draft when the same email arrives twice or the push repeats', async () => {
    await rt.reset(store, [sampleOrder()]);
    const mail = customerMail({
      from: 'jane@example.net',
      subject: 'Order 1042',
      body: 'Any news on order 1042?',
      messageId: '<dup@example.net>',
    });
    const first = await rt.sendMail(mail);
    const second = await rt.sendMail(mail);
    expect(second.threadId).toBe(first.threadId);
    // A repeated push for the same mailbox state.
    const { accountId } = (await rt.services.db.query.gmailConnections.findFirst())!;
    await rt.services.queue.send({ accountId });
    await rt.services.queue.send({ accountId });
    await rt.settle();
    expect(await rt.drafts()).toHaveLength(1);
  });

  it('asks for details and discloses nothing when the order belongs to someone else', async () => {
    await rt.reset(store, [sampleOrder({ email: 'owner@example.org' })]);
    await rt.sendMail(
      customerMail({
        from: 'mallory@example.net',
        subject: 'Order',
        body: 'Where is order #1042?',
        messageId: '<m@example.net>',
      }),
    );
    const [draft] = await rt.drafts();
    expect(draft).toBeDefined();
    expect(draft!.text).not.toContain('1Z999AA10123456784');
    expect(draft!.text).not.toContain('Lyon');
    expect(draft!.text).not.toMatch(/fulfilled|shipped|expédiée/i);
  });

  it('drafts nothing for an auto-reply, a newsletter or a no-reply sender', async () => {
    const { accountId } = await rt.reset(store, [sampleOrder()]);
    await rt.sendMail(
      customerMail({
        from: 'jane@example.net',
        subject: 'Out of office',
        body: 'I am away',
        messageId: '<a@x>',
        extraHeaders: ['Auto-Submitted: auto-replied'],
      }),
    );
    await rt.sendMail(
      customerMail({
        from: 'news@example.net',
        subject: 'News',
        body: 'Sale!',
        messageId: '<b@x>',
        extraHeaders: ['List-Unsubscribe: <mailto:u@x>'],
      }),
    );
    await rt.sendMail(
      customerMail({
        from: 'no-reply@carrier.example',
        subject: 'Delivered',
        body: 'Parcel delivered',
        messageId: '<c@x>',
      }),
    );
    expect(await rt.drafts()).toHaveLength(0);
    const counts = await countersFor(rt.services.db, accountId, utcDay(Date.now()));
    expect(counts).toMatchObject({ seen: 3, 'skipped:auto_reply': 1, 'skipped:bulk': 1, 'skipped:no_reply_sender': 1 });
  });
});

describe('sandbox contract errors', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  it('rejects a malformed reset with the error envelope', async () => {
    const res = await rt.request('/sandbox/reset', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"store":"magento"}',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('invalid_body');
    expect(body.error.requestId).toBeTruthy();
  });

  it('refuses a message that is not message/rfc822', async () => {
    await rt.reset('shopify', []);
    const res = await rt.request('/sandbox/gmail/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(415);
  });

  it('answers 404 on /sandbox in live mode', async () => {
    const live = await runtimeForTest({
      GOOGLE_CLIENT_ID: 'id',
      GOOGLE_CLIENT_SECRET: 'secret',
      OPENAI_API_KEY: 'sk-test',
      GOOGLE_PUBSUB_TOPIC: 'projects/x/topics/y',
      GOOGLE_PUSH_SERVICE_ACCOUNT: 'push@x.iam.gserviceaccount.com',
    });
    expect(await live.request('/healthz').then((r) => r.json())).toEqual({ ok: true, mode: 'live' });
    for (const path of ['/sandbox/reset', '/sandbox/gmail/drafts', '/sandbox/google/token']) {
      expect((await live.request(path, { method: path.endsWith('drafts') ? 'GET' : 'POST' })).status).toBe(404);
    }
  });
});
