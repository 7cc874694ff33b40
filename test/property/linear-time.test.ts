import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/encoding';
import { checkFacts, type FactSources } from '../../src/drafting/fact-guard';
import { decodeEntities, htmlToText } from '../../src/drafting/html-text';
import { latestCustomerText } from '../../src/drafting/latest-text';
import { extractOrderNumbers } from '../../src/drafting/order-reference';
import { policyTopics } from '../../src/drafting/policy-selection';
import { MAX_HTML_CHARS, MAX_TEXT_CHARS, parseMail } from '../../src/drafting/parse-mail';
import { encodeWord } from '../../src/drafting/reply-message';
import { statusClaims } from '../../src/drafting/status-claims';
import { senderOf } from '../../src/pipeline/filters';
import type { Order } from '../../src/stores/order';
import { given } from '../support/facts';
import { sampleOrder } from '../support/runtime';

/**
 * Every byte of an incoming mail is hostile, and the Node server runs one message at a time on one
 * thread: code that reads mail must take time linear in its input. For each pattern known to make
 * a naive parser rescan (an unclosed tag, comment or style, runs of quote markers, keywords without
 * numbers, one endless word…), the time on 1 MB is held against the time on 100 KB. Linear is
 * about 10×, quadratic about 100×; the bound sits between, so the test says "not quadratic" without
 * depending on how fast or busy the machine is.
 *
 * Robust on a loaded 2-core box: one warm-up run, the fastest of three runs per size, a floor under
 * which times count as equal (a 0.3 ms run must not make a ratio), and one retry.
 */

const SMALL = 100_000;
const LARGE = 1_000_000;
/** Linear ≈ 10×, quadratic ≈ 100×. */
const MAX_RATIO = 25;
/** Timings below this are noise. */
const FLOOR_MS = 2;

const repeat = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

async function fastest(run: () => unknown): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await run();
    best = Math.min(best, performance.now() - start);
  }
  return Math.max(best, FLOOR_MS);
}

/**
 * How much longer `run` takes on LARGE than on SMALL characters of input. The step from SMALL / 10
 * to SMALL is taken first: quadratic code already shows there, and stopping then spares a 1 MB run
 * that would take minutes (the old HTML converter needed 18 s for 117 KB).
 */
async function growth<T>(build: (size: number) => T, run: (input: T) => unknown): Promise<number> {
  const tiny = build(SMALL / 10);
  const small = build(SMALL);
  await run(tiny); // warm-up: JIT, regular expression compilation
  const smallMs = await fastest(() => run(small));
  const early = smallMs / (await fastest(() => run(tiny)));
  if (early > MAX_RATIO * 2) return early;
  const large = build(LARGE);
  return (await fastest(() => run(large))) / smallMs;
}

/** Several 1 MB runs per test; one retry absorbs a burst of load from the other core's work. */
const SLOW = { timeout: 120_000, retry: 1 };

type Case = [label: string, build: (size: number) => string];

/** Runs each case as its own test: ratio within MAX_RATIO. */
function linearIn(name: string, run: (input: string) => unknown, cases: Case[]): void {
  describe(name, () => {
    it.each(cases)('%s', SLOW, async (_label, build) => {
      expect(await growth(build, run)).toBeLessThan(MAX_RATIO);
    });
  });
}

