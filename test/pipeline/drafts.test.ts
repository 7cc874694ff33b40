import { beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { hashAddress } from '../../src/crypto/hmac';
import { gmailConnections, optOuts } from '../../src/db/schema';
import { createReplyWriter, type ReplyOutput, type ReplyWriter } from '../../src/drafting/llm';
import type { ReplyInput } from '../../src/drafting/prompt';
import { syncAccount } from '../../src/pipeline/sync';
import { createOpenAIFake, DEFAULT_FAKE_API_KEY, fakeFetch } from '../../src/sandbox/fakes/openai';
import { question, pipelineForTest, type PipelineRuntime } from '../support/pipeline';
import { DatabaseError } from '../../src/db/errors';

const noSleep = { sleep: async () => undefined };

describe('drafts: exactly one per thread, even across crashes', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest();
  });

  /** The process dies right after Gmail stored the draft: before the cursor moves, before anything is counted. */
  const crashAfterDraft = (times: number) => {
    let left = times;
    const open = p.rt.services.openMailbox;
    p.rt.services.openMailbox = (token) => {
      const mailbox = open(token);
      return {
        ...mailbox,
        createDraft: async (threadId, raw) => {
          const created = await mailbox.createDraft(threadId, raw);
          // A failure that ends the whole run, as dying would (a per-message error would only skip the message).
          if (left-- > 0) throw new DatabaseError('process died');
          return created;
        },
      };
    };
  };

  it('a crash between drafts.create and the cursor update: the retry finds the draft and adds none', async () => {
    p.deliver(question(1));
    const cursorBefore = (await p.connection())!.historyCursor;
    crashAfterDraft(1);
    await p.rt.services.queue.send({ accountId: p.accountId });
    await p.rt.settle();
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
    expect(p.google.calls(p.mailbox)['drafts.create']).toBe(1);
    const counts = await p.counters();
    expect(counts).toMatchObject({ 'skipped:already_drafted': 1, 'error:database_unavailable': 1 });
    expect((await p.connection())!.historyCursor).not.toBe(cursorBefore);
  });

  it('a crash that leaves the lease behind: once it expires, the next run adds no draft', async () => {
    p.deliver(question(1));
    crashAfterDraft(1);
    await expect(syncAccount(p.rt.services, p.accountId, noSleep)).rejects.toThrow('process died');
    // A real crash never reaches the code that lets the lease go: put it back, expired.
    await p.rt.services.db
      .update(gmailConnections)
      .set({ syncLeaseOwner: 'dead-process', syncLeaseUntil: Date.now() - 1 })
      .where(eq(gmailConnections.accountId, p.accountId));
    expect(await syncAccount(p.rt.services, p.accountId, noSleep)).toMatchObject({ status: 'synced', drafted: 0 });
    expect(p.google.drafts(p.mailbox)).toHaveLength(1);
  });

  it('never touches a draft the merchant edited: a new message in the thread leaves it as it is', async () => {
    p.deliver(question(1));
    await syncAccount(p.rt.services, p.accountId, noSleep);
    const [draft] = p.google.drafts(p.mailbox);
    // The customer writes again while the merchant is still editing our draft.
    p.deliver(question('1b', { subject: 'Re: Question 1', inReplyTo: '<q1@example.net>' }));
    await syncAccount(p.rt.services, p.accountId, noSleep);
    expect(p.google.drafts(p.mailbox)).toEqual([draft]);
    expect(await p.counters()).toMatchObject({ drafted: 1, 'skipped:already_drafted': 1 });
    const calls = p.google.calls(p.mailbox);
    expect(calls['drafts.create']).toBe(1);
    expect(Object.keys(calls).filter((m) => m.startsWith('drafts.') && m !== 'drafts.create')).toEqual([]);
  });

  it('costs 24 Gmail units for a draft in a new thread: nothing before the message to read, a 2-unit history check after', async () => {
    p.deliver(question(1));
    const before = p.google.units(p.mailbox);
    expect(await syncAccount(p.rt.services, p.accountId, noSleep)).toMatchObject({ drafted: 1 });
    // history.list 2, messages.get metadata 5, messages.get raw 5, history.list 2, drafts.create 10
    expect(p.google.units(p.mailbox) - before).toBe(24);
    expect(p.google.calls(p.mailbox)).toMatchObject({ 'history.list': 2, 'messages.get': 2, 'drafts.create': 1 });
    expect(p.google.calls(p.mailbox)['threads.get']).toBeUndefined();
  });

  it("costs 29 for a draft in an ongoing thread: the thread read (threads.get metadata) is also the message's metadata read", async () => {
    p.google.insertMessage(p.mailbox, question('earlier', { from: p.mailbox, subject: 'Question 1' }), {
      labelIds: ['SENT'],
    });
    p.deliver(question(1, { subject: 'Re: Question 1', inReplyTo: '<qearlier@example.net>' }));
    const before = p.google.units(p.mailbox);
    expect(await syncAccount(p.rt.services, p.accountId, noSleep)).toMatchObject({ drafted: 1 });
    // history.list 2 + threads.get 10 + messages.get raw 5 + history.list 2 + drafts.create 10
    expect(p.google.units(p.mailbox) - before).toBe(29);
    expect(p.google.calls(p.mailbox)).toMatchObject({
      'history.list': 2,
      'messages.get': 1,
      'threads.get': 1,
      'drafts.create': 1,
    });
  });

  it('an opted-out customer writing in an ongoing thread: the thread read is all, their words are never downloaded', async () => {
    await p.rt.services.db.insert(optOuts).values({
      accountId: p.accountId,
      addressHash: await hashAddress(p.rt.services.config.secrets.hashKey, 'jane@example.net'),
      createdAt: Date.now(),
    });
    p.google.insertMessage(p.mailbox, question('earlier', { from: p.mailbox, subject: 'Question 1' }), {
      labelIds: ['SENT'],
    });
    p.deliver(question(1, { subject: 'Re: Question 1', inReplyTo: '<qearlier@example.net>' }));
    expect(await syncAccount(p.rt.services, p.accountId, noSleep)).toMatchObject({ drafted: 0 });
    expect(await p.counters()).toMatchObject({ 'skipped:opted_out': 1 });
    expect(p.google.calls(p.mailbox)).toMatchObject({ 'threads.get': 1 });
    expect(p.google.calls(p.mailbox)['messages.get'] ?? 0).toBe(0);
  });

  it('looks at history first for a new-thread question that waited: answered meanwhile, it costs no store or model call', async () => {
    const q = p.deliver(question(1));
    const later = Date.now() + 10 * 60_000; // the sync comes ten minutes after the mail
    p.rt.services.now = () => later;
    p.google.insertMessage(
      p.mailbox,
      question('reply', { from: p.mailbox, subject: 'Re: Question 1', inReplyTo: '<q1@example.net>' }),
      { labelIds: ['SENT'] },
    );
    let writes = 0;
    const writer = p.rt.services.replyWriter;
    p.rt.services.replyWriter = { write: (input, problem) => (writes++, writer.write(input, problem)) };
    expect(await syncAccount(p.rt.services, p.accountId, noSleep)).toMatchObject({ drafted: 0 });
    expect(writes).toBe(0);
    expect(p.google.drafts(p.mailbox).filter((d) => d.threadId === q.threadId)).toHaveLength(0);
    expect(await p.counters()).toMatchObject({ 'skipped:merchant_replied_last': 1 });
  });

  it('answers only the newest of two questions in one thread, without a call for the older one', async () => {
    const first = p.deliver(question(1));
    p.deliver(question('1b', { subject: 'Re: Question 1', inReplyTo: '<q1@example.net>' }));
    expect(await syncAccount(p.rt.services, p.accountId, noSleep)).toMatchObject({ drafted: 1 });
    expect(p.google.drafts(p.mailbox).map((d) => d.threadId)).toEqual([first.threadId]);
    expect(await p.counters()).toMatchObject({ drafted: 1, 'skipped:newer_message_in_thread': 1 });
    // The newer one only: its thread read (which carries its metadata) and its raw download.
    expect(p.google.calls(p.mailbox)).toMatchObject({ 'messages.get': 1, 'threads.get': 1 });
  });

  for (const merchant of ['answers', 'starts a draft'] as const) {
    it(`adds no draft when the merchant ${merchant} while the model is writing`, async () => {
      const q = p.deliver(question(1));
      const writer = p.rt.services.replyWriter;
      p.rt.services.replyWriter = {
        write: async (input, problem) => {
          p.deliver(question('reply', { from: p.mailbox, subject: 'Re: Question 1', inReplyTo: '<q1@example.net>' }), {
            labelIds: merchant === 'answers' ? ['SENT'] : ['DRAFT'],
          });
          return writer.write(input, problem);
        },
      };
      expect(await syncAccount(p.rt.services, p.accountId, noSleep)).toMatchObject({ drafted: 0 });
      expect(p.google.drafts(p.mailbox).filter((d) => d.threadId === q.threadId)).toHaveLength(0);
      expect(await p.counters()).toMatchObject({
        [merchant === 'answers' ? 'skipped:merchant_replied_last' : 'skipped:already_drafted']: 1,
      });
      expect(p.google.calls(p.mailbox)['threads.get']).toBe(1); // only once history showed a change
    });
  }

  it('has no way to change or delete a draft: the mailbox client offers none', async () => {
    const mailbox = p.rt.services.openMailbox('any-token');
    expect(Object.keys(mailbox).filter((k) => /draft/i.test(k))).toEqual(['createDraft']);
  });
});

