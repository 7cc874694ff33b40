import { describe, expect, it } from 'vitest';
import { extractOrderNumbers, MAX_ORDER_REFERENCES, normalizeBounded } from '../../src/drafting/order-reference';

function expectOne(text: string, number = '1042'): void {
  expect(extractOrderNumbers(text), text).toEqual([number]);
}

function expectNone(text: string): void {
  expect(extractOrderNumbers(text), text).toEqual([]);
}

describe('extractOrderNumbers: references the customer makes', () => {
  it.each([
    '#1042',
    '# 1042',
    'Where is #1042?',
    '(#1042)',
    'order 1042',
    'Order 1042',
    'ORDER 1042',
    'order no. 1042',
    'order no 1042',
    'order nr. 1042',
    'order number: 1042',
    'order number 1042',
    'Order #1042',
    'order# 1042',
    'order: 1042',
    'order id 1042',
    'order ref 1042',
    'my order number is 1042',
    'Order Confirmation #1042',
    'Hi, where is my order 1042? Thanks',
    'Order\n1042',
    'order number:\n1042',
  ])('en: %j', (text) => expectOne(text));

  it.each([
    'commande n°1042',
    'commande n° 1042',
    'commande N°1042',
    'commande numéro 1042',
    'commande numero 1042',
    'ma commande 1042',
    'Ma commande n°1042 n’est pas arrivée',
    'numéro de commande 1042',
    'N° de commande : 1042',
    'commande no 1042',
    'Bonjour, je n’ai toujours pas reçu ma commande #1042.',
  ])('fr: %j', (text) => expectOne(text));

  it.each([
    'Bestellung 1042',
    'Bestellnummer 1042',
    'Bestellnummer: 1042',
    'Bestell-Nr. 1042',
    'Bestell-Nr.: 1042',
    'Bestellnr. 1042',
    'meine Bestellung Nr. 1042',
    'Meine Bestellnummer ist 1042',
    'Auftragsnummer 1042',
    'Hallo, wo bleibt meine Bestellung #1042?',
  ])('de: %j', (text) => expectOne(text));

  it.each([
    'pedido 1042',
    'pedido nº 1042',
    'pedido n.º 1042',
    'pedido Nº1042',
    'pedido no. 1042',
    'número de pedido 1042',
    'numero de pedido 1042',
    'mi número de pedido es 1042',
    'Hola, ¿dónde está mi pedido #1042?',
  ])('es: %j', (text) => expectOne(text));

  it.each([
    'ordine 1042',
    'ordine n. 1042',
    'ordine n° 1042',
    'ordine numero 1042',
    "numero d'ordine 1042",
    'numero d’ordine 1042',
    "numero dell'ordine 1042",
    'il mio ordine è 1042',
    'Ciao, dov’è il mio ordine #1042?',
  ])('it: %j', (text) => expectOne(text));

  it.each([
    'bestelling 1042',
    'bestelnummer 1042',
    'ordernummer 1042',
    'bestelling nr. 1042',
    'Mijn bestelnummer is 1042',
    'Hoi, waar blijft mijn bestelling #1042?',
  ])('nl: %j', (text) => expectOne(text));

  it('accepts 3 to 12 digits', () => {
    expectOne('order 104', '104');
    expectOne('order 123456789012', '123456789012');
    expectNone('order 42');
    expectNone('order 1234567890123');
  });

  it('returns digits only for store prefixes (#SH-1042, #SH1042, order SH-1042)', () => {
    expectOne('#SH-1042');
    expectOne('#SH1042');
    expectOne('Order #SH-1042');
    expectOne('order SH-1042');
    expectOne('commande #AB1042');
  });

  it('reads full-width and other compatibility forms', () => {
    expectOne('ＯＲＤＥＲ １０４２');
    expectOne('order ＃1042');
  });
});

describe('extractOrderNumbers: several references', () => {
  it('keeps text order, deduplicates, keyword references first', () => {
    expect(extractOrderNumbers('#2001 and also order 1042, see #2001 again')).toEqual(['1042', '2001']);
    expect(extractOrderNumbers('order 1042 ... order 1042 ... Order #1042')).toEqual(['1042']);
  });

  it('reads lists after plural keywords and connectors', () => {
    expect(extractOrderNumbers('orders 1042, 1043 and 1044')).toEqual(['1042', '1043', '1044']);
    expect(extractOrderNumbers('commandes 1042 et 1043')).toEqual(['1042', '1043']);
    expect(extractOrderNumbers('Bestellungen 1042 und #1043')).toEqual(['1042', '1043']);
    expect(extractOrderNumbers('pedidos 1042 y 1043')).toEqual(['1042', '1043']);
    expect(extractOrderNumbers('ordini 1042 e 1043')).toEqual(['1042', '1043']);
    expect(extractOrderNumbers('bestellingen 1042 en 1043')).toEqual(['1042', '1043']);
    expect(extractOrderNumbers('order 1042 or 1043')).toEqual(['1042', '1043']);
  });

  it('does not run a bare comma into a postcode', () => {
    expect(extractOrderNumbers('order 1042, 75001 Paris')).toEqual(['1042']);
  });

  it('returns at most five', () => {
    const text = Array.from({ length: 9 }, (_, i) => `order ${1000 + i}`).join(' ');
    const found = extractOrderNumbers(text);
    expect(found).toHaveLength(MAX_ORDER_REFERENCES);
    expect(found).toEqual(['1000', '1001', '1002', '1003', '1004']);
  });

  it('ranks URL references last', () => {
    expect(extractOrderNumbers('https://shop.example/account/orders/5555 and #1042')).toEqual(['1042', '5555']);
  });
});

