import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerWorld, type WorkerWorld } from '../../scripts/worker-world';
import { listComplianceRequests } from '../../src/compliance/records';
import { accounts, gmailConnections, storeConnections } from '../../src/db/schema';
import { sealedAs } from '../../src/db/sealed';
import { WOO_REPAIR_EVERY_MS } from '../../src/pipeline/woo-store-repair';
import { queueMessageProblem } from '../support/queue-messages';
import { QUIET_AFTER_MS } from '../../src/pipeline/schedule';
import { hostileHtmlMail, replyToAttackMail } from '../../src/sandbox/hostile-mail';
import { canaryOrders } from '../support/canary';
import { customerMail, sampleOrder } from '../support/runtime';
import { databaseFiles } from '../support/database-files';
import { delta, deliverShopify, push, pushBody } from '../support/workerd';

/**
 * The production Worker (the bundle `wrangler deploy` uploads, run by workerd through Miniflare)
 * with wrangler.toml's bindings: the sync queue's producer and consumers with their real batch
 * timeout and retry settings, the Cron Trigger, DATABASE_URL on the libSQL-over-HTTP fake, and
 * every outside API on the sandbox's fakes (scripts/worker-world.ts). No network.
 *
 * One workerd for the whole file (starting one costs seconds, and the queue's real 2 s batch
 * timeout sets the pace of every scenario); each scenario starts from /sandbox/reset or its own
 * merchant. The privacy canary at the end scans everything the Worker printed in the whole file.
 */
let world: WorkerWorld;
beforeAll(async () => {
  world = await startWorkerWorld({ logLevel: 'debug' });
}, 120_000);
afterAll(async () => {
  await world?.close();
});

const recent = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
const order = (number: string, email: string) =>
  sampleOrder({
    number,
    email,
    createdAt: recent(3),
    tracking: [{ company: 'UPS', number: `1Z${number}TRK`, url: `https://www.ups.com/track?tracknum=1Z${number}TRK` }],
  });
let mailSeq = 0;
const mail = (from: string, orderNumber: string) => {
  const n = ++mailSeq;
  return customerMail({
    from,
    subject: `Where is my order #${orderNumber}? (${n})`,
    body: `Hello, where is my order #${orderNumber}? It has been a while. (${n})`,
    messageId: `<worker-${n}@customers.example>`,
  });
};
const JANE = 'Jane Doe <jane@example.net>';