describe('mail as clients send it', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest();
  });

  it('drafts a reply to an HTML-only Outlook mail in windows-1252, from the customer’s new words only', async () => {
    const html =
      '<p>Hallo, wo ist meine Bestellung Nr. 1042? Gr\u00fc\u00dfe</p><hr><b>Von:</b> Shop<br><b>Gesendet:</b> Montag<br><b>An:</b> Jane<p>Bestellung 9999</p>';
    const body = Array.from(html, (c) =>
      c.charCodeAt(0) < 128 ? c : `=${c.charCodeAt(0).toString(16).toUpperCase()}`,
    ).join('');
    p.deliver(
      [
        'From: =?windows-1252?Q?Jane_D=F6e?= <jane@example.net>',
        'To: merchant@example.com',
        'Subject: =?windows-1252?Q?Bestellung_=96_Frage?=',
        'Message-ID: <html1@example.net>',
        'MIME-Version: 1.0',
        'Content-Type: text/html; charset=windows-1252',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        body,
        '',
      ].join('\r\n'),
    );
    const openai = p.rt.sandbox!.fakes.openai;
    await syncAccount(p.rt.services, p.accountId, noSleep);
    const [draft] = await p.rt.drafts();
    expect(draft).toMatchObject({ subject: 'Re: Bestellung – Frage', inReplyTo: '<html1@example.net>' });
    expect(draft!.text).toContain('1Z999AA10123456784');
    // The model saw the customer's words, not the quoted history or the markup.
    const sent = JSON.parse((openai.lastRequest() as { messages: { content: string }[] }).messages.at(-1)!.content);
    expect(sent.customer).toEqual({ name: 'Jane Döe', message: 'Hallo, wo ist meine Bestellung Nr. 1042? Grüße' });
  });
});