linearIn('htmlToText', htmlToText, [
  ["'<a ' repeated (a tag that never closes)", (n) => repeat('<a ', n)],
  ["unclosed '<style>' repeated", (n) => repeat('<style>', n)],
  ["unclosed '<script x>' repeated", (n) => repeat('<script x>', n)],
  ["'<head>' repeated (no </head>)", (n) => repeat('<head>', n)],
  ["'<title>' closed by '</title ' (no '>')", (n) => `<title>${repeat('</title ', n)}`],
  ["'<!--' repeated", (n) => repeat('<!--', n)],
  ["'<' repeated", (n) => repeat('<', n)],
  ["'</' repeated", (n) => repeat('</', n)],
  ["'<!' and '<?' repeated", (n) => repeat('<!<?', n)],
  ["'&#' repeated", (n) => repeat('&#', n)],
  ["'&amp' repeated (no ';')", (n) => repeat('&amp', n)],
  ['a tag with a 1 MB attribute', (n) => `<a title="${repeat('x ', n)}">x</a>`],
  ["'<blockquote>' nesting, then '<br>' lines", (n) => repeat('<blockquote>', n / 2) + repeat('<br>', n / 2)],
  ["'<p>' and '<div>' soup", (n) => repeat('<p>a<div>b</p></div>', n)],
  ['ordinary HTML mail', (n) => repeat('<p>Hello, where is <b>order</b> #1042?<br>Thanks &amp; bye</p>\n', n)],
]);

linearIn('decodeEntities', decodeEntities, [
  ["'&#' repeated", (n) => repeat('&#', n)],
  ["'&#x' and digits", (n) => repeat('&#x1F', n)],
  ["'&' and letters", (n) => `&${repeat('a', n)}`],
]);

linearIn('latestCustomerText', (text) => latestCustomerText(text), [
  ["'>' lines", (n) => repeat('>\n', n)],
  ['one line of quote markers', (n) => repeat('> ', n)],
  [
    'quoted lines between blank lines after an attribution',
    (n) => `On 3 Nov 2025, a@b.c wrote:\n${repeat('\n\n> x\n', n)}`,
  ],
  ['attribution openers that never end', (n) => repeat('On 3 Nov\n', n)],
  ["'From:' lines (header-block look-ahead)", (n) => repeat('From: a\n', n)],
  ["'*' emphasis lines", (n) => repeat(`${'*'.repeat(999)}\n`, n)],
  ['one long line of spaces', (n) => ' '.repeat(n)],
  ['blank lines', (n) => '\n'.repeat(n)],
  ['separator lines', (n) => repeat('____\n', n)],
  ['one endless word', (n) => 'x'.repeat(n)],
]);

linearIn('extractOrderNumbers', extractOrderNumbers, [
  ["'#' and digits, glued", (n) => repeat('#1042', n)],
  ["'#' and digits, spaced", (n) => repeat('#1042 ', n)],
  ["'order ' repeated", (n) => repeat('order ', n)],
  ['a plural keyword and an endless list', (n) => `orders ${repeat('1042, ', n)}`],
  ['designators that never reach a number', (n) => repeat('order no no no no no ', n)],
  ['URLs with order segments', (n) => repeat('https://x.example/order/1042/ ', n)],
  ['one long URL', (n) => `https://x.example/${repeat('order/', n)}`],
  ['one long number', (n) => `order ${'1'.repeat(n)}`],
  ['combining marks that NFKC would sort', (n) => `a${repeat('\u0301\u0316', n)}`],
  ['half-width voiced marks between accents', (n) => `a${repeat('\uff9e\u0301', n)}`],
]);

linearIn('statusClaims', statusClaims, [
  ["'not shipped' repeated", (n) => repeat('not shipped ', n)],
  ['combining marks that NFC would sort', (n) => `a${repeat('\u0301\u0316', n)}`],
  ['sentence ends', (n) => repeat('.', n)],
]);

const ORDER: Order = sampleOrder();
/** The hostile text is both the draft and the customer's words (the subject is not capped). */
/** Policies are the merchant's own, length-limited texts: fixed here, as the shop name is. */
const POLICIES = {
  returnWindowDays: 30,
  returns: 'Returns within 30 days, refunds in 5-7 business days: https://shop.example/returns',
};
const guard = (text: string) =>
  checkFacts(text, {
    customer: [text, text],
    orders: given(ORDER),
    policies: POLICIES,
    merchant: ['Shop', 'Sam', text],
  } satisfies FactSources);

