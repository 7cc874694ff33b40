import { ok, type Result, refused } from '../platform/result';
import type { OrderWithFacts } from './order-facts';
import type { PromptPolicies } from './prompt-data';
import { unsupportedClaims } from './status-claims';

/**
 * The fact guard: every link, date, duration, amount, number, code and order status in a draft
 * must come from what we gave the model (the orders, their computed facts, the shop's policies,
 * the customer's own words, the merchant's settings). A model that invents a tracking number, a
 * delivery date, a refund or a return window must never reach the merchant's drafts folder.
 *
 * - links ("https://…", "http://…", "www.…"): verbatim in the orders (tracking URLs), the policies
 *   or the merchant's settings, never only in the customer's words: a link the mail carried (a phishing
 *   page, a prompt injection asking the model to "include this link") must not reach a draft the
 *   shop sends under its name;
 * - dates (ISO, 12/11/2025, "3 November 2025", "3. November", "le 3 novembre", "3 de noviembre",
 *   "3 novembre", "3 november"): the same day and month as a date in the sources, and the same
 *   year when both name one (12/11 is read both ways);
 * - durations ("45 days", "3-5 Werktage", "2 semaines", "24 horas"): each number is one the
 *   orders, the computed facts, the policies or the merchant's texts state on its own (not a piece
 *   of a date or time), never only the customer's: a duration in a reply is the shop's promise
 *   (a return window, a delivery time) or a computed fact, so "30 days" against a policy of 45 is
 *   refused even when the customer guessed 30;
 * - amounts (a currency sign or code next to a number, or a number with two decimals): the same
 *   value appears in the sources (the order facts hold no amounts: only the customer or the
 *   merchant can have written one);
 * - codes (letters and digits, 5+ characters: tracking numbers, prefixed order names): verbatim,
 *   case aside;
 * - numbers of 3+ digits (order numbers): the same number appears in the sources;
 * - status words: see status-claims.ts.
 * Small numbers ("2 mugs", "10:00") are not checked. The problem it reports names categories and
 * counts only, never the offending text: it goes back to the model, and may end up in a count.
 */
export interface FactSources {
  /** What the customer wrote: the latest text and the subject. Never a source of links or durations. */
  customer: readonly string[];
  /** The sender's orders the model was given, with their computed facts. */
  orders: readonly OrderWithFacts[];
  /** The policies the model was given (the merchant's words). */
  policies: PromptPolicies;
  /** The merchant's own texts: shop name, sign-off, signature. */
  merchant: readonly string[];
}

export type FactKind = 'link' | 'date' | 'duration' | 'amount' | 'code' | 'number' | 'status';

export type GuardResult = Result<object, 'unsupported_facts', { problem: string; misses: number; kinds: FactKind[] }>;

const URL_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>()"']+/gi;

const MONTHS: ReadonlyArray<readonly [number, readonly string[]]> = [
  [1, ['january', 'janvier', 'januar', 'jänner', 'enero', 'gennaio', 'januari', 'jan.', 'janv.', 'ene.', 'gen.']],
  [2, ['february', 'février', 'fevrier', 'februar', 'febrero', 'febbraio', 'februari', 'feb.', 'févr.', 'febr.']],
  [3, ['march', 'mars', 'märz', 'maerz', 'marzo', 'maart', 'mar.', 'mrt.']],
  [4, ['april', 'avril', 'abril', 'aprile', 'apr.', 'avr.', 'abr.']],
  [5, ['may', 'mai', 'mayo', 'maggio', 'mei', 'mag.']],
  [6, ['june', 'juin', 'juni', 'junio', 'giugno', 'jun.', 'giu.']],
  [7, ['july', 'juillet', 'juli', 'julio', 'luglio', 'jul.', 'juil.', 'lug.']],
  [8, ['august', 'août', 'aout', 'agosto', 'augustus', 'aug.', 'ago.']],
  [9, ['september', 'septembre', 'septiembre', 'setiembre', 'settembre', 'sep.', 'sept.', 'set.']],
  [10, ['october', 'octobre', 'oktober', 'octubre', 'ottobre', 'oct.', 'okt.', 'ott.']],
  [11, ['november', 'novembre', 'noviembre', 'nov.']],
  [12, ['december', 'décembre', 'decembre', 'dezember', 'diciembre', 'dicembre', 'dec.', 'déc.', 'dez.', 'dic.']],
];
const MONTH_OF = new Map(MONTHS.flatMap(([n, names]) => names.map((name) => [name.replace(/\.$/, ''), n] as const)));
const MONTH_ALT = [...MONTHS.flatMap(([, names]) => names)]
  .sort((a, b) => b.length - a.length)
  .map((m) => m.replace(/\./g, '\\.'))
  .join('|');

