import { fromBase64, fromUtf8, toBase64Url, utf8 } from './encoding';

/**
 * Seals secrets at rest (refresh tokens, store tokens, API keys) with AES-256-GCM via WebCrypto.
 *
 * Format: `v1.<keyId>.<iv b64url>.<ciphertext+tag b64url>`. The key id lets a rotated key keep
 * opening older values; the associated data binds a sealed value to its row, so a value copied
 * into another row (or another column) fails to open instead of quietly working.
 */

export interface SealingKey {
  id: string;
  key: Uint8Array;
}

export interface Sealer {
  seal(plaintext: string, associatedData: string): Promise<string>;
  open(sealed: string, associatedData: string): Promise<string>;
}

export class SealError extends Error {
  constructor(readonly reason: 'format' | 'unknown_key' | 'tampered') {
    super(`sealed value could not be opened: ${reason}`);
    this.name = 'SealError';
  }
}

const VERSION = 'v1';
const IV_BYTES = 12;

/** Values opened recently, kept in memory like the OAuth clients built from them (services.ts). */
const OPENED_MAX = 500;

export function createSealer(current: SealingKey, older: SealingKey[] = []): Sealer {
  const keys = new Map<string, Promise<CryptoKey>>();
  for (const k of [current, ...older]) keys.set(k.id, importKey(k.key));
  const currentKey = keys.get(current.id)!;
  // Every sync opens the same refresh token and store credentials again: an AES-GCM decryption
  // each. The exact sealed text and its associated data are the key, so a changed or moved value
  // is opened (and checked) afresh; a failure is never remembered.
  const opened = new Map<string, string>();

  return {
    async seal(plaintext, associatedData) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      return sealWithIv(await currentKey, current.id, iv, plaintext, associatedData);
    },
    async open(sealed, associatedData) {
      const cacheKey = `${associatedData}\n${sealed}`;
      const known = opened.get(cacheKey);
      if (known !== undefined) {
        opened.delete(cacheKey);
        opened.set(cacheKey, known); // most recently used last
        return known;
      }
      const plain = await openSealed(sealed, associatedData);
      opened.set(cacheKey, plain);
      if (opened.size > OPENED_MAX) opened.delete(opened.keys().next().value!);
      return plain;
    },
  };

  async function openSealed(sealed: string, associatedData: string): Promise<string> {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SealError('format');
    const [, keyId, ivText, dataText] = parts as [string, string, string, string];
    const key = keys.get(keyId);
    if (!key) throw new SealError('unknown_key');
    let iv: Uint8Array;
    let data: Uint8Array;
    try {
      iv = fromBase64(ivText);
      data = fromBase64(dataText);
    } catch {
      throw new SealError('format');
    }
    if (iv.length !== IV_BYTES) throw new SealError('format');
    try {
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: iv as BufferSource, additionalData: utf8(associatedData) as BufferSource },
        await key,
        data as BufferSource,
      );
      return fromUtf8(new Uint8Array(plain));
    } catch {
      throw new SealError('tampered');
    }
  }
}

/** Exposed for known-vector tests; production code always uses a random IV through createSealer. */
export async function sealWithIv(
  key: CryptoKey,
  keyId: string,
  iv: Uint8Array,
  plaintext: string,
  associatedData: string,
): Promise<string> {
  const cipher = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: iv as BufferSource, additionalData: utf8(associatedData) as BufferSource },
    key,
    utf8(plaintext) as BufferSource,
  );
  return [VERSION, keyId, toBase64Url(iv), toBase64Url(new Uint8Array(cipher))].join('.');
}

export function importKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== 32) throw new TypeError('AES-256 needs a 32-byte key');
  return crypto.subtle.importKey('raw', raw as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt']);
}
