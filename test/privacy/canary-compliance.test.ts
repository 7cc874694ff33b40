import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashAddress } from '../../src/crypto/hmac';
import { compactAfterErasure } from '../../src/compliance/erase';
import { consentRecords } from '../../src/db/schema';
import {
  allComplianceRows,
  customerRedactPayload,
  dataRequestPayload,
  deliverShopify,
  openForm,
  shopOnlyAccount,
  shopRedactPayload,
  submitForm,
  wooConnection,
} from '../support/compliance';
import { databaseFiles } from '../support/database-files';
import { sampleOrder, startTestRuntime, type TestRuntime } from '../support/runtime';
import { canariesInLines, captureConsole } from '../support/canary';

/**
 * The erasure promise, tested like the main canary: customers and a shop full of unique canary
 * strings go through the opt-out page and every compliance webhook; after the redact topics, none
 * of them may be left in the database file (and its -wal/-shm/-journal), a log line, a queue
 * message or the console. Not even the keyed hashes of the erased addresses.
 */
const CANARY = {
  wooCustomer: 'canary.woo.customer.r4@canary-mail.example',
  shopifyCustomer: 'Canary.Shopify.Customer.t8@canary-mail.example',
  neverHeld: 'canary.neverheld.w2@canary-mail.example',
  phone: '+15550199873',
  customerId: '918273645',
  shop: 'canaryshopqz41.myshopify.com',
  shopName: 'Canaryshop Wexley Trading',
  shopOwner: 'canary.owner.x5@canary-mail.example',
};

describe('privacy canary: nothing of an erased customer or shop remains', () => {
  let rt: TestRuntime;
  let shopAccount: string;
  let printed: string[] = [];
  let needles: string[] = [];

  beforeAll(async () => {
    printed = captureConsole();
    rt = await startTestRuntime();

    // 1. A WooCommerce merchant: a customer objects on the public page, then is deleted in the store.
    const { accountId: wooAccount } = await rt.reset('woocommerce', [sampleOrder({ email: CANARY.wooCustomer })]);
    let form = await openForm(rt, wooAccount);
    expect((await submitForm(rt, wooAccount, { email: CANARY.wooCustomer, token: form.token })).status).toBe(200);
    const { consumerKey } = await wooConnection(rt, wooAccount);
    const woo = rt.sandbox!.fakes.woocommerce;
    expect(
      await woo.trigger(consumerKey, 'customer.deleted', { id: Number(CANARY.customerId), email: CANARY.wooCustomer }),
    ).toEqual([200]);

    // 2. A Shopify merchant with no mailbox: a customer objects, asks for their data, asks to be
    //    erased; the merchant uninstalls; 48 hours later Shopify asks to erase the shop.
    shopAccount = await shopOnlyAccount(rt, CANARY.shop, { shopName: CANARY.shopName });
    form = await openForm(rt, shopAccount);
    expect((await submitForm(rt, shopAccount, { email: CANARY.shopifyCustomer, token: form.token })).status).toBe(200);
    const withCanaries = <T extends { customer: object }>(p: T) => ({
      ...p,
      customer: { ...p.customer, id: Number(CANARY.customerId), phone: CANARY.phone },
    });
    const shopify = { shop: CANARY.shop };
    const answers = [
      await deliverShopify(rt, withCanaries(dataRequestPayload(CANARY.shopifyCustomer, CANARY.shop)), {
        ...shopify,
        topic: 'customers/data_request',
      }),
      await deliverShopify(rt, withCanaries(dataRequestPayload(CANARY.neverHeld, CANARY.shop)), {
        ...shopify,
        topic: 'customers/data_request',
      }),
      // A forged one and an unknown topic, both carrying canaries, on the way.
      await deliverShopify(rt, withCanaries(customerRedactPayload(CANARY.shopifyCustomer, CANARY.shop)), {
        ...shopify,
        secret: 'forged',
      }),
      await deliverShopify(
        rt,
        { email: CANARY.shopifyCustomer, phone: CANARY.phone },
        { ...shopify, topic: 'orders/create' },
      ),
      await deliverShopify(rt, withCanaries(customerRedactPayload(CANARY.shopifyCustomer, CANARY.shop)), {
        ...shopify,
        topic: 'customers/redact',
      }),
      await deliverShopify(
        rt,
        {
          id: 77001234567,
          name: CANARY.shopName,
          email: CANARY.shopOwner,
          myshopify_domain: CANARY.shop,
          phone: CANARY.phone,
        },
        { ...shopify, topic: 'app/uninstalled' },
      ),
      await deliverShopify(rt, shopRedactPayload(CANARY.shop), { ...shopify, topic: 'shop/redact' }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 401, 200, 200, 200, 200]);
    await rt.settle();

    const hashes = await Promise.all(
      [CANARY.wooCustomer, CANARY.shopifyCustomer, CANARY.neverHeld].map((a) =>
        hashAddress(rt.config.secrets.hashKey, a),
      ),
    );
    needles = [...Object.values(CANARY), ...hashes].flatMap((v) => [v, v.toLowerCase()]);
  });

  afterAll(() => {
    vi.restoreAllMocks();
    rt.close();
  });

  it('really processed every request, and kept the records that prove it', async () => {
    const rows = await allComplianceRows(rt);
    const outcomes = rows.map((r) => `${r.topic}:${r.outcome}`).sort();
    expect(outcomes).toEqual([
      'app/uninstalled:token_deleted',
      'customer.deleted:erased',
      'customers/data_request:nothing_held',
      'customers/data_request:opt_out_held',
      'customers/redact:erased',
      'shop/redact:account_erased',
    ]);
    expect(rows.every((r) => r.completedAt !== null && r.subjectHash === null)).toBe(true);
    expect(
      await rt.services.db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, shopAccount) }),
    ).toBeUndefined();
    expect(rt.logs.length).toBeGreaterThan(0);
  });

  it('leaves no canary, and no hash of an erased address, in the database file, its WAL, shared memory or journal', () => {
    const files = databaseFiles(rt.dbPath);
    expect(files.length).toBeGreaterThan(0);
    for (const { file, text } of files) {
      for (const needle of needles) expect(text.includes(needle), `${needle} found in ${file}`).toBe(false);
    }
  });

  it('leaves no canary in any log line, queue message or console output', () => {
    expect(canariesInLines({ log: rt.logs, queue: rt.queueMessages, console: printed }, needles)).toEqual([]);
  });

  it('a leak is caught: the scan sees a canary written on purpose, even after it is deleted again', async () => {
    // Guard against a scan that cannot fail, and show why erasure compacts the file: a deleted
    // row's bytes stay on disk until the file is rebuilt.
    const { eq } = await import('drizzle-orm');
    const account = (await rt.services.db.query.accounts.findFirst())!;
    const row = {
      id: 'con_canaryguard',
      accountId: account.id,
      kind: 'terms',
      detail: CANARY.shopName,
      version: 'x',
      grantedAt: 1,
    };
    await rt.services.db.insert(consentRecords).values(row);
    expect(databaseFiles(rt.dbPath).some(({ text }) => text.includes(CANARY.shopName))).toBe(true);
    await rt.services.db.delete(consentRecords).where(eq(consentRecords.id, row.id));
    expect(databaseFiles(rt.dbPath).some(({ text }) => text.includes(CANARY.shopName))).toBe(true);
    expect(await compactAfterErasure(rt.services.db)).toBe('compacted');
    expect(databaseFiles(rt.dbPath).some(({ text }) => text.includes(CANARY.shopName))).toBe(false);
  });
});