describe('fact guard in the pipeline', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest();
  });

  /** A writer that invents a tracking number on the given attempts (1-based), honest otherwise. */
  const lyingWriter = (lieOn: number[]) => {
    const honest = p.rt.services.replyWriter;
    const calls: { problem?: string }[] = [];
    const writer: ReplyWriter = {
      async write(input: ReplyInput, problem?: string): Promise<ReplyOutput> {
        calls.push({ problem });
        const reply = await honest.write(input, problem);
        if (!lieOn.includes(calls.length)) return reply;
        return {
          ...reply,
          replyText: `${reply.replyText}\nYour new tracking number is 1Z999AA10999999999, arriving 2031-02-03.`,
        };
      },
    };
    p.rt.services.replyWriter = writer;
    return calls;
  };

  it('asks once more, naming the problem without content, and drafts the honest second answer', async () => {
    p.deliver(question(1));
    const calls = lyingWriter([1]);
    await syncAccount(p.rt.services, p.accountId, noSleep);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.problem).toBeUndefined();
    expect(calls[1]!.problem).toMatch(/tracking or reference code/);
    expect(calls[1]!.problem).toMatch(/date/);
    expect(calls[1]!.problem).not.toMatch(/1Z|2031|1042/);
    const drafts = await p.rt.drafts();
    expect(drafts).toHaveLength(1);
    expect(drafts[0]!.text).toContain('1Z999AA10123456784');
    expect(drafts[0]!.text).not.toContain('1Z999AA10999999999');
    expect(await p.counters()).toMatchObject({ drafted: 1 });
  });

  it('drafts nothing when the second answer still invents facts, and counts skipped:fact_guard', async () => {
    p.deliver(question(1));
    const calls = lyingWriter([1, 2]);
    await syncAccount(p.rt.services, p.accountId, noSleep);
    expect(calls).toHaveLength(2);
    expect(p.google.drafts(p.mailbox)).toHaveLength(0);
    expect(await p.counters()).toMatchObject({ seen: 1, 'skipped:fact_guard': 1 });
  });

  it('catches the fake model when it plants a false fact every time', async () => {
    const fake = createOpenAIFake({ plantFalseFacts: 1, seed: 11 });
    p.rt.services.replyWriter = createReplyWriter({
      apiKey: DEFAULT_FAKE_API_KEY,
      baseUrl: 'http://openai.test/v1',
      model: 'gpt-4o-mini',
      fetch: fakeFetch(fake.app),
    });
    for (const n of [1, 2, 3]) p.deliver(question(n));
    await syncAccount(p.rt.services, p.accountId, noSleep);
    expect(fake.planted()).toHaveLength(6);
    expect(fake.calls()).toBe(6);
    expect(p.google.drafts(p.mailbox)).toHaveLength(0);
    expect(await p.counters()).toMatchObject({ seen: 3, 'skipped:fact_guard': 3 });
  });
});
