import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64, toBase64Url, toHex } from '../../src/crypto/encoding';

/** What fromBase64 accepted when it was built on atob: the reference its one-pass decoder must match. */
function atobReference(text: string): Uint8Array {
  const normal = text.replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normal)) throw new TypeError('not base64');
  const bin = atob(normal.padEnd(Math.ceil(normal.length / 4) * 4, '='));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

const decoded = (f: (t: string) => Uint8Array, text: string) => {
  try {
    return Array.from(f(text));
  } catch {
    return 'rejected';
  }
};

describe('fromBase64', () => {
  it('reads back what toBase64 and toBase64Url wrote', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(Array.from(fromBase64(toBase64(bytes)))).toEqual(Array.from(bytes));
        expect(Array.from(fromBase64(toBase64Url(bytes)))).toEqual(Array.from(bytes));
      }),
    );
  });

  it('accepts and rejects exactly what the atob-based decoder did', () => {
    const char = fc.constantFrom(...'AZaz09+/-_=', ' ', '\n', '.', 'é', '\u{1F600}');
    fc.assert(
      fc.property(
        fc.array(char, { maxLength: 14 }).map((cs) => cs.join('')),
        (text) => {
          expect(decoded(fromBase64, text)).toEqual(decoded(atobReference, text));
        },
      ),
      { numRuns: 5000 },
    );
    for (const text of ['', 'YQ', 'YQ=', 'YQ==', 'YQ===', 'Y', 'YWJj=', 'YWJjZA', 'YW=J', '=', '==']) {
      expect(decoded(fromBase64, text), text).toEqual(decoded(atobReference, text));
    }
  });
});

/** What toBase64 wrote when it was built on btoa over a binary string. */
const btoaReference = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

describe('toBase64, toBase64Url and toHex', () => {
  it('write what the btoa-based encoders and the padStart hex did', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b64 = btoaReference(bytes);
        expect(toBase64(bytes)).toBe(b64);
        expect(toBase64Url(bytes)).toBe(b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
        expect(toHex(bytes)).toBe(Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''));
      }),
      { numRuns: 2000 },
    );
    expect(toBase64(new Uint8Array(100_000).fill(0xfb))).toBe(btoa('\xfb'.repeat(100_000)));
  });
});
