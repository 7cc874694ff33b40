import { createHmac, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { connectStore, createAccount } from '../../src/accounts/connect';
import { hashAddress } from '../../src/crypto/hmac';
import { complianceRequests, optOuts, storeConnections } from '../../src/db/schema';
import { sealedAs } from '../../src/db/sealed';
import type { Config } from '../../src/config';
import { SANDBOX_SHOP } from '../../src/sandbox';
import type { TestRuntime } from './runtime';

/** Helpers for the compliance tests: tests sign their own webhook bodies, as Shopify and WooCommerce do. */

export const signBase64 = (secret: string, body: string | Buffer) =>
  createHmac('sha256', secret).update(body).digest('base64');

export interface ShopifyDelivery {
  topic?: string | null;
  shop?: string | null;
  webhookId?: string | null;
  secret?: string;
  /** Overrides the computed signature (null: no header at all). */
  signature?: string | null;
  body?: string;
}

/** POST /webhooks/shopify the way Shopify delivers: JSON body, HMAC of the raw bytes, its headers. */
export async function deliverShopify(rt: TestRuntime, payload: unknown, d: ShopifyDelivery = {}) {
  return rt.request('/webhooks/shopify', shopifyWebhook(rt.config.shopify, payload, d));
}

/** The request Shopify sends for a webhook (to the app in-process here, to workerd in test/worker). */
export function shopifyWebhook(
  app: Pick<Config['shopify'], 'apiSecret' | 'apiVersion'>,
  payload: unknown,
  d: ShopifyDelivery = {},
): RequestInit {
  const body = d.body ?? JSON.stringify(payload);
  const secret = d.secret ?? app.apiSecret;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-shopify-api-version': app.apiVersion,
    'x-shopify-triggered-at': new Date().toISOString(),
  };
  const signature = d.signature === undefined ? signBase64(secret, body) : d.signature;
  if (signature !== null) headers['x-shopify-hmac-sha256'] = signature;
  const topic = d.topic === undefined ? 'customers/redact' : d.topic;
  if (topic !== null) headers['x-shopify-topic'] = topic;
  const shop = d.shop === undefined ? SANDBOX_SHOP : d.shop;
  if (shop !== null) headers['x-shopify-shop-domain'] = shop;
  const webhookId = d.webhookId === undefined ? randomUUID() : d.webhookId;
  if (webhookId !== null) headers['x-shopify-webhook-id'] = webhookId;
  return { method: 'POST', headers, body };
}

export const dataRequestPayload = (email: string | null, shop = SANDBOX_SHOP) => ({
  shop_id: 954889,
  shop_domain: shop,
  orders_requested: [299938, 280263],
  customer: { id: 191167, email, phone: '555-625-1199' },
  data_request: { id: 9999 },
});

export const customerRedactPayload = (email: string | null, shop = SANDBOX_SHOP) => ({
  shop_id: 954889,
  shop_domain: shop,
  customer: { id: 191167, email, phone: '555-625-1199' },
  orders_to_redact: [299938, 280263],
});

export const shopRedactPayload = (shop = SANDBOX_SHOP) => ({ shop_id: 954889, shop_domain: shop });

/** app/uninstalled carries the Shop resource (the merchant's own details). */
export const uninstalledPayload = (shop = SANDBOX_SHOP) => ({
  id: 954889,
  name: 'Sandbox Shop',
  email: 'owner@sandbox-shop.example',
  domain: 'shop.example',
  myshopify_domain: shop,
  country: 'FR',
});

export async function addOptOut(rt: TestRuntime, accountId: string, email: string): Promise<string> {
  const addressHash = await hashAddress(rt.config.secrets.hashKey, email);
  await rt.services.db.insert(optOuts).values({ accountId, addressHash, createdAt: Date.now() }).onConflictDoNothing();
  return addressHash;
}

export async function optOutHashes(rt: TestRuntime, accountId: string): Promise<string[]> {
  const rows = await rt.services.db.query.optOuts.findMany({ where: eq(optOuts.accountId, accountId) });
  return rows.map((r) => r.addressHash);
}

export async function allComplianceRows(rt: TestRuntime) {
  return rt.services.db.select().from(complianceRequests);
}

/** An account with a Shopify store and no Gmail connection (so shop/redact leaves nothing of it). */
export async function shopOnlyAccount(rt: TestRuntime, shop: string, settings: { shopName?: string } = {}) {
  const accountId = await createAccount(rt.services, { shopName: settings.shopName ?? null });
  await connectStore(rt.services, {
    accountId,
    storeDomain: shop,
    credentials: { kind: 'shopify', accessToken: `shpat_${randomUUID().replace(/-/g, '')}` },
    scopes: 'read_orders',
  });
  return accountId;
}

/** The sandbox WooCommerce store's REST root and home URL (X-WC-Webhook-Source is home_url('/')). */
export const wooStoreUrl = (rt: TestRuntime) => `${rt.config.appUrl}/sandbox/woocommerce`;

export async function wooConnection(rt: TestRuntime, accountId: string) {
  const connection = (await rt.services.db.query.storeConnections.findFirst({
    where: eq(storeConnections.accountId, accountId),
  }))!;
  const credentials = JSON.parse(
    await rt.services.sealer.open(connection.sealedCredentials!, sealedAs.storeCredentials(connection.id)),
  ) as {
    consumerKey: string;
    consumerSecret: string;
  };
  const webhookSecret = connection.sealedWebhookSecret
    ? await rt.services.sealer.open(connection.sealedWebhookSecret, sealedAs.webhookSecret(connection.id))
    : null;
  return { connection, ...credentials, webhookSecret };
}

export interface WooDelivery {
  topic?: string;
  source?: string | null;
  secret?: string;
  signature?: string | null;
  deliveryId?: string;
  body?: string;
  contentType?: string;
}

/** POST /webhooks/woocommerce as WC_Webhook::deliver sends it. */
export async function deliverWoo(rt: TestRuntime, payload: unknown, d: WooDelivery & { secret: string }) {
  const body = d.body ?? JSON.stringify(payload);
  const topic = d.topic ?? 'customer.deleted';
  const headers: Record<string, string> = {
    'content-type': d.contentType ?? 'application/json',
    'x-wc-webhook-topic': topic,
    'x-wc-webhook-resource': topic.split('.')[0]!,
    'x-wc-webhook-event': topic.split('.')[1] ?? '',
    'x-wc-webhook-id': '101',
    'x-wc-webhook-delivery-id': d.deliveryId ?? randomUUID().replace(/-/g, ''),
  };
  const source = d.source === undefined ? `${wooStoreUrl(rt)}/` : d.source;
  if (source !== null) headers['x-wc-webhook-source'] = source;
  const signature = d.signature === undefined ? signBase64(d.secret, body) : d.signature;
  if (signature !== null) headers['x-wc-webhook-signature'] = signature;
  return rt.request('/webhooks/woocommerce', { method: 'POST', headers, body });
}

/** GET /opt-out/:accountId and the anti-forgery token it hands out. */
export async function openForm(rt: TestRuntime, accountId: string) {
  const res = await rt.request(`/opt-out/${accountId}`);
  const html = await res.text();
  const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
  return { res, html, token: token! };
}

export async function submitForm(
  rt: TestRuntime,
  accountId: string,
  fields: { email: string; token: string },
  headers: Record<string, string> = { origin: rt.config.appUrl, 'cf-connecting-ip': '203.0.113.7' },
) {
  return rt.request(`/opt-out/${accountId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}
