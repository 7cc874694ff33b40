import fc from 'fast-check';

/**
 * Any JavaScript string, lone surrogates and astral characters included. Built from code points
 * rather than fc.string({ unit: 'binary' }), whose first use costs over a second per test file.
 */
export function anyString(maxLength: number): fc.Arbitrary<string> {
  const codePoint = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.constantFrom(0x0a, 0x0d, 0x09, 0x3e, 0x23, 0xa0, 0x202f, 0xfeff) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 0x10ffff }) },
  );
  return fc.array(codePoint, { maxLength }).map((cps) => cps.map((cp) => String.fromCodePoint(cp)).join(''));
}