describe('extractOrderNumbers: numbers that are not order references', () => {
  it.each([
    // bare numbers, no keyword
    'I live at 1042 Main Street',
    'Call me on 0612345678',
    'call +33 6 12 34 56 78',
    'my number is (555) 123-4567',
    'phone: 555-123-4567',
    '75001 Paris',
    'PLZ 10115 Berlin',
    'in 2025 I bought one',
    'I ordered 3 mugs in 2024',
    'I ordered on 12/11/2025',
    'Ordered 2025-11-01',
    // prices
    '€1042',
    'I paid €1042 for it',
    'order 1042€',
    'order 1042 €',
    'order 1042 EUR',
    'order 1042.50',
    'order 1042,00',
    'order $1042',
    'commande de 1042 euros',
    // dates and times
    'order 2025-11-01',
    'order 12/11/2025',
    'order 10:30',
    'Bestellung vom 12.11.2025',
    'pedido del 12/11/2025',
    'commande du 2025-11-01',
    // phone numbers after a keyword
    'order 555 123 4567',
    'order +33612345678',
    // tracking numbers
    'tracking 1Z999AA10123456784',
    'tracking number 9400111899223334445566',
    'order 1Z999AA10123456784',
    'Sendungsnummer 00340434161094042557',
    // URLs and e-mail addresses without an order keyword
    'https://example.com/products/1042',
    'see https://shop.example/page#1042',
    'www.example.com/p/1042',
    'write to order1042@example.com',
    // "#" numbering other things
    'apt #1042',
    'Suite #1042',
    'ticket #1042',
    'invoice #1042',
    'size #104',
    // sentence boundaries
    'I placed an order. 1042 is my flat number',
    'My order, 1042 Main Street',
    // words that contain keywords
    'I ordered 1042 stickers',
    'j’ai commandé 1042 autocollants',
    'bestellt 1042',
    // alphanumeric codes
    'order 1042AB',
    'voucher #',
    '#',
    '',
  ])('%j', (text) => expectNone(text));

  it('reads a URL number only after an order-named segment or parameter', () => {
    expect(extractOrderNumbers('https://shop.example/my-account/view-order/1042/')).toEqual(['1042']);
    expect(extractOrderNumbers('https://shop.example/track?order_number=1042&email=x')).toEqual(['1042']);
    expect(extractOrderNumbers('https://shop.example/track?id=1042')).toEqual([]);
  });
});

describe('extractOrderNumbers: hostile input', () => {
  const huge = 100_000;
  it.each([
    ['keywords', 'order no '.repeat(huge / 9)],
    ['hashes', '#'.repeat(huge)],
    ['one long number', '1'.repeat(huge)],
    ['digits and spaces', '1 '.repeat(huge / 2)],
    ['keyword digit soup', 'order 12 '.repeat(huge / 9)],
    ['designator chain', `order ${'no. '.repeat(huge / 4)}1042`],
    ['punctuation', '#-:.'.repeat(huge / 4)],
    ['one long URL', `https://x.example/${'order/'.repeat(huge / 6)}`],
    ['at signs', `${'a@'.repeat(huge / 2)}`],
    ['letters and digits', 'a1'.repeat(huge / 2)],
    ['combining marks', `order${'\u0301'.repeat(huge)} 1042`],
  ])('returns on %s', (_name, text) => {
    const result = extractOrderNumbers(text);
    expect(Array.isArray(result)).toBe(true);
    expect(result.length).toBeLessThanOrEqual(MAX_ORDER_REFERENCES);
  });

  it('still finds references inside a large text', () => {
    const filler = 'blah 12 € 2025-01-01 +33 6 12 34 56 78 '.repeat(2500);
    expect(extractOrderNumbers(`${filler} order #1042 ${filler}`)).toEqual(['1042']);
  });

  it('handles many distinct references', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `#${100000 + i}`).join(' ');
    expect(extractOrderNumbers(text)).toEqual(['100000', '100001', '100002', '100003', '100004']);
  });
});

describe('normalizeBounded', () => {
  it('is plain normalization on real text', () => {
    for (const text of [
      'Où est ma commande n°1042 ?',
      'Größe ﬁ ①',
      'ｶﾞｷﾞ',
      'e\u0301\u0316 a\u0316\u0301',
      'Ω\u0345\u0301',
    ]) {
      expect(normalizeBounded(text, 'NFC')).toBe(text.normalize('NFC'));
      expect(normalizeBounded(text, 'NFKC')).toBe(text.normalize('NFKC'));
    }
  });

  it('keeps the first 30 marks of a run (Unicode stream-safe), so sorting them stays cheap', () => {
    const run = '\u0301\u0316'.repeat(50_000);
    expect(normalizeBounded(`a${run}b`, 'NFC')).toBe(`a${run.slice(0, 30)}b`.normalize('NFC'));
    expect(normalizeBounded(`ｶ${'\uff9e\u0301'.repeat(50_000)}`, 'NFKC')).toBe(
      `ｶ${'\uff9e\u0301'.repeat(15)}`.normalize('NFKC'),
    );
  });

  it('still lets a reference after a hostile run of marks be read', () => {
    expect(extractOrderNumbers(`a${'\u0316\u0301'.repeat(100_000)} order 1042`)).toEqual(['1042']);
  });
});