const ISO_DATE = /\b(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)/g;
const NUMERIC_DATE = /\b(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})\b/g;
const DAY_MONTH = new RegExp(
  `\\b(\\d{1,2})(?:st|nd|rd|th|er|e|º|°)?\\.?\\s+(?:de\\s+)?(${MONTH_ALT})(?![\\p{L}])(?:\\s+(?:de\\s+)?(\\d{4}))?`,
  'giu',
);
const MONTH_DAY = new RegExp(`(?<![\\p{L}])(${MONTH_ALT})\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s+(\\d{4}))?`, 'giu');

interface DateFact {
  month: number;
  day: number;
  year: number | null;
}

/** Duration units, singular and plural, in en, fr, de, es, it, nl. */
const DURATION_UNITS = [
  'days',
  'day',
  'weeks',
  'week',
  'months',
  'month',
  'hours',
  'hour',
  'jours',
  'jour',
  'semaines',
  'semaine',
  'mois',
  'heures',
  'heure',
  'tagen',
  'tage',
  'tag',
  'werktagen',
  'werktage',
  'werktag',
  'arbeitstagen',
  'arbeitstage',
  'arbeitstag',
  'wochen',
  'woche',
  'monaten',
  'monate',
  'monat',
  'stunden',
  'stunde',
  'días',
  'dias',
  'día',
  'dia',
  'semanas',
  'semana',
  'meses',
  'mes',
  'horas',
  'hora',
  'giorni',
  'giorno',
  'settimane',
  'settimana',
  'mesi',
  'mese',
  'ore',
  'ora',
  'dagen',
  'dag',
  'werkdagen',
  'werkdag',
  'weken',
  'maanden',
  'maand',
  'uren',
  'uur',
].join('|');
/**
 * "45 days", "3-5 business days", "30 Tage", "14 días hábiles" is read from the number: one word
 * may sit between number and unit ("30 calendar days"). A range's both ends are checked.
 */
const DURATION = new RegExp(
  `(?<![\\p{L}\\d.,:/])(\\d{1,4})(?:\\s?[-–]\\s?(\\d{1,4}))?[\\s\\u00a0-]+(?:\\p{L}+[\\s\\u00a0]+)?(?:${DURATION_UNITS})(?![\\p{L}])`,
  'giu',
);
/** A number on its own in a text (not a piece of a date, a time or a decimal): what a duration may quote. */
const STANDALONE_NUMBER = /(?<![\p{L}\d.,:/-])\d{1,4}(?![\p{L}\d]|[.,:/-]\d)/gu;

const AMOUNT = new RegExp(
  [
    '(?:[€$£¥]|\\b(?:EUR|USD|GBP|CHF|CAD|AUD|SEK|DKK|NOK|PLN)\\b)\\s?(\\d[\\d.,\\u00a0\\u202f ]{0,15}\\d|\\d)',
    '(\\d[\\d.,\\u00a0\\u202f ]{0,15}\\d|\\d)\\s?(?:[€$£¥]|(?:EUR|USD|GBP|CHF|CAD|AUD|SEK|DKK|NOK|PLN)\\b|euros?\\b|dollars?\\b)',
    '\\b(\\d{1,9}[.,]\\d{2})(?!\\d)',
  ].join('|'),
  'giu',
);
/**
 * A word of letters, digits and hyphens, 5+ characters; it is a code (a tracking number, a
 * prefixed order name) when it holds both a letter and a digit (isCode). Not tested with
 * lookaheads here: those rescan the rest of the word from every hyphen, quadratic in "a-a-a-…".
 */
