import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { fromUtf8, toHex } from '../crypto/encoding';
import { hmacSha256, verifyHmacBase64 } from '../crypto/hmac';
import type { StoreConnection } from '../db/accounts';
import { storeConnections } from '../db/schema';
import { sealedAs, type Services } from '../services';
import type { Check } from './shopify-webhook';

/**
 * Checks on an incoming WooCommerce webhook. WooCommerce signs each delivery with the webhook's own
 * secret (ours, one per store), so the store is found first by X-WC-Webhook-Source and the
 * signature then checked against that store's secret. An unknown store and a wrong signature get
 * the same answer, so the endpoint does not tell which stores are connected.
 */

/** WooCommerce's creation ping: form body `webhook_id=N`, no X-WC-Webhook-* headers, no signature. */
export function isWooPing(rawBody: Uint8Array, signature: string | undefined): boolean {
  return !signature?.trim() && rawBody.length <= 64 && /^webhook_id=\d{1,20}$/.test(fromUtf8(rawBody).trim());
}

/** Store URLs compare without scheme, case or trailing slashes: X-WC-Webhook-Source is home_url('/'). */
export function normaliseStoreUrl(url: string): string {
  return url.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

export async function identifyWooStore(
  s: Services,
  source: string | undefined,
  signature: string | undefined,
  rawBody: Uint8Array,
): Promise<Check<{ connection: StoreConnection }>> {
  if (!signature?.trim()) return { valid: false, reason: 'missing_signature' };
  if (!source?.trim() || source.length > 2048) return { valid: false, reason: 'unknown_store' };
  const candidates = await s.db.query.storeConnections.findMany({
    where: and(
      eq(storeConnections.kind, 'woocommerce'),
      sql`replace(replace(rtrim(lower(${storeConnections.storeDomain}), '/'), 'https://', ''), 'http://', '') = ${normaliseStoreUrl(source)}`,
    ),
  });
  let known = false;
  for (const connection of candidates) {
    if (!connection.sealedWebhookSecret) continue;
    known = true;
    const secret = await s.sealer.open(connection.sealedWebhookSecret, sealedAs.webhookSecret(connection.id));
    if (await verifyHmacBase64(secret, rawBody, signature)) return { valid: true, connection };
  }
  return { valid: false, reason: known ? 'bad_signature' : 'unknown_store' };
}

// Deleted resources arrive as {id} only; a store that filters payloads may add the address.
const Payload = z.object({ id: z.union([z.number(), z.string()]).nullish(), email: z.string().max(320).nullish() });

export function parseWooPayload(rawBody: Uint8Array): Check<{ email: string | null }> {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(rawBody));
  } catch {
    return { valid: false, reason: 'malformed_body' };
  }
  const parsed = Payload.safeParse(json);
  if (!parsed.success) return { valid: false, reason: 'malformed_body' };
  const email = parsed.data.email?.trim();
  return { valid: true, email: email ? email : null };
}

/**
 * WooCommerce's X-WC-Webhook-Delivery-ID is a hash of the webhook id and the current second, so two
 * deliveries in the same second share it. The deduplication key is therefore a keyed hash of the
 * delivery id and the exact body: the same delivery sent twice matches, two different ones do not,
 * and the key says nothing about the customer.
 */
export async function wooDeliveryKey(hashKey: string, deliveryId: string | undefined, rawBody: Uint8Array): Promise<string> {
  const head = new TextEncoder().encode(`woo-delivery:${deliveryId ?? ''}\n`);
  const data = new Uint8Array(head.length + rawBody.length);
  data.set(head);
  data.set(rawBody, head.length);
  return `wc_${toHex(await hmacSha256(hashKey, data)).slice(0, 40)}`;
}
