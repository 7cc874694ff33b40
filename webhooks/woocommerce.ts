import { Hono } from 'hono';
import { COMPLIANCE_TOPICS as T } from '../src/compliance/records';
import { identifyWooStore, isWooPing, parseWooPayload, wooDeliveryKey } from '../src/compliance/woocommerce-webhook';
import { errorBody } from '../src/http/errors';
import type { Services } from '../src/services';
import { recordWooSourceMismatch } from '../src/db/store-connections';
import { recordAndPerform } from './compliance-request';

/**
 * WooCommerce webhooks, registered per store by src/accounts/woo-webhook-registration.ts.
 *
 * - The creation ping (form body `webhook_id=N`, unsigned) is answered 200: WooCommerce wants
 *   exactly 200 there and shows anything else as an error.
 * - Every other delivery must carry a valid X-WC-Webhook-Signature for the store named in
 *   X-WC-Webhook-Source (matched on its identity: scheme, www., trailing slash aside, see
 *   storeIdentity); otherwise 401, and the same 401 whether the store is unknown or the signature
 *   wrong. One of our stores signing under another address gets that 401 too, but is counted
 *   against the store and marks its webhooks failing, so the merchant is told and the cron does
 *   not re-enable them in a loop.
 * - customer.deleted erases what we hold for that customer. Stock WooCommerce sends only `{id}`
 *   for deleted resources, and we key nothing to store customer ids; when a payload also carries
 *   the address, the opt-out for it is erased. Either way the request is recorded.
 * - WooCommerce never retries, so failures are answered 500 only when the work really failed; the
 *   record then stays open for the cron to queue (resumeComplianceRequest).
 */
export interface WooCommerceWebhookOptions {
  budgetMs?: number;
}

const ERASURE_TOPICS = new Set<string>([T.wooCustomerDeleted]);

export function wooCommerceWebhook(s: Services, options: WooCommerceWebhookOptions = {}) {
  const budgetMs = options.budgetMs ?? 4_000;
  return new Hono().post('/', async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const signature = c.req.header('x-wc-webhook-signature');
    if (isWooPing(raw, signature)) {
      s.logger.info('woo.webhook_ping');
      return c.body(null, 200);
    }

    const store = await identifyWooStore(
      s,
      { source: c.req.header('x-wc-webhook-source'), webhookId: c.req.header('x-wc-webhook-id'), signature },
      raw,
    );
    if (!store.ok) {
      if (store.reason === 'source_mismatch') {
        await recordWooSourceMismatch(s.db, store.connection, s.now());
        s.logger.warn('woo.webhook_rejected', { accountId: store.connection.accountId, reason: store.reason });
      } else {
        s.logger.warn('woo.webhook_rejected', { reason: store.reason });
      }
      return c.json(errorBody(c, 'unauthorized', 'Invalid webhook signature.'), 401);
    }
    const { connection } = store;

    const topic = c.req.header('x-wc-webhook-topic')?.trim().toLowerCase() ?? '';
    if (!ERASURE_TOPICS.has(topic)) {
      s.logger.info('woo.webhook_ignored', { accountId: connection.accountId, reason: 'unhandled_topic' });
      return c.body(null, 200);
    }

    const body = parseWooPayload(raw);
    if (!body.ok) {
      s.logger.warn('woo.webhook_rejected', { accountId: connection.accountId, reason: body.reason });
      return c.json(errorBody(c, 'bad_request', 'Malformed webhook body.'), 400);
    }

    return recordAndPerform(
      s,
      c,
      {
        source: 'woocommerce',
        topic,
        accountId: connection.accountId,
        storeDomain: connection.storeDomain,
        externalId: await wooDeliveryKey(s.config.secrets.hashKey, c.req.header('x-wc-webhook-delivery-id'), raw),
        email: body.email,
      },
      { budgetMs, log: 'woo' },
    );
  });
}
