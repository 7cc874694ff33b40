import { z } from 'zod';
import { fromUtf8, toHex } from '../crypto/encoding';
import { hmacSha256, verifyHmacBase64 } from '../crypto/hmac';
import type { StoreConnection } from '../db/accounts';
import { sealedAs } from '../db/sealed';
import { wooConnectionsAtHost, wooConnectionsOwningWebhook } from '../db/store-connections';
import { ok, type Refused, type Result, refused } from '../platform/result';
import type { Services } from '../services';
import { storeAddress, storeIdentity } from '../stores/store-url';

/**
 * Checks on an incoming WooCommerce webhook. WooCommerce signs each delivery with the webhook's own
 * secret (ours, one per store), so the store is found first by X-WC-Webhook-Source and the
 * signature then checked against that store's secret. An unknown store and a wrong signature get
 * the same answer, so the endpoint does not tell which stores are connected.
 *
 * A delivery that one of our stores signed but that names another address as its source is
 * refused too ('source_mismatch'), but it is told apart, so the handler can count it against that
 * store and the cron stops re-enabling a webhook that can only fail (see pipeline/woo-store-repair.ts).
 */

/** WooCommerce's creation ping: form body `webhook_id=N`, no X-WC-Webhook-* headers, no signature. */
export function isWooPing(rawBody: Uint8Array, signature: string | undefined): boolean {
  return !signature?.trim() && rawBody.length <= 64 && /^webhook_id=\d{1,20}$/.test(fromUtf8(rawBody).trim());
}

export type WooStoreCheck =
  | Result<{ connection: StoreConnection }, 'missing_signature' | 'unknown_store' | 'bad_signature'>
  /** Signed by this store, but its X-WC-Webhook-Source names another store: refused all the same. */
  | Refused<'source_mismatch', { connection: StoreConnection }>;

/** Connections tried for one delivery, at most: each costs an unseal and an HMAC. */
const MAX_CANDIDATES = 20;

export async function identifyWooStore(
  s: Services,
  headers: { source: string | undefined; webhookId: string | undefined; signature: string | undefined },
  rawBody: Uint8Array,
): Promise<WooStoreCheck> {
  const { signature } = headers;
  if (!signature?.trim()) return refused('missing_signature');
  const source = storeAddress(headers.source ?? '');
  const tried: string[] = [];
  const signedBy = async (connection: StoreConnection) => {
    tried.push(connection.id);
    if (!connection.sealedWebhookSecret) return false;
    const secret = await s.sealer.open(connection.sealedWebhookSecret, sealedAs.webhookSecret(connection.id));
    return verifyHmacBase64(secret, rawBody, signature);
  };

  let known = false;
  if (source) {
    // SQL narrows by host (a prefilter only: storeIdentity alone decides, so the rule lives in one place).
    const candidates = await wooConnectionsAtHost(s.db, source.host, MAX_CANDIDATES);
    for (const connection of candidates.filter((c) => storeIdentity(c.storeDomain) === source.identity)) {
      known ||= !!connection.sealedWebhookSecret;
      if (await signedBy(connection)) return ok({ connection });
    }
  }

  // No store by that address took the signature. If a store whose webhook has this id did, it is
  // ours sending under another address (home_url differs from the URL the merchant connected).
  const webhookId = headers.webhookId?.trim() ?? '';
  if (/^\d{1,19}$/.test(webhookId)) {
    const owners = await wooConnectionsOwningWebhook(s.db, webhookId, tried, MAX_CANDIDATES);
    for (const connection of owners) {
      if (await signedBy(connection)) return refused('source_mismatch', { connection });
    }
  }
  return refused(known ? 'bad_signature' : 'unknown_store');
}

// Deleted resources arrive as {id} only; a store that filters payloads may add the address.
const Payload = z.object({ id: z.union([z.number(), z.string()]).nullish(), email: z.string().max(320).nullish() });

export function parseWooPayload(rawBody: Uint8Array): Result<{ email: string | null }, 'malformed_body'> {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(rawBody));
  } catch {
    return refused('malformed_body');
  }
  const parsed = Payload.safeParse(json);
  if (!parsed.success) return refused('malformed_body');
  const email = parsed.data.email?.trim();
  return ok({ email: email ? email : null });
}

/**
 * WooCommerce's X-WC-Webhook-Delivery-ID is a hash of the webhook id and the current second, so two
 * deliveries in the same second share it. The deduplication key is therefore a keyed hash of the
 * delivery id and the exact body: the same delivery sent twice matches, two different ones do not,
 * and the key says nothing about the customer.
 */
export async function wooDeliveryKey(
  hashKey: string,
  deliveryId: string | undefined,
  rawBody: Uint8Array,
): Promise<string> {
  const head = new TextEncoder().encode(`woo-delivery:${deliveryId ?? ''}\n`);
  const data = new Uint8Array(head.length + rawBody.length);
  data.set(head);
  data.set(rawBody, head.length);
  return `wc_${toHex(await hmacSha256(hashKey, data)).slice(0, 40)}`;
}
