import { beforeEach, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/accounts/connect';
import { newId } from '../../src/platform/ids';
import { storeConnections } from '../../src/db/schema';
import { sealedAs } from '../../src/db/sealed';
import {
  addOptOut,
  allComplianceRows,
  deliverWoo,
  optOutHashes,
  signBase64,
  wooConnection,
} from '../support/compliance';
import { sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/**
 * POST /webhooks/woocommerce, security: every delivery but the ping must be signed with the secret
 * of the store it claims to come from; an unknown store and a bad signature look the same.
 */
const EMAIL = 'jane.secret@example.net';
const payload = { id: 42, email: EMAIL };

describe('WooCommerce webhooks: signature and store', () => {
  let rt: TestRuntime;
  let accountId: string;
  let secret: string;
  beforeEach(async () => {
    rt = await runtimeForTest();
    ({ accountId } = await rt.reset('woocommerce', [sampleOrder()]));
    await addOptOut(rt, accountId, EMAIL);
    secret = (await wooConnection(rt, accountId)).webhookSecret!;
  });

  const expectRefused = async (res: Response) => {
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'unauthorized', message: 'Invalid webhook signature.' });
    expect(await optOutHashes(rt, accountId)).toHaveLength(1);
    expect(await allComplianceRows(rt)).toEqual([]);
  };

  it('accepts the genuine delivery (the control for the cases below)', async () => {
    expect((await deliverWoo(rt, payload, { secret })).status).toBe(200);
    expect(await optOutHashes(rt, accountId)).toEqual([]);
  });

  it.each([
    ['no signature', { signature: null }],
    ['an empty signature', { signature: '' }],
    ['a signature made with another secret', { secret: 'someone-elses-secret' }],
    ['a signature that is not base64', { signature: '***' }],
  ])('refuses %s with 401', async (_label, delivery) => {
    await expectRefused(await deliverWoo(rt, payload, { secret, ...delivery }));
  });

  it('refuses a body changed after signing', async () => {
    const signed = JSON.stringify({ id: 1 });
    await expectRefused(await deliverWoo(rt, payload, { secret, signature: signBase64(secret, signed) }));
  });

  it.each([
    ['no X-WC-Webhook-Source', null],
    ['a store we do not know', 'https://unknown-store.example/'],
  ])('refuses %s with the same 401', async (_label, source) => {
    await expectRefused(await deliverWoo(rt, payload, { secret, source }));
  });

  it('refuses a delivery signed with another connected store’s secret', async () => {
    // A second store, known to us, with its own secret: its signature must not open our store.
    const otherId = newId('sto');
    const otherSecret = 'other-store-webhook-secret-0123456789';
    await rt.services.db.insert(storeConnections).values({
      id: otherId,
      accountId: await createAccount(rt.services),
      kind: 'woocommerce',
      storeDomain: 'https://other-store.example',
      status: 'active',
      connectedAt: Date.now(),
      sealedWebhookSecret: await rt.services.sealer.seal(otherSecret, sealedAs.webhookSecret(otherId)),
    });
    expect(await rt.services.db.query.storeConnections.findMany()).toHaveLength(2);
    await expectRefused(await deliverWoo(rt, payload, { secret: otherSecret }));
    // Control: the same secret does open its own store.
    expect(
      (await deliverWoo(rt, payload, { secret: otherSecret, source: 'https://other-store.example/' })).status,
    ).toBe(200);
  });

  it('does not take a signed-looking or oversized body for the unsigned ping', async () => {
    await expectRefused(await deliverWoo(rt, null, { secret, body: 'webhook_id=12', signature: 'AAAA' }));
    await expectRefused(await deliverWoo(rt, null, { secret, body: `webhook_id=${'1'.repeat(100)}`, signature: null }));
  });

  it('matches the store however its URL is written (scheme, case, trailing slash)', async () => {
    const source = `${rt.config.appUrl.replace('http://', 'HTTPS://').toUpperCase()}/SANDBOX/WOOCOMMERCE`;
    expect((await deliverWoo(rt, payload, { secret, source })).status).toBe(200);
  });

  it('logs refusals and deliveries without the address', async () => {
    await deliverWoo(rt, payload, { secret: 'wrong' });
    await deliverWoo(rt, payload, { secret });
    expect(rt.logs.some((l) => l.includes('woo.webhook_rejected') && l.includes('bad_signature'))).toBe(true);
    for (const line of rt.logs) expect(line).not.toContain(EMAIL);
  });
});

describe('WooCommerce webhooks: bodies', () => {
  let rt: TestRuntime;
  let accountId: string;
  let secret: string;
  beforeEach(async () => {
    rt = await runtimeForTest();
    ({ accountId } = await rt.reset('woocommerce', [sampleOrder()]));
    secret = (await wooConnection(rt, accountId)).webhookSecret!;
  });

  it.each([
    ['JSON that does not parse', '{"id": 4'],
    ['a JSON string', '"hello"'],
  ])('answers 400 for %s after a valid signature and records nothing', async (_label, body) => {
    const res = await deliverWoo(rt, null, { secret, body });
    expect(res.status).toBe(400);
    expect(await allComplianceRows(rt)).toEqual([]);
  });

  it('refuses an oversized body with 413', async () => {
    const body = JSON.stringify({ id: 1, padding: 'x'.repeat(300 * 1024) });
    const res = await deliverWoo(rt, null, { secret, body });
    expect(res.status).toBe(413);
  });
});
