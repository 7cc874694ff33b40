import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { hashAddress } from '../../src/crypto/hmac';
import { accounts, optOuts } from '../../src/db/schema';
import { MAX_MESSAGE_BYTES } from '../../src/pipeline/filters';
import { syncAccount } from '../../src/pipeline/sync';
import { customerMail, question, pipelineForTest, recordReplyInputs, type PipelineRuntime } from '../support/pipeline';

/**
 * Every filter, through the whole pipeline: the mail arrives in the Gmail fake, a sync runs, no
 * draft is written, and the day's counters say why (`skipped:<reason>`), with nothing about the
 * message kept. The first test shows the same setup does draft, so a filter cannot pass by accident.
 */
describe('filters, end to end', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest();
  });

  const sync = () => syncAccount(p.rt.services, p.accountId);
  const expectSkipped = async (reason: string, seen = 1) => {
    expect(p.google.drafts(p.mailbox)).toHaveLength(0);
    const counts = await p.counters();
    expect(counts).toMatchObject({ seen, [`skipped:${reason}`]: 1 });
    expect(counts.drafted).toBeUndefined();
  };
  const header = (...extraHeaders: string[]) => question(1, { extraHeaders });

  it('drafts an ordinary customer question (the control)', async () => {
    p.deliver(question(1));
    expect(await sync()).toMatchObject({ status: 'synced', seen: 1, drafted: 1 });
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
  });

  it.each([
    ['Auto-Submitted: auto-replied', 'auto_reply'],
    ['Auto-Submitted: auto-generated', 'auto_reply'],
    ['X-Autoreply: yes', 'auto_reply'],
    ['Precedence: bulk', 'bulk'],
    ['Precedence: list', 'bulk'],
    ['Precedence: junk', 'bulk'],
    ['List-Id: <news.example.net>', 'bulk'],
    ['List-Unsubscribe: <mailto:unsubscribe@example.net>', 'bulk'],
  ])('skips mail with "%s" (%s)', async (h, reason) => {
    p.deliver(header(h));
    await sync();
    await expectSkipped(reason);
  });

  it.each([
    ['no-reply@carrier.example'],
    ['noreply@shop-platform.example'],
    ['MAILER-DAEMON@mx.example.net'],
    ['postmaster@example.net'],
  ])('skips mail from %s (no_reply_sender)', async (from) => {
    p.deliver(question(1, { from }));
    await sync();
    await expectSkipped('no_reply_sender');
  });

  it("skips the merchant's own mail (from_merchant)", async () => {
    p.deliver(question(1, { from: `Sandbox Shop <${p.mailbox.toUpperCase()}>` }));
    await sync();
    await expectSkipped('from_merchant');
  });

  it.each([['CATEGORY_PROMOTIONS'], ['CATEGORY_SOCIAL'], ['CATEGORY_UPDATES'], ['CATEGORY_FORUMS'], ['SENT']])(
    'skips inbox mail labelled %s (label)',
    async (label) => {
      p.deliver(question(1), { labelIds: ['INBOX', 'UNREAD', label] });
      await sync();
      await expectSkipped('label');
    },
  );

  it.each([['SPAM'], ['TRASH'], ['DRAFT']])('never even sees mail outside the inbox (%s)', async (label) => {
    p.deliver(question(1), { labelIds: [label] });
    await sync();
    expect(p.google.drafts(p.mailbox)).toHaveLength(0);
    expect((await p.counters()).seen).toBeUndefined();
  });

  it('skips mail older than the connection (before_connection)', async () => {
    const { connectedAt } = (await p.connection())!;
    p.deliver(question(1), { internalDate: connectedAt - 60_000 });
    await sync();
    await expectSkipped('before_connection');
  });

  it("skips a thread whose last message is the merchant's (merchant_replied_last)", async () => {
    p.deliver(question(1));
    p.deliver(
      customerMail({
        from: `Sandbox Shop <${p.mailbox}>`,
        subject: 'Re: Question 1',
        body: 'On its way!',
        messageId: '<r1@example.com>',
        inReplyTo: '<q1@example.net>',
      }),
      {
        labelIds: ['SENT'],
      },
    );
    await sync();
    await expectSkipped('merchant_replied_last');
  });

  it('skips a thread that already holds a draft, and leaves that draft as it is (already_drafted)', async () => {
    p.deliver(question(1));
    const merchantDraft = customerMail({
      from: p.mailbox,
      subject: 'Re: Question 1',
      body: 'Merchant is writing…',
      messageId: '<d1@example.com>',
      inReplyTo: '<q1@example.net>',
    });
    p.deliver(merchantDraft, { labelIds: ['DRAFT'] });
    const before = p.google.messages(p.mailbox).find((m) => m.labelIds.includes('DRAFT'))!;
    await sync();
    await expectSkipped('already_drafted');
    const after = p.google.messages(p.mailbox).filter((m) => m.labelIds.includes('DRAFT'));
    expect(after).toEqual([before]);
  });

  it('answers only the newest message of a thread (newer_message_in_thread)', async () => {
    p.deliver(question(1));
    p.deliver(question('1b', { subject: 'Re: Question 1', inReplyTo: '<q1@example.net>' }));
    await sync();
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 1, 'skipped:newer_message_in_thread': 1 });
  });

  it('skips a customer who opted out (opted_out)', async () => {
    const hash = await hashAddress(p.rt.config.secrets.hashKey, 'jane@example.net');
    await p.rt.services.db.insert(optOuts).values({ accountId: p.accountId, addressHash: hash, createdAt: Date.now() });
    p.deliver(question(1));
    await sync();
    await expectSkipped('opted_out');
  });

  it('skips everything while the merchant has paused drafting, and moves on (paused)', async () => {
    await p.rt.services.db.update(accounts).set({ paused: true }).where(eq(accounts.id, p.accountId));
    const before = (await p.connection())!.historyCursor!;
    p.deliver(question(1));
    await sync();
    await expectSkipped('paused');
    expect(BigInt((await p.connection())!.historyCursor!)).toBeGreaterThan(BigInt(before));
    // Not a message was read while paused.
    expect(p.google.calls(p.mailbox)['messages.get'] ?? 0).toBe(0);
  });

  it('skips mail over the size limit without downloading it (too_large)', async () => {
    p.deliver(question(1, { body: `Where is my order #1042?\n${'x'.repeat(MAX_MESSAGE_BYTES)}` }));
    await sync();
    await expectSkipped('too_large');
    // Only the metadata was read: one messages.get, no raw download.
    expect(p.google.calls(p.mailbox)['messages.get']).toBe(1);
  });

  it('skips a message deleted before it could be read (message_gone)', async () => {
    p.deliver(question(1));
    p.google.failNext('messages.get', { status: 404 });
    await sync();
    await expectSkipped('message_gone');
  });

  it('skips a message with nothing of the customer in it (no_text)', async () => {
    p.deliver(
      question(1, {
        body: 'On Mon, Nov 3, 2025 at 10:00 AM Shop <merchant@example.com> wrote:\n> Your order shipped.',
      }),
    );
    await sync();
    await expectSkipped('no_text');
  });

  it('skips a plain thank-you (no_reply_needed)', async () => {
    // A new subject may be the question itself: the model reads the message and decides.
    const asked = recordReplyInputs(p.rt.services);
    p.deliver(question(1, { body: 'Thanks a lot!' }));
    await sync();
    await expectSkipped('no_reply_needed');
    expect(asked).toHaveLength(1);
  });

  // The shop's answer in the thread, sent from Gmail; then the customer's reply to it.
  const shopAnswered = () =>
    p.google.insertMessage(p.mailbox, question('earlier', { from: p.mailbox, subject: 'Question 1' }), {
      labelIds: ['SENT'],
    });
  const reply = (body: string, subject = 'Re: Question 1') =>
    question(1, { subject, body, inReplyTo: '<qearlier@example.net>' });

  it('skips a plain thank-you to the shop from its preview, never downloaded (thanks_only)', async () => {
    const asked = recordReplyInputs(p.rt.services);
    shopAnswered();
    p.deliver(reply('Thank you so much!\r\n\r\nJane'));
    await sync();
    await expectSkipped('thanks_only');
    // The thread read is the metadata read: nothing of the message itself is downloaded.
    expect(p.google.calls(p.mailbox)).toMatchObject({ 'threads.get': 1 });
    expect(p.google.calls(p.mailbox)['messages.get'] ?? 0).toBe(0);
    expect(asked).toHaveLength(0);
  });

  it('sends a thank-you with more in it to the model, as before', async () => {
    shopAnswered();
    p.deliver(reply('Thank you! But where is my order #1042?'));
    expect(await sync()).toMatchObject({ status: 'synced', drafted: 1 });
    expect(p.google.calls(p.mailbox)['messages.get']).toBe(1);
  });

  it('sends a thank-you under a "Re:" subject to the model when the shop never wrote in its thread', async () => {
    const asked = recordReplyInputs(p.rt.services);
    p.deliver(reply('Thank you so much!', 'Re: Order 1042, please cancel it'));
    await sync();
    expect(asked).toHaveLength(1);
  });
});
