/** Byte/text helpers that behave the same on Workers and Node (no Buffer). */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const utf8 = (text: string): Uint8Array => encoder.encode(text);
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes);

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Alphabet index of each char code, base64 and base64url both; -1 for anything else. */
const SEXTET = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++)
  SEXTET['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
SEXTET['-'.charCodeAt(0)] = 62;
SEXTET['_'.charCodeAt(0)] = 63;

/**
 * Accepts base64 and base64url, padded or not. Throws on anything else. A whole raw message goes
 * through here, so it decodes in one pass over the text (atob is a slow JavaScript loop on Node),
 * accepting exactly what atob accepted after padding: at most two '=' in all, never 4n+1 chars.
 */
export function fromBase64(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
  const given = text.length - end;
  const padding = given + ((4 - (text.length % 4)) % 4);
  if (given > 2 || padding > 2 || end % 4 === 1) throw new TypeError('not base64');
  const bytes = new Uint8Array(Math.floor((end * 3) / 4));
  let out = 0;
  let bits = 0;
  let held = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? SEXTET[code]! : -1;
    if (v < 0) throw new TypeError('not base64');
    bits = (bits << 6) | v;
    held += 6;
    if (held >= 8) {
      held -= 8;
      bytes[out++] = (bits >> held) & 0xff;
    }
  }
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
