import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractOrderNumbers, MAX_ORDER_REFERENCES } from '../../src/drafting/order-reference';
import { anyString } from '../support/arbitraries';

/**
 * Properties of order-reference extraction. The number it returns is what the pipeline looks up in
 * the store, so a false accept (a price, a date, a phone number read as an order) sends the wrong
 * order's facts towards the LLM; a crash would stop the whole sync for the mailbox.
 */

/** Pieces that are never order references on their own, in the six languages. */
const NOISE = [
  'hello',
  'bonjour',
  'hallo',
  'hola',
  'ciao',
  'hoi',
  'thanks',
  'merci',
  'danke',
  'gracias',
  'grazie',
  'bedankt',
  'I paid €1042 last week',
  'it cost 1042 €',
  'total 89.90 EUR',
  'price $1042.50',
  '1.042,00 €',
  'call me on +33 6 12 34 56 78',
  'my phone is 555 123 4567',
  'on 2025-11-01',
  'le 12/11/2025',
  'at 10:30',
  'apt #12',
  'invoice #20931',
  'ticket #4411',
  'Rechnung #5532',
  'tracking 1Z999AA10123456784',
  '75001 Paris',
  '10115 Berlin',
  'I bought 2 mugs',
  'size 42',
  'taglia 44',
  'in 2024',
  'see https://shop.example/products/1042-blue-mug',
  'write to jane1042@example.net',
  'ok',
  '!',
  '?',
  ',',
] as const;

const noise = fc.array(fc.constantFrom(...NOISE), { maxLength: 12 }).map((parts) => parts.join(' '));

/** How customers write "my order is N", per language. */
const REFERENCE_FORMS: ReadonlyArray<(n: string) => string> = [
  (n) => `order #${n}`,
  (n) => `my order number is ${n}`,
  (n) => `Order no. ${n}`,
  (n) => `commande n°${n}`,
  (n) => `numéro de commande ${n}`,
  (n) => `Bestellung ${n}`,
  (n) => `Bestell-Nr. ${n}`,
  (n) => `pedido nº ${n}`,
  (n) => `ordine n. ${n}`,
  (n) => `bestelling ${n}`,
  (n) => `bestelnummer ${n}`,
  (n) => `#${n}`,
];

const orderNumber = fc.stringMatching(/^[1-9][0-9]{2,11}$/);

/** Text built to hit the state machine: keywords, designators, "#", digits and joiners in any order. */
const keywordSoup = fc
  .array(
    fc.constantFrom(
      'order',
      'orders',
      'commande',
      'Bestellnr',
      'pedido',
      '#',
      '# ',
      'no',
      '.',
      'n°',
      ':',
      '-',
      ',',
      'and',
      'SH',
      '1042',
      '12',
      '20931',
      '€',
      'EUR',
      '+',
      '/',
      ' ',
      '\n',
      'https://x.example/order/1042',
      'ＳＨ１０４２',
      '１０４２',
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

const anyText = fc.oneof(anyString(300), fc.string({ unit: 'grapheme', maxLength: 300 }), keywordSoup);

describe('extractOrderNumbers (property)', () => {
  it('never throws, and returns at most five distinct 3–12 digit strings', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const found = extractOrderNumbers(text);
        expect(found.length).toBeLessThanOrEqual(MAX_ORDER_REFERENCES);
        expect(new Set(found).size).toBe(found.length);
        for (const n of found) expect(n).toMatch(/^[0-9]{3,12}$/);
      }),
      { numRuns: 400 },
    );
  });

  it('never invents a number: each one is a whole digit run of the (NFKC) text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const runs = new Set(text.normalize('NFKC').match(/[0-9]+/g) ?? []);
        for (const n of extractOrderNumbers(text)) expect(runs.has(n)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('reads no order number from prices, dates, phone numbers, postcodes, invoices or tracking codes', () => {
    fc.assert(
      fc.property(noise, (text) => {
        expect(extractOrderNumbers(text)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('finds the number a customer gives, in any of the six languages, among that noise', () => {
    fc.assert(
      fc.property(noise, fc.constantFrom(...REFERENCE_FORMS), orderNumber, noise, (before, form, n, after) => {
        // The sentence ends after the reference, as people write it ("… order 1042. Thanks").
        const text = `${before} ${form(n)}. ${after}`;
        expect(extractOrderNumbers(text)).toEqual([n]);
      }),
      { numRuns: 300 },
    );
  });
});