const CODE = /\b[A-Za-z0-9][A-Za-z0-9-]{4,}\b/g;
const isCode = (word: string) => /\d/.test(word) && /[A-Za-z]/.test(word);
const LONG_NUMBER = /(?<![\d.,])\d{3,}(?![\d])/g;

export function checkFacts(draft: string, sources: FactSources): GuardResult {
  const customerText = sources.customer.join('\n');
  const shopText = [...sources.merchant, policiesText(sources.policies), ...sources.orders.map(orderFactsText)].join(
    '\n',
  );
  const corpus = [customerText, shopText].join('\n');
  const corpusLower = corpus.toLowerCase();
  const misses: FactKind[] = [];

  // Each pass blanks what it read, so a date is not also read as a number, a URL not as a code.
  // A match that `applies` rejects is left as it was, for the later passes.
  let rest = draft;
  const blank = (
    re: RegExp,
    check: (m: RegExpExecArray) => boolean,
    kind: FactKind,
    applies = (_text: string) => true,
  ) => {
    rest = rest.replace(re, (...args) => {
      const text = String(args[0]);
      if (!applies(text)) return text;
      const m = args.slice(0, -2) as unknown as RegExpExecArray;
      if (!check(m)) misses.push(kind);
      return ' '.repeat(text.length);
    });
  };

  blank(URL_PATTERN, (m) => shopText.includes(withoutTrailingPunctuation(m[0])), 'link');

  const knownDates = datesIn(corpus);
  const dateKnown = (candidates: DateFact[]) =>
    candidates.some((d) =>
      knownDates.some(
        (k) => k.month === d.month && k.day === d.day && (k.year === null || d.year === null || k.year === d.year),
      ),
    );
  for (const [pattern, read] of DATE_READERS) blank(pattern, (m) => dateKnown(read(m)), 'date');

  const knownDurations = new Set(
    [...(shopText.match(STANDALONE_NUMBER) ?? []), ...[...shopText.matchAll(DURATION)].flatMap((m) => [m[1], m[2]])]
      .filter((n) => n !== undefined)
      .map(Number),
  );
  blank(DURATION, (m) => [m[1], m[2]].every((n) => n === undefined || knownDurations.has(Number(n))), 'duration');

  const knownAmounts = amountsIn(corpus);
  blank(AMOUNT, (m) => knownAmounts.has(amountValue(m[1] ?? m[2] ?? m[3] ?? '')), 'amount');

  blank(CODE, (m) => corpusLower.includes(m[0].toLowerCase()), 'code', isCode);

  const knownNumbers = new Set(corpus.match(/\d+/g) ?? []);
  blank(LONG_NUMBER, (m) => knownNumbers.has(m[0]), 'number');

  const orders = sources.orders.map((o) => o.order);
  for (const _claim of unsupportedClaims(draft, orders, customerText)) misses.push('status');

  if (misses.length === 0) return ok();
  const counts = new Map<FactKind, number>();
  for (const k of misses) counts.set(k, (counts.get(k) ?? 0) + 1);
  const listed = [...counts].map(([k, n]) => `${n} ${LABEL[k]}`).join(', ');
  return refused('unsupported_facts', {
    misses: misses.length,
    kinds: [...counts.keys()],
    problem: `it states ${listed} that are not in the data provided; state only facts from the order data and its computed facts, the policies, the customer's message or the merchant's settings (links and durations only from the orders, the policies or the merchant's settings, never computed), and leave out anything else`,
  });
}

const LABEL: Record<FactKind, string> = {
  link: 'link(s)',
  date: 'date(s)',
  duration: 'duration(s)',
  amount: 'amount(s)',
  code: 'tracking or reference code(s)',
  number: 'number(s)',
  status: 'order status statement(s)',
};

