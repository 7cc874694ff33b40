import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64, toBase64Url } from '../../src/crypto/encoding';

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
