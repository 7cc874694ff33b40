import { fromBase64, toHex, utf8 } from './encoding';

/** HMAC-SHA256 helpers on WebCrypto. Verification uses subtle.verify, which compares in constant time. */

const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', utf8(secret) as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keyCache.set(secret, key);
  }
  return key;
}

export async function hmacSha256(secret: string, data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? utf8(data) : data;
  return new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), bytes as BufferSource));
}

/** True when `signatureBase64` is the HMAC-SHA256 of `data` under `secret`. Malformed input is simply false. */
export async function verifyHmacBase64(
  secret: string,
  data: Uint8Array | string,
  signatureBase64: string,
): Promise<boolean> {
  let signature: Uint8Array;
  try {
    signature = fromBase64(signatureBase64.trim());
  } catch {
    return false;
  }
  if (signature.length !== 32) return false;
  const bytes = typeof data === 'string' ? utf8(data) : data;
  return crypto.subtle.verify('HMAC', await hmacKey(secret), signature as BufferSource, bytes as BufferSource);
}

/**
 * Keyed hash of an end customer's email address: how opt-outs and compliance records match a person
 * without ever storing the address. Normalised so "Jane@Example.COM " and "jane@example.com" agree.
 */
export async function hashAddress(hashKey: string, address: string): Promise<string> {
  return toHex(await hmacSha256(hashKey, normaliseAddress(address)));
}

export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}