linearIn('checkFacts', guard, [
  ['one long word', (n) => 'a'.repeat(n)],
  ['one long hyphenated word (code pattern)', (n) => repeat('a-', n)],
  ['one long code', (n) => repeat('a1', n)],
  ['one long URL', (n) => `https://x.example/${'a'.repeat(n)}`],
  ['URLs', (n) => repeat('https://x.example/a ', n)],
  ['a URL with a long run of full stops', (n) => `https://x.example/${'.'.repeat(n)}a`],
  ['a www link', (n) => `www.${repeat('a.', n)}`],
  ['one long number', (n) => '1'.repeat(n)],
  ['digits and commas (amounts)', (n) => repeat('1,', n)],
  ['digits and spaces (dates)', (n) => repeat('1 ', n)],
  ['month names', (n) => repeat('november ', n)],
  ['a day, then spaces', (n) => `1${' '.repeat(n)}`],
  ['combining marks', (n) => `a${repeat('\u0301\u0316', n)}`],
  ['durations', (n) => repeat('30 days ', n)],
  ['numbers before long words (duration pattern)', (n) => repeat(`1 ${'a'.repeat(20)} `, n)],
  ['number ranges', (n) => repeat('1-2-', n)],
]);

linearIn('policyTopics', policyTopics, [
  ['one long word', (n) => 'a'.repeat(n)],
  ['topic words', (n) => repeat('return broken address ship where ', n)],
  ['combining marks', (n) => `a${repeat('\u0301\u0316', n)}`],
]);

linearIn('senderOf', senderOf, [
  ["a From of 'a:' (groups)", (n) => repeat('a:', n)],
  ["a From of 'a,' (lists)", (n) => repeat('a,', n)],
  ['a From of quotes', (n) => repeat('"a', n)],
  ['a From with a long name', (n) => `"${'x'.repeat(n)}" <jane@example.net>`],
]);

describe('senderOf on a hostile From', () => {
  it('finds no sender in a 1 MB value, and still reads a long real one', () => {
    expect(senderOf(`${repeat('a:', LARGE)} <jane@example.net>`)).toBeNull();
    const name = `=?UTF-8?B?${btoa('Jeanne-Marie Dupont-Durand, Service Achats '.repeat(8))}?=`;
    expect(senderOf(`${name} <Jane@Example.NET>`)).toEqual({ address: 'jane@example.net' });
  });
});

linearIn('encodeWord', encodeWord, [
  ['a non-ASCII subject', (n) => repeat('é', n)],
  ['an emoji subject', (n) => repeat('🚚', n)],
  ['a mixed subject', (n) => repeat('Où est ma commande ? ', n)],
]);

/** A hand-built RFC 5322 message with an HTML-only body. */
const htmlMail = (html: string) =>
  utf8(
    [
      'From: Jane <jane@example.net>',
      'To: shop@example.com',
      'Subject: Re: order',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      html,
      '',
    ].join('\r\n'),
  );

describe('parseMail of hostile HTML-only mail', () => {
  it.each([
    ["'<a ' repeated", (n: number) => repeat('<a ', n)],
    ["unclosed '<style>' repeated", (n: number) => repeat('<style>', n)],
    ['text and breaks', (n: number) => repeat('where is my order<br>', n)],
  ])('%s grows linearly', SLOW, async (_label, build) => {
    expect(
      await growth(
        (n) => htmlMail(build(n)),
        (raw) => parseMail(raw),
      ),
    ).toBeLessThan(MAX_RATIO);
  });

  it('finishes on 1 MB and hands on at most MAX_TEXT_CHARS of text, the first words first', async () => {
    // Everything after the first unclosed "<a " is text: far more of it than may be handed on.
    const mail = await parseMail(htmlMail(`<p>Where is order 1042?</p>${repeat('<a ', LARGE)}`));
    expect(mail.from?.address).toBe('jane@example.net');
    expect(mail.text.startsWith('Where is order 1042?\n\n<a <a ')).toBe(true);
    expect(mail.text.length).toBe(MAX_TEXT_CHARS);
    expect(MAX_TEXT_CHARS).toBeLessThan(MAX_HTML_CHARS);
    expect(latestCustomerText(mail.text).startsWith('Where is order 1042?')).toBe(true);
  });
});