describe('the production Worker in workerd', () => {
  let accountId: string;
  let mailbox: string;
  const measured: Record<string, unknown> = {};
  const draftsIn = (threadId: string) => world.fakes.google.drafts(mailbox).filter((d) => d.threadId === threadId);

  beforeAll(async () => {
    ({ accountId, mailbox } = await world.reset('shopify', [order('1042', 'jane@example.net')]));
  });

  afterAll(async () => {
    if (Object.keys(measured).length) {
      mkdirSync('test-results', { recursive: true });
      writeFileSync('test-results/workerd-counts.json', `${JSON.stringify(measured, null, 2)}\n`);
      console.info(`[workerd] HTTP calls and statements per sync: ${JSON.stringify(measured)}`);
    }
  });

  it('boots the deployed bundle live, with wrangler.toml’s queue and cron, and /healthz says workerd answers', async () => {
    const health = await world.request('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, mode: 'sandbox', runtime: 'workerd' });
    // The Worker itself runs live, as deployed (no environment variable makes it a sandbox).
    expect(await (await world.toWorker(new Request(`${world.appUrl}/healthz`))).json()).toMatchObject({
      ok: true,
      mode: 'live',
    });
    expect(world.crons).toContain('*/5 * * * *');
    expect(await (await world.request('/sandbox/reset', { method: 'GET' })).status).not.toBe(500);
    // Pages are the Worker's: the live home page, not Node's sandbox.
    const home = await world.request('/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toBeTruthy();
  });

  it('push → queue → consumer: one mail, one Pub/Sub push signed by Google’s key, exactly one draft', async () => {
    const before = world.counts();
    const deliveries = world.queue.deliveries;
    const sent = await world.sendMail(mail(JANE, '1042'));

    const pushes = world.fakes.google.pushes();
    expect(pushes.at(-1)).toMatchObject({ emailAddress: mailbox, status: 204, attempts: 1 });
    expect(world.queue.deliveries - deliveries).toBe(1);
    const { mailboxKey } = (await world.services.db.query.gmailConnections.findFirst({
      where: (t, { eq }) => eq(t.accountId, accountId),
    }))!;
    expect(JSON.parse(world.queueBodies.at(-1)!)).toEqual({ mailboxKey, historyId: expect.stringMatching(/^\d+$/) });
    const drafts = draftsIn(sent.threadId);
    expect(drafts).toHaveLength(1);
    const [draft] = (await world.drafts()).filter((d) => d.threadId === sent.threadId);
    expect(draft!.to).toBe('jane@example.net');
    expect(draft!.text).toContain('1Z1042TRK');
    expect(world.workerLines.some((l) => l.includes('"event":"sync.done"'))).toBe(true);
    measured.pushToDraft = delta(before, world.counts());
  });

  it('the sandbox mailbox settles once the queue is idle: no refresh, and the drafted email says so', async () => {
    const page = await (await world.request('/sandbox/mail')).text();
    expect(page).not.toContain('http-equiv="refresh"');
    expect(page).not.toContain('Waiting');
    expect(page).toContain('Drafted');
  });

  it('duplicate pushes (Pub/Sub redelivering, at once and later) still make one draft', async () => {
    world.deliverPushes(false);
    try {
      const { threadId } = world.fakes.google.insertMessage(mailbox, mail(JANE, '1042'));
      const body = pushBody(mailbox, world.fakes.google.historyId(mailbox), 'dup-push-1');
      const token = await world.fakes.google.signPushToken();
      const before = world.counts();
      const answers = await Promise.all(Array.from({ length: 4 }, () => push(world, body, token)));
      expect(answers.map((r) => r.status)).toEqual([204, 204, 204, 204]);
      await world.settle();
      // The four meet in one queue batch and are one sync: its two database round trips, no lease
      // contention, no rerun.
      expect(delta(before, world.counts()).dbHttpRequests).toBe(2);
      expect(world.workerLines.some((l) => l.includes('"event":"sync.busy"'))).toBe(false);
      expect((await push(world, body, token)).status).toBe(204);
      await world.settle();
      expect(draftsIn(threadId)).toHaveLength(1);
      // A forged push does no work.
      expect((await push(world, body, await world.fakes.google.signPushToken({}, { foreignKey: true }))).status).toBe(
        401,
      );
    } finally {
      world.deliverPushes(true);
    }
  });

  it('a Cron Trigger tick polls a quiet mailbox (its push was lost) and renews the watch', async () => {
    world.deliverPushes(false);
    try {
      const { threadId } = world.fakes.google.insertMessage(mailbox, mail(JANE, '1042'));
      const now = Date.now();
      await world.services.db
        .update(gmailConnections)
        .set({ lastSyncAt: now - QUIET_AFTER_MS - 60_000, lastPushAt: null, watchExpiresAt: now + 60_000 })
        .where(eq(gmailConnections.accountId, accountId));
      const watches = world.fakes.google.calls(mailbox).watch ?? 0;

      await world.scheduled();

      expect(draftsIn(threadId)).toHaveLength(1);
      expect(world.fakes.google.calls(mailbox).watch).toBe(watches + 1);
      const row = await world.services.db.query.gmailConnections.findFirst({
        where: eq(gmailConnections.accountId, accountId),
      });
      expect(row!.watchExpiresAt).toBeGreaterThan(now + 6 * 86_400_000);
      expect(row!.lastSyncAt).toBeGreaterThanOrEqual(now);
      expect(world.workerLines.some((l) => l.includes('"event":"cron.done"'))).toBe(true);
      // The cron queued both pieces of work; the consumer did each in its own delivery.
      expect(world.queueBodies).toContain(JSON.stringify({ accountId }));
      expect(world.queueBodies).toContain(JSON.stringify({ accountId, job: 'renew_watch' }));
      expect(
        world.workerLines.some((l) => l.includes('"event":"queue.job_done"') && l.includes('renew_watch:renewed')),
      ).toBe(true);
    } finally {
      world.deliverPushes(true);
    }
  });

  it('a Cron Trigger tick only queues (watch renewals, a WooCommerce store repair); the consumer renews and repairs; the tick costs the same for more accounts', async () => {
    world.deliverPushes(false);
    try {
      const woo = await world.addMerchant({
        mailbox: 'cron-woo@example.com',
        store: 'woocommerce',
        orders: [order('1042', 'jane@example.net')],
      });
      const store = (await world.services.db.query.storeConnections.findFirst({
        where: eq(storeConnections.accountId, woo.accountId),
      }))!;
      const { consumerKey } = JSON.parse(
        await world.services.sealer.open(store.sealedCredentials!, sealedAs.storeCredentials(store.id)),
      ) as { consumerKey: string };
      const [hook] = world.fakes.woocommerce.webhooks(consumerKey);
      world.fakes.woocommerce.setWebhookStatus(hook!.id, 'disabled');
      const mailboxes = [mailbox, woo.mailbox];
      /** Every watch ends within the hour, every store was last checked long ago; nobody is quiet. */
      const allDue = async () => {
        const now = Date.now();
        await world.services.db
          .update(gmailConnections)
          .set({ watchExpiresAt: now + 60_000, lastSyncAt: now, lastPushAt: now, syncRerunRequested: false });
        await world.services.db.update(storeConnections).set({ webhookCheckedAt: now - WOO_REPAIR_EVERY_MS - 60_000 });
      };
      const tick = async () => {
        const before = world.counts();
        const deliveries = world.queue.deliveries;
        const sent = world.queueBodies.length;
        await world.cronTick();
        const cost = delta(before, world.counts());
        // Measured before the consumer took anything (it waits for its batch timeout).
        expect(world.queue.deliveries).toBe(deliveries);
        return { cost, sent: world.queueBodies.slice(sent) };
      };

      await allDue();
      const watches = mailboxes.map((mb) => world.fakes.google.calls(mb).watch ?? 0);
      const first = await tick();
      expect(first.sent.sort()).toEqual(
        [
          JSON.stringify({ accountId, job: 'renew_watch' }),
          JSON.stringify({ accountId: woo.accountId, job: 'renew_watch' }),
          JSON.stringify({ accountId: woo.accountId, job: 'repair_store' }),
        ].sort(),
      );
      // No call to Gmail or the store inside the cron; a few statements, one per step.
      expect(first.cost.apiCalls).toBe(0);
      expect(first.cost.dbStatements).toBe(5);

      await world.settle();
      expect(mailboxes.map((mb) => world.fakes.google.calls(mb).watch)).toEqual(watches.map((n) => n + 1));
      expect(world.fakes.woocommerce.webhooks(consumerKey)[0]!.status).toBe('active');
      expect(
        (await world.services.db.query.storeConnections.findFirst({ where: eq(storeConnections.id, store.id) }))!
          .webhookStatus,
      ).toBe('restored');
      expect(
        world.workerLines.some((l) => l.includes('"event":"queue.job_done"') && l.includes('repair_store:restored')),
      ).toBe(true);

      // Three more merchants: three times the messages, the same cost to the cron.
      for (const n of [1, 2, 3])
        await world.addMerchant({
          mailbox: `cron-more-${n}@example.com`,
          store: n === 3 ? 'woocommerce' : 'shopify',
          orders: [],
        });
      await allDue();
      const second = await tick();
      expect(second.sent).toHaveLength(7);
      expect(second.cost.apiCalls).toBe(0);
      expect(second.cost.dbStatements).toBe(first.cost.dbStatements);
      expect(second.cost.dbHttpRequests).toBe(first.cost.dbHttpRequests);
      await world.settle();
      measured.cronTick = { accounts2: first.cost, accounts5: second.cost };
    } finally {
      world.deliverPushes(true);
    }
  }, 60_000);

  it('a Shopify compliance webhook, signed with the app secret, completes in workerd', async () => {
    const payload = {
      shop_id: 954889,
      shop_domain: 'sandbox-shop.myshopify.com',
      orders_requested: [1042],
      customer: { id: 191167, email: 'jane@example.net', phone: null },
      data_request: { id: 9999 },
    };
    const forged = await deliverShopify(world, 'customers/data_request', payload, { secret: 'not-the-app-secret' });
    expect(forged.status).toBe(401);
    const res = await deliverShopify(world, 'customers/data_request', payload, { webhookId: 'workerd-data-1' });
    expect(res.status).toBe(200);
    const redact = await deliverShopify(world, 'customers/redact', {
      shop_id: 954889,
      shop_domain: payload.shop_domain,
      customer: payload.customer,
      orders_to_redact: [1042],
    });
    expect(redact.status).toBe(200);
    await world.settle();
    const records = await listComplianceRequests(world.services.db, accountId);
    expect(records.map((r) => r.topic).sort()).toEqual(['customers/data_request', 'customers/redact']);
    for (const record of records) {
      expect(record.completedAt).not.toBeNull();
      expect(record.outcome).toBeTruthy();
    }
    // Redelivered: answered, not done twice.
    expect(
      (await deliverShopify(world, 'customers/data_request', payload, { webhookId: 'workerd-data-1' })).status,
    ).toBe(200);
    expect(await listComplianceRequests(world.services.db, accountId)).toHaveLength(2);
  });

  it('a storm of Gmail 429s is retried through the queue without losing or doubling a draft', async () => {
    const customers = ['ana', 'ben', 'cho', 'dev'].map((name, i) => ({
      name,
      email: `${name}@example.org`,
      number: String(2000 + i),
    }));
    ({ accountId, mailbox } = await world.reset(
      'shopify',
      customers.map((c) => order(c.number, c.email)),
    ));
    world.deliverPushes(false);
    try {
      const threads = customers.map(
        (c) => world.fakes.google.insertMessage(mailbox, mail(`${c.name} <${c.email}>`, c.number)).threadId,
      );
      const google = world.fakes.google;
      google.failNext('messages.get', { status: 429, retryAfterSeconds: 1 });
      google.failNext('drafts.create', { status: 429, retryAfterSeconds: 1 });
      const retries = world.queue.retries;
      const body = pushBody(mailbox, google.historyId(mailbox));
      expect((await push(world, body)).status).toBe(204);
      expect((await push(world, body)).status).toBe(204);
      await world.settle(120_000);

      for (const threadId of threads) expect(draftsIn(threadId)).toHaveLength(1);
      expect(world.queue.retries - retries).toBeGreaterThanOrEqual(2);
      expect(world.queue.dropped).toBe(0);
      const retried = world.workerLines.filter((l) => l.includes('"event":"queue.retry"'));
      expect(retried.some((l) => l.includes('rate_limited'))).toBe(true);
    } finally {
      world.deliverPushes(true);
    }
  }, 120_000);

  it('measures a sync of 1 and of 10 messages: HTTP requests, statements and outside calls, push and sync apart', async () => {
    const measure = async (messages: number) => {
      ({ accountId, mailbox } = await world.reset('shopify', [order('1042', 'jane@example.net')]));
      world.deliverPushes(false);
      try {
        const threads = Array.from(
          { length: messages },
          () => world.fakes.google.insertMessage(mailbox, mail(JANE, '1042')).threadId,
        );
        const before = world.counts();
        const deliveries = world.queue.deliveries;
        expect((await push(world, pushBody(mailbox, world.fakes.google.historyId(mailbox)))).status).toBe(204);
        // The consumer waits for its batch (max_batch_timeout), so this is the push's share alone.
        const pushed = world.counts();
        await world.settle();
        expect(world.queue.deliveries - deliveries).toBe(1);
        for (const threadId of threads) expect(draftsIn(threadId)).toHaveLength(1);
        return { push: delta(before, pushed), sync: delta(pushed, world.counts()) };
      } finally {
        world.deliverPushes(true);
      }
    };
    measured.perSync = { '1': await measure(1), '10': await measure(10) };
  }, 60_000);
});

/**
 * The privacy canary, in workerd: mail and orders full of unique strings go through the production
 * Worker (pushes, duplicates, the queue with its retries, a model and a store that fail, the cron's
 * poll and watch renewal, Shopify's compliance webhooks, WooCommerce and Shopify stores), then every
 * place the Worker could keep something is scanned: the database file and its -wal/-shm/-journal
 * (Turso's stand-in), every queue message body, every line the Worker printed and every line
 * Miniflare logged about it. The last test plants canaries in each place to prove the scan sees them.
 */
const CANARY = {
  subject: 'CanaryWkdSubjectQm41',
  body: 'CanaryWkdBodyZr88',
  senderName: 'Canaryworkerd Pellingham',
  senderAddress: 'canary.wkd.sender.k3@canary-wkd.example',
  otherAddress: 'canary.wkd.owner.p9@canary-wkd.example',
  strangerMailbox: 'canary.wkd.stranger.x2@canary-wkd.example',
  redactAddress: 'canary.wkd.redact.j5@canary-wkd.example',
  attacker: 'canary.wkd.attacker.r8@canary-wkd.example',
  orderNumber: '7315842',
  otherOrderNumber: '7315843',
  tracking: 'CANARYWKDTRK90417',
  trackingUrl: 'https://carrier.example/t/CANARYWKDTRK90417',
  city: 'Canaryworkerdville',
  item: 'Canary Workerd Widget',
};
const NEEDLES = Object.values(CANARY).flatMap((v) => [v, v.toLowerCase()]);
const WOO_MAILBOX = 'woo-merchant@example.com';

describe('privacy canary: the Worker in workerd keeps nothing', () => {
  let shopifyAccount: string;
  let mailCount = 0;
  const sender = `${CANARY.senderName} <${CANARY.senderAddress}>`;
  const mail = (extra: { body?: string; subject?: string } = {}) => {
    const n = ++mailCount;
    return customerMail({
      from: sender,
      subject: extra.subject ?? `${CANARY.subject} ${n}`,
      body: extra.body ?? `${CANARY.body} where is my order #${CANARY.orderNumber}? Ship it to ${CANARY.city}. (${n})`,
      messageId: `<canary-wkd-${n}@canary-wkd.example>`,
    });
  };
  const hostile = () => {
    const n = ++mailCount;
    return {
      from: sender,
      to: 'merchant@example.com',
      subject: `${CANARY.subject} ${n}`,
      text: `${CANARY.body} order #${CANARY.orderNumber}? (${n})`,
      messageId: `<canary-wkd-${n}@canary-wkd.example>`,
    };
  };

  /** Where a needle was found: the database file and its companions. */
  const databaseLeaks = (needles: readonly string[]) => {
    const found: string[] = [];
    for (const { file, text } of databaseFiles(world.dbPath)) {
      for (const needle of needles) if (text.includes(needle)) found.push(`${needle} in ${file}`);
    }
    return found;
  };
  const lineLeaks = (needles: readonly string[]) => {
    const places: [string, readonly string[]][] = [
      ['worker output', world.workerLines],
      ['miniflare log', world.miniflareLines],
      ['queue message', world.queueBodies],
      ['sandbox log', world.nodeLines],
    ];
    const found: string[] = [];
    for (const [where, lines] of places)
      for (const line of lines)
        for (const needle of needles) if (line.includes(needle)) found.push(`${needle} in ${where}: ${line}`);
    return found;
  };

  beforeAll(async () => {
    const { order, someoneElses } = canaryOrders(CANARY);
    const recent = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const orders = [
      { ...order, createdAt: recent },
      { ...someoneElses, createdAt: recent },
    ];
    ({ accountId: shopifyAccount } = await world.reset('shopify', orders));
    await world.addMerchant({ mailbox: WOO_MAILBOX, store: 'woocommerce', orders });
    const { google, openai, shopify, woocommerce } = world.fakes;
    const mailboxes = ['merchant@example.com', WOO_MAILBOX];

    // 1. Canary mail to both merchants, Pub/Sub pushing each change, with Gmail failing on the way
    //    (a 429 and a 500: the queue retries), the model failing for a while, a mail about someone
    //    else's order, a Reply-To attack and a padded HTML mail.
    google.failNext('history.list', { status: 429, retryAfterSeconds: 1 });
    google.failNext('messages.get', { status: 500 });
    openai.failNext({ status: 503, count: 1 });
    for (const mb of mailboxes) {
      google.insertMessage(mb, mail());
      google.insertMessage(
        mb,
        mail({ body: `${CANARY.body} order #${CANARY.otherOrderNumber} is not mine, it is ${CANARY.otherAddress}'s` }),
      );
      google.insertMessage(
        mb,
        replyToAttackMail({ ...hostile(), to: mb, replyTo: `${CANARY.senderName} <${CANARY.attacker}>` }),
      );
      google.insertMessage(mb, hostileHtmlMail({ ...hostile(), to: mb, bytes: 16 * 1024 }));
    }
    await world.settle(120_000);

    // 2. Duplicate, unknown-mailbox and malformed pushes, the store failing for one sync.
    world.deliverPushes(false);
    // Four failures: the orders read ahead, then the lookup's three attempts.
    shopify.failNext({ status: 503, count: 4 });
    woocommerce.failNext({ status: 503, count: 4 });
    for (const mb of mailboxes) google.insertMessage(mb, mail());
    // A plain thank-you answering the shop in its thread, decided from Gmail's preview (the
    // sender's name in it).
    for (const mb of mailboxes) {
      const answer = `<canary-wkd-answer-${mb}>`;
      const subject = `${CANARY.subject} answered`;
      google.insertMessage(mb, customerMail({ from: mb, subject, body: 'It left yesterday.', messageId: answer }), {
        labelIds: ['SENT'],
      });
      const thanks = { subject: `Re: ${subject}`, body: `Thank you so much! ${CANARY.senderName}`, inReplyTo: answer };
      google.insertMessage(mb, customerMail({ from: sender, messageId: `<canary-wkd-thanks-${mb}>`, ...thanks }));
    }
    const token = await google.signPushToken();
    const pushes = [
      ...mailboxes.flatMap((mb) => [
        pushBody(mb, google.historyId(mb), `dup-${mb}`),
        pushBody(mb, google.historyId(mb), `dup-${mb}`),
      ]),
      pushBody(CANARY.strangerMailbox, 5),
      JSON.stringify({
        message: {
          data: Buffer.from(JSON.stringify({ emailAddress: CANARY.senderAddress, note: CANARY.body })).toString(
            'base64',
          ),
        },
      }),
      JSON.stringify({ message: { data: `${CANARY.body}!!` }, note: CANARY.senderAddress }),
    ];
    for (const status of (await Promise.all(pushes.map((b) => push(world, b, token)))).map((r) => r.status))
      expect(status).toBe(204);
    await world.settle(120_000);

    // 3. The cron: a quiet mailbox with canary mail is polled, watches are renewed.
    for (const mb of mailboxes) google.insertMessage(mb, mail());
    await world.services.db
      .update(gmailConnections)
      .set({ lastSyncAt: Date.now() - QUIET_AFTER_MS - 60_000, lastPushAt: null, watchExpiresAt: Date.now() + 1000 });
    await world.scheduled();
    world.deliverPushes(true);

    // 4. Shopify's compliance webhooks about canary customers.
    const customer = (email: string) => ({ id: 191167, email, phone: '555-0100' });
    const shop = 'sandbox-shop.myshopify.com';
    for (const [topic, payload] of [
      [
        'customers/data_request',
        {
          shop_id: 1,
          shop_domain: shop,
          orders_requested: [Number(CANARY.orderNumber)],
          customer: customer(CANARY.senderAddress),
          data_request: { id: 1 },
        },
      ],
      [
        'customers/redact',
        {
          shop_id: 1,
          shop_domain: shop,
          customer: customer(CANARY.redactAddress),
          orders_to_redact: [Number(CANARY.otherOrderNumber)],
        },
      ],
    ] as const) {
      expect((await deliverShopify(world, topic, payload)).status).toBe(200);
    }
    await world.settle();
  }, 240_000);

  it('really ran the canaries through the Worker', async () => {
    const drafts = await Promise.all(
      [...world.fakes.google.drafts('merchant@example.com'), ...world.fakes.google.drafts(WOO_MAILBOX)].map((d) =>
        PostalMime.parse(d.raw),
      ),
    );
    // Drafts for both merchants, grounded in the canary order; the Reply-To attacker gets none.
    expect(drafts.filter((d) => d.text?.includes(CANARY.tracking)).length).toBeGreaterThanOrEqual(2);
    expect(drafts.some((d) => JSON.stringify(d.to).includes(CANARY.attacker))).toBe(false);
    const events = world.workerLines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string });
    for (const event of [
      'push.queued',
      'queue.retry',
      'push.unknown_mailbox',
      'push.malformed',
      'cron.done',
      'sync.done',
    ]) {
      expect(
        events.some((e) => e.event === event),
        event,
      ).toBe(true);
    }
    // A push to a mailbox the isolate synced before ran from the remembered account (the lease on a premise).
    expect(events.some((e) => e.event === 'sync.done' && (e as { mode?: string }).mode === 'on_premise')).toBe(true);
    const counters = (await world.services.db.query.dailyCounters.findMany()).map((c) => c.name);
    for (const name of [
      'drafted',
      'error:gmail_rate_limited',
      'error:gmail_unavailable',
      'error:llm_unavailable',
      'skipped:store_unavailable',
      'skipped:thanks_only',
    ])
      expect(counters, name).toContain(name);
    expect(world.queueBodies.length).toBeGreaterThan(4);
    expect(world.workerLines.length).toBeGreaterThan(20);
  });

  it('keeps no canary in the database file, its WAL, shared memory or journal', () => {
    expect(existsSync(world.dbPath)).toBe(true);
    expect(databaseLeaks(NEEDLES)).toEqual([]);
  });

  it('keeps no canary in a queue message, a line the Worker printed or Miniflare’s log', () => {
    expect(lineLeaks(NEEDLES)).toEqual([]);
    // Every message, syncs and the cron's jobs, is one of the allowed shapes: ids only.
    for (const body of world.queueBodies) expect(queueMessageProblem(body), body).toBeNull();
    expect(world.queueBodies.some((b) => b.includes('"job":"renew_watch"'))).toBe(true);
  });

  it('a leak is caught: canaries planted in the database, a queue message and the logs are found', async () => {
    const planted = { db: 'CanaryPlantedDbVx71', queue: 'acc_CanaryPlantedQueue38', path: 'CanaryPlantedPathKd20' };
    // The database: a merchant's own setting, written through the same libSQL endpoint.
    await world.services.db.update(accounts).set({ shopName: planted.db }).where(eq(accounts.id, shopifyAccount));
    // A queue message: its body is the account id, which the consumer logs too.
    await world.services.queue.send({ accountId: planted.queue });
    // Miniflare logs each request's path.
    await world.request(`/${planted.path}`);
    await world.settle();
    expect(databaseLeaks([planted.db]).length).toBeGreaterThan(0);
    const found = lineLeaks([planted.queue, planted.path]);
    expect(found.some((f) => f.includes('in queue message'))).toBe(true);
    expect(found.some((f) => f.startsWith(planted.queue) && f.includes('in worker output'))).toBe(true);
    expect(found.some((f) => f.startsWith(planted.path) && f.includes('in miniflare log'))).toBe(true);
  });
});
