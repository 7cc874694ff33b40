import { z } from 'zod';
import { SANDBOX_PLACEHOLDERS, type Config } from '../config';
import { verifyHmacBase64 } from '../crypto/hmac';
import { fromUtf8 } from '../crypto/encoding';
import { ok, type Result, refused } from '../platform/result';
import { SHOP_DOMAIN } from '../stores/shopify-install';
import { COMPLIANCE_TOPICS as T } from './records';

/**
 * Checks on an incoming Shopify webhook, in the order the handler applies them: signature first
 * (over the raw bytes, before anything is parsed), then the headers, then the body. Each returns
 * data; webhooks/shopify.ts maps a refusal to its HTTP status.
 */

/** The topics Draftline acts on. Anything else is acknowledged and ignored. */
export const SHOPIFY_TOPICS = [
  T.shopifyDataRequest,
  T.shopifyCustomerRedact,
  T.shopifyShopRedact,
  T.shopifyUninstalled,
] as const;
export type ShopifyTopic = (typeof SHOPIFY_TOPICS)[number];

/** In the sandbox, config.ts fills SHOPIFY_API_SECRET with this public placeholder when it is not set. */
const PLACEHOLDER_SECRET = SANDBOX_PLACEHOLDERS.shopifyApiSecret;

/**
 * The secrets a Shopify webhook may be signed with: the app secret, and the old one during a
 * rotation. In live mode the sandbox placeholder is never one of them: it is public, and accepting
 * it would let anyone forge shop/redact (config.ts never fills it in live mode; this is the second
 * lock, in case someone sets it by hand). With no real secret configured, every webhook is refused.
 */
export function shopifyWebhookSecrets(config: Pick<Config, 'mode' | 'shopify'>): string[] {
  const secrets = [config.shopify.apiSecret, config.shopify.oldApiSecret ?? ''].filter(Boolean);
  return config.mode === 'live' ? secrets.filter((s) => s !== PLACEHOLDER_SECRET) : secrets;
}

/**
 * X-Shopify-Hmac-Sha256 is base64 HMAC-SHA256 of the raw body with the app secret. During a secret
 * rotation Shopify may still sign with the old one, so both are tried; each comparison is constant
 * time (timingSafeEqual), and both always run so timing does not tell which secret matched.
 */
export async function verifyShopifySignature(
  rawBody: Uint8Array,
  signature: string | undefined,
  secrets: readonly string[],
): Promise<Result<object, 'missing_signature' | 'no_secret_configured' | 'bad_signature'>> {
  if (!signature?.trim()) return refused('missing_signature');
  if (!secrets.length) return refused('no_secret_configured');
  const results = await Promise.all(
    secrets.filter(Boolean).map((secret) => verifyHmacBase64(secret, rawBody, signature)),
  );
  return results.some(Boolean) ? ok() : refused('bad_signature');
}

export interface ShopifyHeaders {
  topic: string;
  shop: string;
  webhookId: string;
}

export function readShopifyHeaders(
  header: (name: string) => string | undefined,
): Result<ShopifyHeaders, 'missing_header' | 'invalid_shop'> {
  const topic = header('x-shopify-topic')?.trim();
  const shop = header('x-shopify-shop-domain')?.trim().toLowerCase();
  const webhookId = header('x-shopify-webhook-id')?.trim();
  if (!topic || !shop) return refused('missing_header');
  if (!SHOP_DOMAIN.test(shop)) return refused('invalid_shop');
  if (!webhookId || webhookId.length > 128) return refused('missing_header');
  return ok({ topic, shop, webhookId });
}

export function isShopifyTopic(topic: string): topic is ShopifyTopic {
  return (SHOPIFY_TOPICS as readonly string[]).includes(topic);
}

const Id = z.union([z.number(), z.string()]);
const Customer = z.object({
  id: Id.nullish(),
  email: z.string().max(320).nullish(),
  phone: z.string().max(64).nullish(),
});
const Ids = z.array(Id).max(100_000);
const ShopName = z.string().max(255);
/** A field that belongs to another topic's body: it must not be there at all (not even as null). */
const absent = z.never().optional();

/**
 * One schema per topic. Only the body is signed; the X-Shopify-Topic header is not, so a signed body
 * relabelled under another topic must fit no schema but its own. Each schema requires the fields that
 * make its topic what it is and forbids the fields that make the others what they are, which makes
 * the four mutually exclusive: customers/data_request alone has `data_request`, customers/redact alone
 * `orders_to_redact`, shop/redact has `shop_domain` and no `customer`, app/uninstalled (the Shop
 * resource) has `myshopify_domain` and no `shop_domain`.
 *
 * Other fields are allowed and ignored: Shopify adds fields to payloads without notice, and refusing a
 * genuine compliance request over a new field would leave it undone once Shopify stops retrying.
 */
const PAYLOADS = {
  [T.shopifyDataRequest]: z.object({
    shop_domain: ShopName,
    customer: Customer,
    orders_requested: Ids.nullish(),
    data_request: z.object({ id: Id }),
    orders_to_redact: absent,
    myshopify_domain: absent,
  }),
  [T.shopifyCustomerRedact]: z.object({
    shop_domain: ShopName,
    customer: Customer,
    orders_to_redact: Ids,
    data_request: absent,
    orders_requested: absent,
    myshopify_domain: absent,
  }),
  [T.shopifyShopRedact]: z.object({
    shop_domain: ShopName,
    customer: absent,
    data_request: absent,
    orders_requested: absent,
    orders_to_redact: absent,
    myshopify_domain: absent,
  }),
  // app/uninstalled carries the Shop resource; its myshopify_domain names the shop (`domain` is the
  // storefront's own domain, which the merchant may change, so it names nothing we can check).
  [T.shopifyUninstalled]: z.object({
    myshopify_domain: ShopName,
    shop_domain: absent,
    customer: absent,
    data_request: absent,
    orders_requested: absent,
    orders_to_redact: absent,
  }),
} satisfies Record<ShopifyTopic, z.ZodType>;

/**
 * What the handler needs from a body: the shop it concerns (from the signed body, never the header)
 * and the customer's address if the topic names one. Nothing else is kept.
 */
export interface ShopifyPayload {
  shop: string;
  email: string | null;
}

/**
 * Parses the (already authenticated) body for a known topic. The body must be that topic's body,
 * and the shop named inside it must be the one in the unsigned X-Shopify-Shop-Domain header.
 * Refusals: `malformed_body` (no topic's shape), `wrong_topic_body` (another topic's body under this
 * topic's header), `shop_mismatch`.
 */
export function parseShopifyPayload(
  topic: ShopifyTopic,
  headerShop: string,
  rawBody: Uint8Array,
): Result<{ payload: ShopifyPayload }, 'malformed_body' | 'wrong_topic_body' | 'shop_mismatch'> {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(rawBody));
  } catch {
    return refused('malformed_body');
  }
  const parsed = PAYLOADS[topic].safeParse(json);
  if (!parsed.success) {
    const fitsAnother = SHOPIFY_TOPICS.some((other) => other !== topic && PAYLOADS[other].safeParse(json).success);
    return refused(fitsAnother ? 'wrong_topic_body' : 'malformed_body');
  }
  const data = parsed.data as { shop_domain?: string; myshopify_domain?: string; customer?: z.infer<typeof Customer> };
  const shop = (data.shop_domain ?? data.myshopify_domain ?? '').trim().toLowerCase();
  if (shop !== headerShop) return refused('shop_mismatch');
  const email = data.customer?.email?.trim();
  return ok({ payload: { shop, email: email ? email : null } });
}
