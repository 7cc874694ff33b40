import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { customerMail, startTestRuntime, type TestRuntime } from '../support/runtime';
import { canariesInLines, captureConsole, canaryOrders } from '../support/canary';
import { queueMessageProblem } from '../support/queue-messages';

/**
 * The product's promise, tested: run mail and orders full of unique canary strings through every
 * path, then look for them everywhere something could be kept — the database file and its
 * -wal/-shm/-journal, every log line, every queue message, everything printed to the console.
 * Adding a column, a log field or an error message that carries content makes this fail.
 */
const CANARY = {
  subject: 'CanarySubjectQx71',
  body: 'CanaryBodyTextZr48',
  senderName: 'Canaryname Vexhollow',
  senderAddress: 'canary.sender.k3@canary-mail.example',
  otherAddress: 'canary.owner.p9@canary-mail.example',
  orderNumber: '7316498',
  otherOrderNumber: '7316499',
  tracking: 'CANARYTRK99310042',
  trackingUrl: 'https://carrier.example/t/CANARYTRK99310042',
  city: 'Canarytownshire',
  item: 'Canary Widget Deluxe',
  replyTo: 'canary.replyto.m2@canary-mail.example',
};

// What must never be at rest. The order number and tracking number are in the draft (that is the
// point), and the draft lives in Gmail; none of them may be anywhere in Draftline.
const NEEDLES = Object.values(CANARY).flatMap((v) => [v, v.toLowerCase()]);

describe('privacy canary: nothing but account and consent records at rest', () => {
  let rt: TestRuntime;
  let printed: string[] = [];

  beforeAll(async () => {
    printed = captureConsole();
    rt = await startTestRuntime();
    const { order, someoneElses } = canaryOrders(CANARY);
    for (const store of ['woocommerce', 'shopify'] as const) {
      await rt.reset(store, [order, someoneElses]);
      const sender = `${CANARY.senderName} <${CANARY.senderAddress}>`;
      // 1. The main path: a question about their order, drafted.
      await rt.sendMail(
        customerMail({
          from: sender,
          subject: `${CANARY.subject} #${CANARY.orderNumber}`,
          body: `${CANARY.body} where is order #${CANARY.orderNumber}?`,
          messageId: `<c1.${store}@canary-mail.example>`,
          extraHeaders: [`Reply-To: ${CANARY.replyTo}`],
        }),
      );
      // 2. A duplicate in the same thread (skipped: already drafted).
      await rt.sendMail(
        customerMail({
          from: sender,
          subject: `Re: ${CANARY.subject}`,
          body: `${CANARY.body} again`,
          messageId: `<c2.${store}@canary-mail.example>`,
          inReplyTo: `<c1.${store}@canary-mail.example>`,
        }),
      );
      // 3. Someone else's order (email mismatch).
      await rt.sendMail(
        customerMail({
          from: sender,
          subject: CANARY.subject,
          body: `${CANARY.body} order #${CANARY.otherOrderNumber}`,
          messageId: `<c3.${store}@canary-mail.example>`,
        }),
      );
      // 4. Filtered mail: auto-reply and newsletter.
      await rt.sendMail(
        customerMail({
          from: sender,
          subject: CANARY.subject,
          body: CANARY.body,
          messageId: `<c4.${store}@canary-mail.example>`,
          extraHeaders: ['Auto-Submitted: auto-replied'],
        }),
      );
      await rt.sendMail(
        customerMail({
          from: sender,
          subject: CANARY.subject,
          body: CANARY.body,
          messageId: `<c5.${store}@canary-mail.example>`,
          extraHeaders: ['List-Id: <canary.list>'],
        }),
      );
      // 5. Failures on the way: the LLM and Gmail fail, the queue retries, errors are logged.
      rt.sandbox!.fakes.openai.failNext({ status: 500, count: 2 });
      rt.sandbox!.fakes.google.failNext('drafts.create', { status: 429, count: 1, retryAfterSeconds: 0 });
      await rt.sendMail(
        customerMail({
          from: sender,
          subject: `${CANARY.subject} 2`,
          body: `${CANARY.body} order ${CANARY.orderNumber} once more`,
          messageId: `<c6.${store}@canary-mail.example>`,
        }),
      );
      await rt.settle();
    }
  });

  afterAll(() => {
    vi.restoreAllMocks();
    rt.close();
  });

  it('really ran the canaries through the pipeline (drafts quote the canary order)', async () => {
    const drafts = await rt.drafts();
    expect(drafts.length).toBeGreaterThanOrEqual(2);
    expect(drafts.some((d) => d.text.includes(CANARY.tracking))).toBe(true);
    expect(rt.logs.length).toBeGreaterThan(0);
    expect(rt.queueMessages.length).toBeGreaterThan(0);
  });

  it('keeps no canary in the database file, its WAL, shared memory or journal', () => {
    const files = ['', '-wal', '-shm', '-journal'].map((s) => rt.dbPath + s).filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = readFileSync(file).toString('latin1');
      const text = readFileSync(file).toString('utf8');
      for (const needle of NEEDLES) {
        expect(bytes.includes(needle) || text.includes(needle), `${needle} found in ${file}`).toBe(false);
      }
    }
  });

  it('keeps no canary in any log line, queue message or console output', () => {
    expect(canariesInLines({ log: rt.logs, queue: rt.queueMessages, console: printed }, NEEDLES)).toEqual([]);
    for (const message of rt.queueMessages) expect(queueMessageProblem(message), message).toBeNull();
  });

  it('a leak is caught: the scan sees a canary written on purpose', async () => {
    // Guard against a scan that cannot fail: write a canary through the same database and look again.
    const { accounts } = await import('../../src/db/schema');
    const { eq } = await import('drizzle-orm');
    const account = (await rt.services.db.query.accounts.findFirst())!;
    await rt.services.db.update(accounts).set({ signature: CANARY.city }).where(eq(accounts.id, account.id));
    const files = ['', '-wal'].map((s) => rt.dbPath + s).filter((f) => existsSync(f));
    expect(files.some((f) => readFileSync(f).toString('utf8').includes(CANARY.city))).toBe(true);
    await rt.services.db.update(accounts).set({ signature: null }).where(eq(accounts.id, account.id));
  });
});
