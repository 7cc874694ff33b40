import { beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_PLACEHOLDERS } from '../../src/config';
import { getAccount, getStoreConnection } from '../../src/db/accounts';
import { SANDBOX_SHOP } from '../../src/sandbox';
import {
  addOptOut,
  allComplianceRows,
  customerRedactPayload,
  dataRequestPayload,
  deliverShopify,
  optOutHashes,
  shopRedactPayload,
  signBase64,
  uninstalledPayload,
} from '../support/compliance';
import { APP_URL, LIVE_ENV, sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/**
 * POST /webhooks/shopify, security: the HMAC is checked over the raw body before anything is read,
 * a refusal processes nothing, and no answer or log line echoes the body.
 */
const EMAIL = 'jane.secret@example.net';

describe('Shopify webhooks: signature', () => {
  let rt: TestRuntime;
  let accountId: string;
  const start = async (env: Record<string, string> = {}) => {
    rt = await runtimeForTest(env);
    ({ accountId } = await rt.reset('shopify', [sampleOrder()]));
    await addOptOut(rt, accountId, EMAIL);
  };

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
      const res = await deliverShopify(rt, null, {
        body: JSON.stringify(customerRedactPayload(EMAIL)),
        signature: signBase64(rt.config.shopify.apiSecret, signed),
      });
      expect(res.status).toBe(401);
      await expectNothingProcessed();
    });

    it('a body changed by one byte after signing (whitespace counts: the raw bytes are signed)', async () => {
      const body = JSON.stringify(customerRedactPayload(EMAIL));
      const res = await deliverShopify(rt, null, {
        body: `${body} `,
        signature: signBase64(rt.config.shopify.apiSecret, body),
      });
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
    // A Shopify secret alone is half a live configuration; the sandbox has to be asked for by name.
    beforeEach(() =>
      start({
        DRAFTLINE_MODE: 'sandbox',
        SHOPIFY_API_SECRET: 'new-shopify-secret',
        SHOPIFY_API_SECRET_OLD: 'retired-shopify-secret',
      }),
    );

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
      const res = await deliverShopify(rt, customerRedactPayload(EMAIL), {
        secret: SANDBOX_PLACEHOLDERS.shopifyApiSecret,
      });
      expect(res.status).toBe(401);
      await expectNothingProcessed();
    });
  });

  describe('live mode without SHOPIFY_API_SECRET', () => {
    beforeEach(async () => {
      rt = await runtimeForTest({ ...LIVE_ENV, APP_URL });
    });

    it('refuses everything, including bodies signed with the public sandbox placeholder', async () => {
      expect(rt.config.shopify.apiSecret).toBe('');
      const res = await deliverShopify(rt, customerRedactPayload(EMAIL), {
        secret: SANDBOX_PLACEHOLDERS.shopifyApiSecret,
      });
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

  /**
   * Only the body is signed. The topic, shop and webhook id headers are not, so a signed body
   * captured for one purpose must not be replayed for another: the shop acted on is the one in the
   * signed body, and the body must have the shape of the topic it is delivered under.
   */
  describe('the signed body, not the headers, says what to do and to which shop', () => {
    const OTHER_SHOP = 'other-shop.myshopify.com';
    beforeEach(() => start());

    const expectStoreIntact = async () => {
      const store = await getStoreConnection(rt.services.db, accountId);
      expect(store).toMatchObject({ status: 'active', storeDomain: SANDBOX_SHOP });
      expect(store!.sealedCredentials).not.toBeNull();
      expect((await getAccount(rt.services.db, accountId))!.paused).toBe(false);
      expect(await optOutHashes(rt, accountId)).toHaveLength(1);
      expect(await allComplianceRows(rt)).toEqual([]);
    };

    it.each([
      ["another shop's uninstall", uninstalledPayload(OTHER_SHOP)],
      ['an uninstall body whose myshopify_domain is null', { ...uninstalledPayload(), myshopify_domain: null }],
      [
        'an uninstall body without myshopify_domain (only the storefront domain)',
        (({ myshopify_domain: _, ...rest }) => rest)(uninstalledPayload(OTHER_SHOP)),
      ],
      ["another shop's shop/redact relabelled as app/uninstalled", shopRedactPayload(OTHER_SHOP)],
      ["another shop's customers/redact relabelled as app/uninstalled", customerRedactPayload(EMAIL, OTHER_SHOP)],
    ])(
      'app/uninstalled replayed with this shop in the header and a fresh webhook id: %s → 400, nothing uninstalled',
      async (_label, payload) => {
        const res = await deliverShopify(rt, payload, { topic: 'app/uninstalled', shop: SANDBOX_SHOP });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request');
        await expectStoreIntact();
      },
    );

    it('app/uninstalled names the shop in any letter case, as long as it is the one in the header', async () => {
      const res = await deliverShopify(rt, uninstalledPayload('Sandbox-Shop.myshopify.com'), {
        topic: 'app/uninstalled',
        shop: SANDBOX_SHOP,
      });
      expect(res.status).toBe(200);
      expect((await getStoreConnection(rt.services.db, accountId))!.sealedCredentials).toBeNull();
    });

    it.each([
      [
        'customers/data_request relabelled as shop/redact',
        dataRequestPayload(EMAIL),
        'shop/redact',
        'wrong_topic_body',
      ],
      ['customers/redact relabelled as shop/redact', customerRedactPayload(EMAIL), 'shop/redact', 'wrong_topic_body'],
      [
        'a Shop resource with a shop_domain added, as shop/redact (fits no topic)',
        { ...uninstalledPayload(), shop_domain: SANDBOX_SHOP },
        'shop/redact',
        'malformed_body',
      ],
      ['shop/redact relabelled as customers/redact', shopRedactPayload(), 'customers/redact', 'wrong_topic_body'],
      [
        'customers/data_request relabelled as customers/redact',
        dataRequestPayload(EMAIL),
        'customers/redact',
        'wrong_topic_body',
      ],
      [
        'customers/redact relabelled as customers/data_request',
        customerRedactPayload(EMAIL),
        'customers/data_request',
        'wrong_topic_body',
      ],
      [
        'shop/redact relabelled as customers/data_request',
        shopRedactPayload(),
        'customers/data_request',
        'wrong_topic_body',
      ],
    ])('%s → 400, nothing erased or recorded', async (_label, payload, topic, reason) => {
      const res = await deliverShopify(rt, payload, { topic });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; requestId: string } };
      expect(body.error.code).toBe('bad_request');
      expect(body.error.requestId).toBeTruthy();
      expect(JSON.stringify(body)).not.toContain(EMAIL);
      await expectStoreIntact();
      expect(rt.logs.some((l) => l.includes('shopify.webhook_rejected') && l.includes(reason))).toBe(true);
    });

    it.each([
      ['customers/data_request', dataRequestPayload(EMAIL)],
      ['customers/redact', customerRedactPayload(EMAIL)],
      ['shop/redact', shopRedactPayload()],
      ['app/uninstalled', uninstalledPayload()],
    ])('a genuine %s body with fields Shopify may add later is still accepted', async (topic, payload) => {
      const res = await deliverShopify(rt, { ...payload, added_by_shopify_later: { anything: true } }, { topic });
      expect(res.status).toBe(200);
      expect(await allComplianceRows(rt)).toHaveLength(1);
    });
  });
});
