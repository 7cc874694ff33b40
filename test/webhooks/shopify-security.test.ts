import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getStoreConnection } from '../../src/db/accounts';
import {
  addOptOut,
  allComplianceRows,
  customerRedactPayload,
  deliverShopify,
  optOutHashes,
  signBase64,
  uninstalledPayload,
} from '../compliance/support';
import { sampleOrder, startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * POST /webhooks/shopify, security: the HMAC is checked over the raw body before anything is read,
 * a refusal processes nothing, and no answer or log line echoes the body.
 */
const EMAIL = 'jane.secret@example.net';

describe('Shopify webhooks: signature', () => {
  let rt: TestRuntime;
  let accountId: string;
  const start = async (env: Record<string, string> = {}) => {
    rt = await startTestRuntime(env);
    ({ accountId } = await rt.reset('shopify', [sampleOrder()]));
    await addOptOut(rt, accountId, EMAIL);
  };
  afterEach(() => rt.close());

  const expectNothingProcessed = async () => {
    expect(await optOutHashes(rt, accountId)).toHaveLength(1);
    expect(await allComplianceRows(rt)).toEqual([]);
    expect((await getStoreConnection(rt.services.db, accountId))!.sealedCredentials).not.toBeNull();
  };

  describe('refused with 401, nothing processed', () => {
    beforeEach(() => start());

    it.each([
      ['no signature header', { signature: null }],
      ['an empty signature', { signature: '' }],
      ['a signature that is not base64', { signature: '%%%not-base64%%%' }],
      ['a signature of the wrong length', { signature: signBase64('x', 'y').slice(0, 20) }],
      ['a signature made with another secret', { secret: 'not-the-app-secret' }],
    ])('%s', async (_label, delivery) => {
      const res = await deliverShopify(rt, customerRedactPayload(EMAIL), delivery);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
      expect(body.error.code).toBe('unauthorized');
      expect(body.error.requestId).toBeTruthy();
      expect(JSON.stringify(body)).not.toContain(EMAIL);
      await expectNothingProcessed();
    });

    it('a valid signature for a different body (tampered in transit)', async () => {
      const signed = JSON.stringify(customerRedactPayload('someone.else@example.org'));
      const res = await deliverShopify(rt, null, { body: JSON.stringify(customerRedactPayload(EMAIL)), signature: signBase64(rt.config.shopify.apiSecret, signed) });
      expect(res.status).toBe(401);
      await expectNothingProcessed();
    });

    it('a body changed by one byte after signing (whitespace counts: the raw bytes are signed)', async () => {
      const body = JSON.stringify(customerRedactPayload(EMAIL));
      const res = await deliverShopify(rt, null, { body: `${body} `, signature: signBase64(rt.config.shopify.apiSecret, body) });
      expect(res.status).toBe(401);
      await expectNothingProcessed();
    });

    it('before the headers are even looked at (bad signature and no topic is still 401)', async () => {
      const res = await deliverShopify(rt, uninstalledPayload(), { topic: null, secret: 'wrong' });
      expect(res.status).toBe(401);
    });

    it('without an old secret configured, a body signed with a retired secret', async () => {
      const res = await deliverShopify(rt, customerRedactPayload(EMAIL), { secret: 'retired-shopify-secret' });
      expect(res.status).toBe(401);
      await expectNothingProcessed();
    });

    it('logs the refusal without any of the body', async () => {
      await deliverShopify(rt, customerRedactPayload(EMAIL), { secret: 'wrong' });
      const lines = rt.logs.filter((l) => l.includes('shopify.webhook_rejected'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('bad_signature');
      for (const line of rt.logs) expect(line).not.toContain(EMAIL);
    });
  });

  describe('secret rotation', () => {
    beforeEach(() => start({ SHOPIFY_API_SECRET: 'new-shopify-secret', SHOPIFY_API_SECRET_OLD: 'retired-shopify-secret' }));

    it('accepts the current secret', async () => {
      const res = await deliverShopify(rt, customerRedactPayload(EMAIL), { secret: 'new-shopify-secret' });
      expect(res.status).toBe(200);
      expect(await optOutHashes(rt, accountId)).toEqual([]);
    });

    it('accepts the old secret while it is configured', async () => {
      const res = await deliverShopify(rt, customerRedactPayload(EMAIL), { secret: 'retired-shopify-secret' });
      expect(res.status).toBe(200);
      expect(await optOutHashes(rt, accountId)).toEqual([]);
    });

    it('still refuses any other secret', async () => {
      const res = await deliverShopify(rt, customerRedactPayload(EMAIL), { secret: 'sandbox-shopify-secret' });
      expect(res.status).toBe(401);
      await expectNothingProcessed();
    });
  });

  describe('live mode without SHOPIFY_API_SECRET', () => {
    beforeEach(async () => {
      rt = await startTestRuntime({ DRAFTLINE_MODE: 'live', GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 'secret', OPENAI_API_KEY: 'key' });
    });

    it('refuses everything, including bodies signed with the public sandbox placeholder', async () => {
      expect(rt.config.shopify.apiSecret).toBe('sandbox-shopify-secret');
      const res = await deliverShopify(rt, customerRedactPayload(EMAIL), { secret: 'sandbox-shopify-secret' });
      expect(res.status).toBe(401);
      expect(await allComplianceRows(rt)).toEqual([]);
      expect(rt.logs.some((l) => l.includes('no_secret_configured'))).toBe(true);
    });
  });

  describe('headers, after a valid signature', () => {
    beforeEach(() => start());

    it.each([
      ['no X-Shopify-Topic', { topic: null }],
      ['no X-Shopify-Shop-Domain', { shop: null }],
      ['no X-Shopify-Webhook-Id (nothing to deduplicate on)', { webhookId: null }],
      ['a shop domain that is not *.myshopify.com', { shop: 'evil.example.com' }],
    ])('%s → 400, nothing processed', async (_label, delivery) => {
      const res = await deliverShopify(rt, customerRedactPayload(EMAIL), delivery);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request');
      await expectNothingProcessed();
    });

    it('a shop header that disagrees with the signed body → 400 (the header is not signed)', async () => {
      const res = await deliverShopify(rt, customerRedactPayload(EMAIL), { shop: 'other-shop.myshopify.com' });
      expect(res.status).toBe(400);
      await expectNothingProcessed();
    });
  });
});
