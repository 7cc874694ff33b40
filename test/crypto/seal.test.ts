import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64, toHex } from '../../src/crypto/encoding';
import { hashAddress, verifyHmacBase64, hmacSha256 } from '../../src/crypto/hmac';
import { createSealer, importKey, SealError, sealWithIv } from '../../src/crypto/seal';

const zeroKey = new Uint8Array(32);
const keyA = { id: 'k1', key: Uint8Array.from({ length: 32 }, (_, i) => i) };
const keyB = { id: 'k2', key: Uint8Array.from({ length: 32 }, (_, i) => 255 - i) };

function parts(sealed: string) {
  const [version, keyId, iv, data] = sealed.split('.');
  return { version, keyId, iv: fromBase64(iv!), data: fromBase64(data!) };
}

describe('sealing: known vectors', () => {
  it('matches the GCM specification, AES-256 test case 14 (zero key, zero IV, 16 zero bytes)', async () => {
    // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 14.
    const key = await importKey(zeroKey);
    const sealed = await sealWithIv(key, 'k0', new Uint8Array(12), '\0'.repeat(16), '');
    const { data } = parts(sealed);
    expect(toHex(data.subarray(0, 16))).toBe('cea7403d4d606b6e074ec5d3baf39d18');
    expect(toHex(data.subarray(16))).toBe('d0d1c8a799996bf0265b98b5d48ab919');
  });

  it('agrees with Node’s own AES-256-GCM for text and associated data', async () => {
    const iv = Uint8Array.from({ length: 12 }, (_, i) => i * 7);
    const sealed = await sealWithIv(await importKey(keyA.key), 'k1', iv, '1//refresh-token-ß', 'gmail:acc_1');
    const cipher = createCipheriv('aes-256-gcm', keyA.key, iv);
    cipher.setAAD(Buffer.from('gmail:acc_1'));
    const expected = Buffer.concat([cipher.update('1//refresh-token-ß', 'utf8'), cipher.final(), cipher.getAuthTag()]);
    expect(toHex(parts(sealed).data)).toBe(expected.toString('hex'));
    expect(sealed.startsWith('v1.k1.')).toBe(true);
  });
});

describe('sealing: round trip, rotation and tampering', () => {
  const sealer = createSealer(keyA);

  it('opens what it sealed, with a fresh IV each time', async () => {
    const a = await sealer.seal('secret', 'row:1');
    const b = await sealer.seal('secret', 'row:1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('secret');
    expect(await sealer.open(a, 'row:1')).toBe('secret');
  });

  it('refuses a value moved to another row (associated data)', async () => {
    const sealed = await sealer.seal('secret', 'row:1');
    await expect(sealer.open(sealed, 'row:2')).rejects.toThrow(new SealError('tampered'));
    // Also once it has been opened (and remembered) for its own row.
    expect(await sealer.open(sealed, 'row:1')).toBe('secret');
    await expect(sealer.open(sealed, 'row:2')).rejects.toThrow(new SealError('tampered'));
    expect(await sealer.open(sealed, 'row:1')).toBe('secret');
  });

  it('detects a flipped bit in the ciphertext, the tag or the IV', async () => {
    const sealed = await sealer.seal('secret', 'row:1');
    expect(await sealer.open(sealed, 'row:1')).toBe('secret'); // opened before: no shortcut for its neighbours
    const [v, k, iv, data] = sealed.split('.') as [string, string, string, string];
    const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    for (const bad of [
      [v, k, iv, flip(data, 0)],
      [v, k, iv, flip(data, data.length - 2)],
      [v, k, flip(iv, 0), data],
    ]) {
      await expect(sealer.open(bad.join('.'), 'row:1')).rejects.toThrow(SealError);
    }
  });

  it('rejects malformed values and unknown key ids', async () => {
    await expect(sealer.open('not-sealed', 'row:1')).rejects.toThrow(new SealError('format'));
    await expect(sealer.open('v1.k1.!!!.???', 'row:1')).rejects.toThrow(new SealError('format'));
    const other = await createSealer(keyB).seal('secret', 'row:1');
    await expect(sealer.open(other, 'row:1')).rejects.toThrow(new SealError('unknown_key'));
  });

  it('opens values sealed under a retired key during rotation, and seals with the new one', async () => {
    const old = await sealer.seal('secret', 'row:1');
    const rotated = createSealer(keyB, [keyA]);
    expect(await rotated.open(old, 'row:1')).toBe('secret');
    expect((await rotated.seal('secret', 'row:1')).startsWith('v1.k2.')).toBe(true);
  });
});

describe('keyed hashes and HMAC checks', () => {
  it('hashes an address the same however it is written, and differently under another key', async () => {
    const a = await hashAddress('key-1', ' Jane@Example.COM ');
    expect(a).toBe(await hashAddress('key-1', 'jane@example.com'));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(await hashAddress('key-2', 'jane@example.com'));
  });

  it('verifies a base64 HMAC and rejects a wrong or malformed one', async () => {
    const body = '{"id":1}';
    const good = Buffer.from(await hmacSha256('secret', body)).toString('base64');
    expect(await verifyHmacBase64('secret', body, good)).toBe(true);
    expect(await verifyHmacBase64('other', body, good)).toBe(false);
    expect(await verifyHmacBase64('secret', `${body} `, good)).toBe(false);
    expect(await verifyHmacBase64('secret', body, 'not base64!')).toBe(false);
    expect(await verifyHmacBase64('secret', body, '')).toBe(false);
  });

  it('computes HMAC-SHA256 as RFC 4231 defines it (test case 2), for text and for bytes', async () => {
    const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    const data = 'what do ya want for nothing?';
    expect(Buffer.from(await hmacSha256('Jefe', data)).toString('hex')).toBe(expected);
    expect(Buffer.from(await hmacSha256('Jefe', new TextEncoder().encode(data))).toString('hex')).toBe(expected);
    expect(await verifyHmacBase64('Jefe', data, Buffer.from(expected, 'hex').toString('base64'))).toBe(true);
  });
});
