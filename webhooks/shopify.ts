import { Hono } from 'hono';
import { accountsForShop } from '../src/compliance/erase';
import { COMPLIANCE_TOPICS as T } from '../src/compliance/records';
import {
  isShopifyTopic,
  parseShopifyPayload,
  readShopifyHeaders,
  shopifyWebhookSecrets,
  verifyShopifySignature,
} from '../src/compliance/shopify-webhook';
import { errorBody } from '../src/http/errors';
import type { Services } from '../src/services';
import { recordAndPerform } from './compliance-request';

/**
 * Shopify webhooks: the mandatory compliance topics (customers/data_request, customers/redact,
 * shop/redact) and app/uninstalled, all declared in shopify.app.toml and delivered here.
 *
 * - The HMAC is checked over the raw bytes before anything is parsed; a bad or missing one is 401,
 *   which is what Shopify's app review tests for.
 * - Only the body is signed, so it alone says what to do: it must be the body of the topic in
 *   X-Shopify-Topic and name the shop in X-Shopify-Shop-Domain, and the shop acted on is the one it
 *   names. A signed body replayed under another topic or shop is refused with 400.
 * - Each delivery is recorded under X-Shopify-Webhook-Id, so a redelivery of finished work is
 *   answered 200 and does nothing twice.
 * - Topics we do not act on are answered 200 and ignored: Shopify counts any other answer as a
 *   failed delivery and retries it (8 times over 4 hours), which would gain nothing.
 * - Unexpected failures answer 500 so that Shopify retries; the record stays open until done.
 * - The body's personal data is used for one thing, a keyed hash of the customer's address, and
 *   never stored, logged or put in an error.
 */
export interface ShopifyWebhookOptions {
  /** How long to work before answering anyway (Shopify waits 5 s). */
  budgetMs?: number;
}

export function shopifyWebhook(s: Services, options: ShopifyWebhookOptions = {}) {
  const budgetMs = options.budgetMs ?? 4_000;
  return new Hono().post('/', async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());

    const signature = await verifyShopifySignature(
      raw,
      c.req.header('x-shopify-hmac-sha256'),
      shopifyWebhookSecrets(s.config),
    );
    if (!signature.ok) {
      s.logger.warn('shopify.webhook_rejected', { reason: signature.reason });
      return c.json(errorBody(c, 'unauthorized', 'Invalid webhook signature.'), 401);
    }

    const headers = readShopifyHeaders((name) => c.req.header(name));
    if (!headers.ok) {
      s.logger.warn('shopify.webhook_rejected', { reason: headers.reason });
      return c.json(errorBody(c, 'bad_request', 'Missing or invalid Shopify webhook headers.'), 400);
    }
    const { topic, webhookId } = headers;
    if (!isShopifyTopic(topic)) {
      s.logger.info('shopify.webhook_ignored', { reason: 'unknown_topic' });
      return c.body(null, 200);
    }

    const body = parseShopifyPayload(topic, headers.shop, raw);
    if (!body.ok) {
      s.logger.warn('shopify.webhook_rejected', { reason: body.reason });
      // 400, not 401: the signature was good, so this is an authentic body sent with headers that do
      // not fit it (another topic, another shop), a bad request like the missing headers above.
      return c.json(errorBody(c, 'bad_request', 'Malformed webhook body.'), 400);
    }

    // From here on the shop is the signed body's (the header only had to agree with it).
    const { shop } = body.payload;
    const concernsCustomer = topic === T.shopifyDataRequest || topic === T.shopifyCustomerRedact;
    const email = concernsCustomer ? body.payload.email : null;
    const [accountId] = await accountsForShop(s.db, shop);
    return recordAndPerform(
      s,
      c,
      { source: 'shopify', topic, accountId: accountId ?? null, storeDomain: shop, externalId: webhookId, email },
      { budgetMs, log: 'shopify' },
    );
  });
}
