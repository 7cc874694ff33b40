import { existsSync, readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accounts, gmailConnections } from '../../src/db/schema';
import type { ReplyWriter } from '../../src/drafting/llm';
import { runScheduled } from '../../src/pipeline/schedule';
import { MAX_MESSAGE_ATTEMPTS, MIN_FAILING_SPAN_MS, syncAccount } from '../../src/pipeline/sync';
import { hostileHtmlMail, nestedMultipartMail, replyToAttackMail } from '../../src/sandbox/hostile-mail';
import { customerMail, startTestRuntime, type TestRuntime } from '../support/runtime';
import { canariesInLines, captureConsole, canaryOrders } from '../support/canary';
import { queueMessageProblem } from '../support/queue-messages';

/**
 * The privacy canary (test/privacy/canary.test.ts) for the production pipeline's paths: concurrent
 * triggers under the lease, 404 recovery, fact-guard regeneration (with a model that lies, and
 * echoes the customer), Gmail/model/store failures and their retries, kind_disabled, pushes for
 * unknown mailboxes and malformed pushes, watch renewal, and a revoked grant. Then every place
 * something could be kept is scanned: the database file and its -wal/-shm/-journal, log lines,
 * queue messages, console output, and every error the pipeline threw.
 */
const CANARY = {
  subject: 'CanaryPipeSubjectWq52',
  body: 'CanaryPipeBodyJx93',
  senderName: 'Canarypipe Oxleworth',
  senderAddress: 'canary.pipe.sender.t7@canary-pipe.example',
  otherAddress: 'canary.pipe.owner.v4@canary-pipe.example',
  strangerMailbox: 'canary.pipe.stranger.h1@canary-pipe.example',
  orderNumber: '8427315',
  otherOrderNumber: '8427316',
  tracking: 'CANARYPIPETRK55810',
  trackingUrl: 'https://carrier.example/t/CANARYPIPETRK55810',
  city: 'Canarypipeville',
  item: 'Canary Pipe Gadget',
  invented: 'CANARYLIE77102',
  modelEcho: 'CanaryModelEchoPz31',
  attacker: 'canary.pipe.attacker.r8@canary-pipe.example',
};
const NEEDLES = Object.values(CANARY).flatMap((v) => [v, v.toLowerCase()]);

