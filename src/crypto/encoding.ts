/** Byte/text helpers that behave the same on Workers and Node (no Buffer). */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const utf8 = (text: string): Uint8Array => encoder.encode(text);
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes);

const BASE64 = utf8('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const BASE64URL = utf8('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');

/**
 * Writes the ASCII of the encoding into bytes and decodes them once: a whole draft goes through
 * here, and string concatenation or btoa over a binary string costs several times more.
 */
function encode(bytes: Uint8Array, alphabet: Uint8Array, pad: boolean): string {
  const whole = bytes.length - (bytes.length % 3);
  const rest = bytes.length - whole;
  const out = new Uint8Array((whole / 3) * 4 + (rest === 0 ? 0 : pad ? 4 : rest + 1));
  let o = 0;
  for (let i = 0; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = alphabet[n >> 18]!;
    out[o++] = alphabet[(n >> 12) & 63]!;
    out[o++] = alphabet[(n >> 6) & 63]!;
    out[o++] = alphabet[n & 63]!;
  }
  if (rest) {
    const n = (bytes[whole]! << 16) | (rest === 2 ? bytes[whole + 1]! << 8 : 0);
    out[o++] = alphabet[n >> 18]!;
    out[o++] = alphabet[(n >> 12) & 63]!;
    if (rest === 2) out[o++] = alphabet[(n >> 6) & 63]!;
    else if (pad) out[o++] = 61; // =
    if (pad) out[o++] = 61;
  }
  return decoder.decode(out);
}

export function toBase64(bytes: Uint8Array): string {
  return encode(bytes, BASE64, true);
}

/** Unpadded, as JWTs and PKCE want it. */
export function toBase64Url(bytes: Uint8Array): string {
  return encode(bytes, BASE64URL, false);
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
  const whole = end - (end % 4);
  let out = 0;
  // Four characters to three bytes at a time; a tail of two or three gives one or two bytes.
  for (let i = 0; i < whole; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    const d = sextet(text, i + 3);
    if ((a | b | c | d) < 0) throw new TypeError('not base64');
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    bytes[out++] = n >> 16;
    bytes[out++] = (n >> 8) & 0xff;
    bytes[out++] = n & 0xff;
  }
  if (end > whole) {
    const a = sextet(text, whole);
    const b = sextet(text, whole + 1);
    const c = end - whole === 3 ? sextet(text, whole + 2) : 0;
    if ((a | b | c) < 0) throw new TypeError('not base64');
    const n = (a << 18) | (b << 12) | (c << 6);
    bytes[out++] = n >> 16;
    if (end - whole === 3) bytes[out++] = (n >> 8) & 0xff;
  }
  return bytes;
}

function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 128 ? SEXTET[code]! : -1;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += HEX[bytes[i]!];
  return hex;
}
