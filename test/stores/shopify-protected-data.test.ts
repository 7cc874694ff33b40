import { existsSync, readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { getStoreConnection } from '../../src/db/accounts';
import type { ReplyInput } from '../../src/drafting/prompt';
import { buildUserMessage } from '../../src/drafting/prompt';
import { syncAccount } from '../../src/pipeline/sync';
import { openStoreCredentials } from '../../src/db/sealed';
import type { CustomerDataAccess } from '../../src/sandbox/fakes/shopify';
import { question, recordReplyInputs, sampleOrder, pipelineForTest, type PipelineRuntime } from '../support/pipeline';
import { signIn } from '../support/sign-in';
import { SANDBOX_SHOP as SHOP } from '../../src/sandbox';

/**
 * Protected customer data: until Shopify approves the app (Level 2 for name, email and address),
 * unapproved types are refused and unapproved fields come back null, each with an `errors` entry,
 * at HTTP 200 (https://shopify.dev/docs/apps/launch/protected-customer-data#using-protected-customer-data).
 * Draftline cannot then match a sender to an order: it says so on the dashboard, keeps drafting
 * replies that disclose nothing (asking for the order number and name), and counts each one.
 */
const CANARIES = {
  email: 'jane.canary@example.net',
  tracking: '1ZCANARY0TRACK0001',
  item: 'Canary teapot',
  city: 'Canarytown',
};

const order = () =>
  sampleOrder({
    email: CANARIES.email,
    createdAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
    tracking: [
      { company: 'UPS', number: CANARIES.tracking, url: `https://www.ups.com/track?tracknum=${CANARIES.tracking}` },
    ],
    items: [{ title: CANARIES.item, quantity: 1 }],
    shippingCity: CANARIES.city,
  });

describe.each<[CustomerDataAccess, string]>([
  ['none', 'the Order object refused (data null, ACCESS_DENIED)'],
  ['no_fields', 'the email field redacted (null, with an errors entry)'],
])('Shopify has not approved customer data: %s — %s', (access) => {
  let p: PipelineRuntime;
  let inputs: ReplyInput[];
  beforeEach(async () => {
    p = await pipelineForTest('shopify', [order()]);
    p.rt.sandbox!.fakes.shopify.setCustomerDataAccess(SHOP, access);
    inputs = recordReplyInputs(p.rt.services);
  });

  const mail = (n: number, body: string) => question(n, { from: `Jane Doe <${CANARIES.email}>`, body });

  it('marks the store, keeps drafting replies that disclose nothing (order number and name asked for), and counts each', async () => {
    p.deliver(mail(1, 'Hello, where is my order #1042?'));
    p.deliver(mail(2, 'Hi, has my parcel shipped yet?'));
    await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });

    expect(await p.counters()).toMatchObject({ seen: 2, drafted: 2, 'error:customer_data_not_approved': 2 });
    const store = (await getStoreConnection(p.rt.services.db, p.accountId))!;
    expect(store.status).toBe('customer_data_not_approved');

    expect(inputs.map((i) => [i.orderLookup, i.orders])).toEqual([
      ['customer_data_unavailable', []],
      ['customer_data_unavailable', []],
    ]);
    for (const input of inputs) {
      const prompt = buildUserMessage(input);
      for (const canary of [CANARIES.tracking, CANARIES.item, CANARIES.city]) expect(prompt).not.toContain(canary);
    }
    const drafts = await p.rt.drafts();
    expect(drafts).toHaveLength(2);
    for (const draft of drafts) {
      expect(draft.text).toMatch(/order number and the name on the order/);
      for (const canary of [CANARIES.tracking, CANARIES.item, CANARIES.city, 'Blue mug'])
        expect(draft.text).not.toContain(canary);
    }

    // Nothing of the order in the database file or the logs.
    const files = [p.rt.dbPath, `${p.rt.dbPath}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1'));
    for (const canary of Object.values(CANARIES)) {
      for (const file of files) expect(file.includes(canary), `${canary} in the database file`).toBe(false);
      expect(
        p.rt.logs.some((l) => l.includes(canary)),
        `${canary} in a log line`,
      ).toBe(false);
    }
    expect(p.rt.logs.some((l) => l.includes('"event":"store.customer_data_not_approved"'))).toBe(true);
  });

  it('the dashboard says why, in plain words', async () => {
    p.deliver(mail(1, 'Hello, where is my order #1042?'));
    await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });
    const { app } = await signIn(p.rt);
    expect(app.html).toContain(
      'Shopify has not yet approved access to customer data: drafts cannot be matched to orders',
    );
  });

  it('an answer without orders says nothing about approval: the store stays marked', async () => {
    p.deliver(mail(1, 'Hello, where is my order #1042?'));
    await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });
    const store = (await getStoreConnection(p.rt.services.db, p.accountId))!;
    const credentials = await openStoreCredentials(p.rt.services, store as { id: string; sealedCredentials: string });
    const source = p.rt.services.openOrderSource(store, credentials);
    // Redacted fields: an empty answer without errors; the Order object refused: the refusal again.
    const answer = await source.findByNumber('9999').catch((err: unknown) => err);
    expect(answer === null || (answer as { code?: string }).code === 'customer_data_not_approved').toBe(true);
    expect((await getStoreConnection(p.rt.services.db, p.accountId))!.status).toBe('customer_data_not_approved');
  });

  it('once Shopify approves, the next lookup puts the store back to active', async () => {
    p.deliver(mail(1, 'Hello, where is my order #1042?'));
    await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });
    p.rt.sandbox!.fakes.shopify.setCustomerDataAccess(SHOP, 'all');
    const store = (await getStoreConnection(p.rt.services.db, p.accountId))!;
    const credentials = await openStoreCredentials(p.rt.services, store as { id: string; sealedCredentials: string });
    const source = p.rt.services.openOrderSource(store, credentials);
    expect(await source.findByNumber('1042')).toMatchObject({ number: '1042', email: CANARIES.email });
    expect((await getStoreConnection(p.rt.services.db, p.accountId))!.status).toBe('active');
  });
});

describe('the fake answers as Shopify documents it', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest('shopify', [order()]);
  });

  async function query(access: CustomerDataAccess) {
    const fake = p.rt.sandbox!.fakes.shopify;
    const token = fake.issueTokens(SHOP).access_token;
    fake.setCustomerDataAccess(SHOP, access);
    const res = await fake.app.request(`/${SHOP}/admin/api/2026-10/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': token },
      body: JSON.stringify({
        query:
          'query Q($first: Int!, $query: String!) { orders(first: $first, query: $query) { nodes { name email shippingAddress { city countryCodeV2 } } } }',
        variables: { first: 5, query: 'name:#1042' },
      }),
    });
    return {
      status: res.status,
      body: (await res.json()) as {
        // biome-ignore lint/suspicious/noExplicitAny: the GraphQL answer, read loosely by the test
        data: any;
        errors?: { message: string; path: (string | number)[]; extensions?: { code: string } }[];
      },
    };
  }

  it('not approved at all: HTTP 200, data null, "This app is not approved to access the Order object", ACCESS_DENIED', async () => {
    const { status, body } = await query('none');
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors![0]!.message).toMatch(
      /^This app is not approved to access the Order object\. See https:\/\/partners\.shopify\.com\/.*\/customer_data for more details\.$/,
    );
    expect(body.errors![0]!.extensions?.code).toBe('ACCESS_DENIED');
    expect(JSON.stringify(body)).not.toContain(CANARIES.email);
  });

  it('fields not approved: HTTP 200, the order with email null, an errors entry at its path; city and country are not protected', async () => {
    const { status, body } = await query('no_fields');
    expect(status).toBe(200);
    expect(body.data.orders.nodes[0]).toMatchObject({
      name: '#1042',
      email: null,
      shippingAddress: { city: CANARIES.city },
    });
    expect(body.errors![0]!.path).toEqual(['orders', 'nodes', 0, 'email']);
    expect(body.errors![0]!.message).toMatch(/not approved to access/);
    expect(JSON.stringify(body)).not.toContain(CANARIES.email);
  });
});