describe('privacy canary: the pipeline’s production paths keep nothing', () => {
  let rt: TestRuntime;
  let printed: string[] = [];
  const errors: string[] = [];
  const problems: string[] = [];
  let mailCount = 0;

  const sender = `${CANARY.senderName} <${CANARY.senderAddress}>`;
  const mail = (extra: { body?: string; headers?: string[]; inReplyTo?: string; subject?: string } = {}) => {
    const n = ++mailCount;
    return customerMail({
      from: sender,
      subject: extra.subject ?? `${CANARY.subject} ${n}`,
      body: extra.body ?? `${CANARY.body} where is my order #${CANARY.orderNumber}? (${n})`,
      messageId: `<canary-pipe-${n}@canary-pipe.example>`,
      inReplyTo: extra.inReplyTo,
      extraHeaders: extra.headers,
    });
  };
  const remember = (err: unknown) => {
    const e = err as Error;
    errors.push(
      String(err),
      e?.message ?? '',
      e?.stack ?? '',
      JSON.stringify(err) ?? '',
      JSON.stringify(Object.entries(e ?? {})),
    );
  };

  beforeAll(async () => {
    printed = captureConsole();
    rt = await startTestRuntime();
    const { order, someoneElses } = canaryOrders(CANARY);
    const noSleep = { sleep: async () => undefined };

    for (const store of ['shopify', 'woocommerce'] as const) {
      const { accountId, mailbox } = await rt.reset(store, [order, someoneElses]);
      const s = rt.services;
      const fakes = rt.sandbox!.fakes;
      const google = fakes.google;
      const honest = s.replyWriter;
      // Pushes are delivered by hand below; the fake's automatic ones would race the scenarios.
      google.onPush(async () => new Response(null, { status: 204 }));
      const deliver = (raw: string) => google.insertMessage(mailbox, raw);
      const sync = () => syncAccount(s, accountId, noSleep).catch(remember);

      // 1. The lease: many triggers at once for canary mail in three threads.
      for (let i = 0; i < 3; i++) deliver(mail());
      await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? sync() : s.queue.send({ accountId }))));
      await rt.settle();

      // 2. 404 recovery: history expired, recent inbox listed and handled.
      deliver(mail());
      deliver(mail({ body: `${CANARY.body} order #${CANARY.otherOrderNumber} belongs to someone else` }));
      google.expireHistory(mailbox);
      await sync();

      // 3. Fact guard: a model that lies (and echoes the customer) once, then one that always lies.
      let lies = 1;
      s.replyWriter = {
        async write(input, problem) {
          if (problem) problems.push(problem);
          const reply = await honest.write(input, problem);
          if (lies-- <= 0) return reply;
          return {
            ...reply,
            replyText: `${reply.replyText}\n${CANARY.modelEcho}: ${input.customer.message} tracking ${CANARY.invented}, ${CANARY.city}, 2031-04-05.`,
          };
        },
      } satisfies ReplyWriter;
      deliver(mail());
      await sync();
      lies = 2;
      deliver(mail());
      await sync();
      s.replyWriter = honest;

      // 4. Failures and retries: Gmail rate limit and 5xx through the queue, a thrown sync, the model
      //    and the store failing for good.
      google.failNext('history.list', { status: 429, retryAfterSeconds: 0 });
      google.failNext('messages.get', { status: 500 });
      fakes.openai.failNext({ status: 500, count: 2 });
      deliver(mail());
      await s.queue.send({ accountId });
      await rt.settle();
      google.failNext('drafts.create', { status: 503 });
      deliver(mail());
      await sync();
      await sync();
      fakes.openai.failNext({ status: 503, count: 3 });
      deliver(mail());
      await sync();
      // The orders read ahead, then the lookup's three attempts.
      if (store === 'shopify') fakes.shopify.failNext({ status: 503, count: 4 });
      else fakes.woocommerce.failNext({ status: 503, count: 4 });
      deliver(mail());
      await sync();

      // 5. A kind the merchant did not enable.
      await s.db.update(accounts).set({ draftKinds: 'returns' }).where(eq(accounts.id, accountId));
      deliver(mail());
      await sync();
      await s.db
        .update(accounts)
        .set({ draftKinds: 'order_status,returns,address_change,cancellation,other' })
        .where(eq(accounts.id, accountId));

      // 5b. Hostile mail: a poison multipart, Gmail refusing one draft, a message that keeps failing
      //     until it is given up, a Reply-To attack and a padded HTML mail, all full of canaries.
      const hostile = () => {
        const n = ++mailCount;
        return {
          from: sender,
          to: mailbox,
          subject: `${CANARY.subject} ${n}`,
          text: `${CANARY.body} where is my order #${CANARY.orderNumber}? (${n})`,
          messageId: `<canary-pipe-${n}@canary-pipe.example>`,
        };
      };
      deliver(nestedMultipartMail(hostile()));
      await sync();
      google.failNext('drafts.create', { status: 400, reason: 'invalidArgument' });
      deliver(mail());
      await sync();
      const realNow = s.now;
      let skew = 0;
      s.now = () => realNow() + skew;
      deliver(mail());
      google.failNext('messages.get', { status: 503, count: MAX_MESSAGE_ATTEMPTS });
      for (let i = 0; i < MAX_MESSAGE_ATTEMPTS; i++, skew += MIN_FAILING_SPAN_MS / 2) await sync();
      s.now = realNow;
      deliver(replyToAttackMail({ ...hostile(), replyTo: `${CANARY.senderName} <${CANARY.attacker}>` }));
      deliver(hostileHtmlMail({ ...hostile(), bytes: 200 * 1024 }));
      await sync();

      // 6. Pushes: an unknown (canary) mailbox, canary garbage, and a real one.
      const token = await google.signPushToken();
      const push = (data: string) =>
        rt.request('/webhooks/gmail', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ message: { data } }),
        });
      await push(btoa(JSON.stringify({ emailAddress: CANARY.strangerMailbox, historyId: 5 })));
      await push(btoa(JSON.stringify({ emailAddress: CANARY.senderAddress, note: CANARY.body })));
      deliver(mail());
      await push(btoa(JSON.stringify({ emailAddress: mailbox, historyId: Number(google.historyId(mailbox)) })));
      await rt.settle();
      // Warm: a push on a remembered account (the lease on a premise), then one whose premise a
      // setting changed meanwhile fails.
      deliver(mail());
      await push(btoa(JSON.stringify({ emailAddress: mailbox, historyId: Number(google.historyId(mailbox)) })));
      await rt.settle();
      // A plain thank-you answering the shop in its thread, decided from Gmail's preview (the
      // sender's name in it).
      const answer = '<canary-pipe-answer@canary-pipe.example>';
      const answered = `${CANARY.subject} answered`;
      google.insertMessage(
        mailbox,
        customerMail({ from: mailbox, subject: answered, body: 'Sent.', messageId: answer }),
        {
          labelIds: ['SENT'],
        },
      );
      deliver(mail({ subject: `Re: ${answered}`, body: `Thank you so much! ${CANARY.senderName}`, inReplyTo: answer }));
      await push(btoa(JSON.stringify({ emailAddress: mailbox, historyId: Number(google.historyId(mailbox)) })));
      await rt.settle();
      await s.db.update(accounts).set({ tone: 'formal' }).where(eq(accounts.id, accountId));
      deliver(mail());
      await push(btoa(JSON.stringify({ emailAddress: mailbox, historyId: Number(google.historyId(mailbox)) })));
      await rt.settle();

      // 7. Cron: poll and watch renewal.
      await s.db
        .update(gmailConnections)
        .set({ watchExpiresAt: Date.now() + 1000, lastSyncAt: 0, lastPushAt: null })
        .where(eq(gmailConnections.accountId, accountId));
      await runScheduled(s);
      await rt.settle();

      // 8. The grant is revoked: reconnect needed.
      deliver(mail());
      google.revokeAll(mailbox);
      await sync();
    }
  }, 60_000);

  afterAll(() => {
    vi.restoreAllMocks();
    rt.close();
  });

  it('really ran the canaries through every path', async () => {
    const drafts = await rt.drafts();
    expect(drafts.some((d) => d.text.includes(CANARY.tracking))).toBe(true);
    // The Reply-To attack was answered, to the order's owner only.
    expect(drafts.filter((d) => d.to.includes(CANARY.attacker))).toEqual([]);
    expect(drafts.every((d) => d.to === CANARY.senderAddress)).toBe(true);
    expect(problems.length).toBeGreaterThanOrEqual(2);
    const events = rt.logs.map((l) => JSON.parse(l) as { event: string; reason?: string });
    for (const event of [
      'sync.busy',
      'queue.retry',
      'push.unknown_mailbox',
      'push.malformed',
      'sync.reconnect_needed',
      'sync.premise_failed',
      'cron.done',
    ]) {
      expect(
        events.some((e) => e.event === event),
        event,
      ).toBe(true);
    }
    expect(rt.logs.some((l) => l.includes('"event":"sync.done"') && l.includes('"mode":"on_premise"'))).toBe(true);
    const names = (await rt.services.db.query.dailyCounters.findMany()).map((c) => c.name);
    for (const name of [
      'drafted',
      'skipped:fact_guard',
      'skipped:kind_disabled',
      'skipped:llm_unavailable',
      'skipped:store_unavailable',
      'skipped:already_drafted',
      'skipped:thanks_only',
      'error:gmail_rate_limited',
      'error:gmail_unavailable',
      'error:llm_unavailable',
      'error:reconnect_needed',
      'skipped:unprocessable',
      'skipped:kept_failing',
    ]) {
      expect(names, name).toContain(name);
    }
    expect(errors.length).toBeGreaterThan(0);
  });

  /** Where each canary was found: the database file and its companions. */
  const databaseLeaks = () => {
    const found: string[] = [];
    for (const file of ['', '-wal', '-shm', '-journal'].map((x) => rt.dbPath + x).filter((f) => existsSync(f))) {
      const raw = readFileSync(file);
      const text = `${raw.toString('latin1')}\n${raw.toString('utf8')}`;
      for (const needle of NEEDLES) if (text.includes(needle)) found.push(`${needle} in ${file}`);
    }
    return found;
  };
  const lineLeaks = () =>
    canariesInLines(
      { log: rt.logs, queue: rt.queueMessages, console: printed, error: errors, 'fact-guard problem': problems },
      NEEDLES,
    );

  it('keeps no canary in the database file, its WAL, shared memory or journal', () => {
    expect(existsSync(rt.dbPath)).toBe(true);
    expect(databaseLeaks()).toEqual([]);
  });

  it('keeps no canary in logs, queue messages, console output, errors or the fact guard’s feedback', () => {
    expect(lineLeaks()).toEqual([]);
    for (const message of rt.queueMessages) expect(queueMessageProblem(message), message).toBeNull();
  });

  it('a leak is caught: the scans see canaries put there on purpose', async () => {
    // A log field that looks like a word passes the logger's filter: the scan must see it.
    rt.services.logger.info('leak.test', { reason: CANARY.body });
    expect(lineLeaks().length).toBeGreaterThan(0);
    rt.logs.pop();
    const account = (await rt.services.db.query.accounts.findFirst())!;
    await rt.services.db.update(accounts).set({ signature: CANARY.city }).where(eq(accounts.id, account.id));
    expect(databaseLeaks().length).toBeGreaterThan(0);
    await rt.services.db.update(accounts).set({ signature: null }).where(eq(accounts.id, account.id));
  });
});