/**
 * "https://x.example/a." → "https://x.example/a": the sentence's full stop is not part of the link.
 * A loop from the end: `/[.,;:!?]+$/` retries from every dot of a run, quadratic in "…/.....a".
 */
/** Sentence punctuation and closing quotes after a link (a model quoting a policy writes „…“, «…», “…”) are not part of it. */
function withoutTrailingPunctuation(url: string): string {
  let end = url.length;
  while (end > 0 && '.,;:!?“”„«»‘’]'.includes(url[end - 1]!)) end--;
  return url.slice(0, end);
}

/** The policy texts and the return window, as text for the corpus. */
function policiesText(policies: PromptPolicies): string {
  const { returnWindowDays, ...texts } = policies;
  return [returnWindowDays === undefined ? '' : String(returnWindowDays), ...Object.values(texts)].join('\n');
}

/** An order and its computed facts as text for the corpus: every field the model was given. */
function orderFactsText({ order, facts }: OrderWithFacts): string {
  return [
    order.number,
    order.createdAt,
    order.financialStatus,
    order.fulfillmentStatus,
    ...order.tracking.flatMap((t) => [t.company, t.number, t.url]),
    ...order.items.map((i) => `${i.quantity} ${i.title}`),
    order.shippingCity ?? '',
    order.shippingCountry ?? '',
    ...order.shipments.flatMap((s) => [
      s.status,
      s.tracking?.number ?? '',
      s.shippedAt ?? '',
      s.deliveredAt ?? '',
      s.estimatedDeliveryAt ?? '',
    ]),
    facts.daysSinceShipped === null ? '' : String(facts.daysSinceShipped),
    facts.lastReturnDay ?? '',
  ].join('\n');
}

function monthOf(name: string): number {
  return MONTH_OF.get(name.toLowerCase().replace(/\.$/, '')) ?? 0;
}

function fullYear(y: string): number {
  return y.length === 2 ? 2000 + Number(y) : Number(y);
}

/** 12/11/2025 is 12 November in most of Europe and December 11 in the US: either may be meant. */
function numericDates(m: RegExpMatchArray): DateFact[] {
  const a = Number(m[1]);
  const b = Number(m[2]);
  const year = fullYear(m[3]!);
  return [
    { day: a, month: b, year },
    { day: b, month: a, year },
  ];
}

/**
 * Each way a date is written, and how a match reads as dates (a numeric one either way round), in
 * the order the guard blanks them: the same readers find the dates in the sources.
 */
const DATE_READERS: [RegExp, (m: RegExpMatchArray) => DateFact[]][] = [
  [ISO_DATE, (m) => [{ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }]],
  [NUMERIC_DATE, (m) => numericDates(m)],
  [DAY_MONTH, (m) => [{ day: Number(m[1]), month: monthOf(m[2]!), year: m[3] ? Number(m[3]) : null }]],
  [MONTH_DAY, (m) => [{ day: Number(m[2]), month: monthOf(m[1]!), year: m[3] ? Number(m[3]) : null }]],
];

function datesIn(text: string): DateFact[] {
  return DATE_READERS.flatMap(([pattern, read]) => [...text.matchAll(pattern)].flatMap(read));
}

/** "1.234,50", "1,234.50", "12,50", "12" → "1234.50", "1234.50", "12.50", "12". */
function amountValue(raw: string): string {
  const s = raw.replace(/[\s\u00a0\u202f]/g, '');
  const decimal = /[.,](\d{2})$/.exec(s);
  const whole = (decimal ? s.slice(0, -3) : s).replace(/[.,]/g, '');
  const intPart = whole.replace(/^0+(?=\d)/, '');
  return decimal && decimal[1] !== '00' ? `${intPart}.${decimal[1]}` : intPart;
}

/** Every number in the sources, read as an amount would be. */
function amountsIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\d[\d.,]*\d|\d/g)) out.add(amountValue(m[0]));
  return out;
}
