/**
 * Order numbers a customer refers to, read from their own words.
 *
 * Pure, linear-time, no backtracking-prone regular expressions: the text is cut into tokens once
 * (a single-character-class-per-alternative tokenizer, which never backtracks), then a small state
 * machine looks at a bounded window after each keyword or "#". Inputs may be large hostile strings.
 *
 * What counts as a reference (digits only are returned, 3 to 12 of them):
 *  - an order keyword, then up to a few designator tokens, then the number:
 *    "order 1042", "order no. 1042", "order number: 1042", "Order #1042", "my order number is 1042",
 *    "commande n°1042", "numéro de commande 1042", "Bestellung 1042", "Bestell-Nr. 1042",
 *    "pedido nº 1042", "número de pedido 1042", "ordine n. 1042", "numero d'ordine 1042",
 *    "bestelling 1042", "bestelnummer 1042", "ordernummer 1042", and plural lists
 *    ("orders 1042 and 1043");
 *  - a hash: "#1042", "# 1042" (ranked below keyword references; not after "apt", "suite",
 *    "ticket", "invoice"… which number other things);
 *  - inside a URL, only a path segment or query parameter named like an order
 *    (".../view-order/1042/", "?order_number=1042"), ranked last.
 *
 * Store prefixes: Shopify lets a merchant prefix order names ("#SH-1042", "#SH1042"). A prefix of
 * one to four ASCII letters glued to the number, optionally with "-", is accepted after a keyword or
 * a "#", and only the digits are returned ("1042"), because `Order.number` and the store look-ups
 * use the bare number. A suffix glued to the number ("1042AB") rejects it: that is some other code.
 *
 * Never picked up: numbers without a keyword or "#" (phone numbers, postcodes, years, quantities),
 * prices ("€1042", "1042 €", "1042 EUR", "1042.50"), dates ("2025-11-01", "12/11/2025"), times,
 * international phone numbers ("+33…"), space-grouped phone numbers after a keyword
 * ("order 555 123 4567"), alphanumeric tracking codes ("1Z999AA1…"), numbers longer than 12 digits
 * (most parcel tracking numbers), and numbers in URLs or e-mail addresses without an order keyword.
 */

export const MAX_ORDER_REFERENCES = 5;

const MIN_DIGITS = 3;
const MAX_DIGITS = 12;

/** Ranks: a keyword beats a bare "#", which beats a URL parameter. */
const RANK_KEYWORD = 3;
const RANK_HASH = 2;
const RANK_URL = 1;

/** Words that introduce an order number (singular and plural), after NFKC + lower-casing. */
const ORDER_KEYWORDS = new Set([
  // en (also nl "order")
  'order',
  'orders',
  'ordernumber',
  'orderno',
  'ordernr',
  'orderid',
  // fr
  'commande',
  'commandes',
  // de
  'bestellung',
  'bestellungen',
  'bestellnummer',
  'bestellnr',
  'bestell',
  'auftrag',
  'auftragsnummer',
  'auftragsnr',
  // es
  'pedido',
  'pedidos',
  'orden',
  // it
  'ordine',
  'ordini',
  // nl
  'bestelling',
  'bestellingen',
  'bestelnummer',
  'bestelnr',
  'ordernummer',
]);

/**
 * Tokens allowed between a keyword and its number ("order *number is* 1042", "commande *n°* 1042",
 * "pedido *n.º* 1042" → NFKC "n.o"). Punctuation is handled separately.
 */
const DESIGNATOR_WORDS = new Set([
  'no',
  'nr',
  'nro',
  'n',
  'o',
  'num',
  'number',
  'numero',
  'numéro',
  'número',
  'nummer',
  'id',
  'ref',
  'reference',
  'référence',
  'referencia',
  'riferimento',
  'referentie',
  'confirmation',
  'is',
  'ist',
  'est',
  'es',
  'è',
  'was',
  'war',
]);

/** Designators that may be followed by an abbreviation dot ("no.", "Nr.", "n."). */
const ABBREVIATIONS = new Set(['no', 'nr', 'nro', 'n', 'num', 'ref', 'o']);

/** Keywords that are abbreviations and may be followed by a dot. */
const ABBREVIATED_KEYWORDS = new Set(['bestellnr', 'auftragsnr', 'bestelnr', 'ordernr', 'orderno']);

/** Punctuation allowed between keyword and number. "." only after an abbreviation (see above). */
const DESIGNATOR_PUNCT = new Set([':', '#', '-', '°', '№', '=']);

/** Joins a list of numbers: "orders 1042, 1043 and #1044". */
const LIST_CONNECTOR_WORDS = new Set(['and', 'or', 'et', 'ou', 'und', 'oder', 'y', 'o', 'e', 'en', 'of']);
const LIST_CONNECTOR_PUNCT = new Set([',', '&', '/', '+', ';']);

/** A "#" after these words numbers something other than an order. */
const HASH_EXCLUDED_AFTER = new Set([
  'apt',
  'apartment',
  'appt',
  'appartement',
  'suite',
  'ste',
  'unit',
  'room',
  'flat',
  'floor',
  'building',
  'bldg',
  'box',
  'ticket',
  'case',
  'issue',
  'invoice',
  'facture',
  'rechnung',
  'factura',
  'fattura',
  'factuur',
  'tracking',
  'track',
  'parcel',
  'colis',
  'paket',
  'sendung',
  'phone',
  'tel',
  'fax',
  'step',
  'item',
  'sku',
  'article',
  'artikel',
  'size',
  'taille',
  'größe',
  'talla',
  'taglia',
  'maat',
  'pr',
  'pull',
]);

/** Currency words or symbols: a number next to one is a price. */
const CURRENCY_WORDS = new Set([
  'eur',
  'euro',
  'euros',
  'usd',
  'gbp',
  'chf',
  'cad',
  'aud',
  'jpy',
  'sek',
  'nok',
  'dkk',
  'pln',
  'czk',
  'dollar',
  'dollars',
  'pound',
  'pounds',
  'kr',
  'zł',
  'zl',
  'franc',
  'francs',
  'yen',
]);
const CURRENCY_SYMBOLS = new Set(['€', '$', '£', '¥', '₹', '₽', '₩', '¢', '₺', '₪', '₫', '฿']);

/** Separators that, glued between two digit runs, make a date, time, price or phone number. */
const NUMERIC_JOINERS = new Set(['.', ',', '/', '-', ':', "'", '_']);

/** URL path segments / query names that mark an order number inside a URL. */
const URL_ORDER_NAMES = new Set([
  'order',
  'orders',
  'view-order',
  'order-received',
  'order_number',
  'order-number',
  'ordernumber',
  'order_id',
  'order-id',
  'orderid',
  'order_no',
  'orderno',
  'commande',
  'bestellung',
  'pedido',
  'ordine',
  'bestelling',
]);

/**
 * `text.normalize(form)` in time linear in its length. Normalizing sorts each run of combining
 * marks by class, and the runtime's (ICU's) sort is quadratic in the run: 100,000 alternating
 * accents (U+0301 U+0316) take seconds, a megabyte minutes. No word in any language stacks dozens
 * of marks, so, as in Unicode's Stream-Safe Text Format (UAX #15), a run keeps its first 30 and
 * the rest are dropped. U+FF9E and U+FF9F (half-width sound marks) are letters that NFKC turns
 * into combining marks, so they count as marks too.
 */
const MARK_RUN = /([\p{M}\uff9e\uff9f]{30})[\p{M}\uff9e\uff9f]+/gu;
export function normalizeBounded(text: string, form: 'NFC' | 'NFKC'): string {
  return text.replace(MARK_RUN, '$1').normalize(form);
}

type TokenKind = 'word' | 'num' | 'punct' | 'opaque';

interface Token {
  kind: TokenKind;
  /** NFKC, lower-cased text (digits unchanged). */
  text: string;
  /** Whitespace separates this token from the previous one (or it starts a chunk). */
  gap: boolean;
  /** ASCII letters only (for store prefixes). */
  ascii: boolean;
}

interface Candidate {
  digits: string;
  rank: number;
  position: number;
}

// One alternative per character class; each run is maximal and nothing overlaps, so the engine
// never backtracks. `u` flag so astral characters are one token. The groups tell a word from a
// number without another look at the token.
const TOKEN_PATTERN = /([\p{L}\p{M}]+)|([0-9]+)|[^\p{L}\p{M}0-9]/gu;
const CHUNK_PATTERN = /\S+/g;

/** ASCII letters only (the text is lower-cased already). */
function isAsciiWord(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c < 97 || c > 122) return false;
  }
  return true;
}

function isOpaqueChunk(chunk: string): boolean {
  // URLs and e-mail addresses: their digits are ids, not order numbers (URLs are read separately).
  return chunk.includes('://') || chunk.startsWith('www.') || chunk.includes('@');
}

function isUrlChunk(chunk: string): boolean {
  return chunk.includes('://') || chunk.startsWith('www.');
}

// exec loops on the two module-level patterns rather than matchAll, which copies the pattern on
// every call (once per chunk here); tokenize runs to the end without yielding, so nothing else
// moves their lastIndex meanwhile.
function tokenize(text: string, urls: string[]): Token[] {
  const tokens: Token[] = [];
  CHUNK_PATTERN.lastIndex = 0;
  for (let chunkMatch = CHUNK_PATTERN.exec(text); chunkMatch; chunkMatch = CHUNK_PATTERN.exec(text)) {
    const chunk = chunkMatch[0];
    if (isOpaqueChunk(chunk)) {
      if (isUrlChunk(chunk)) urls.push(chunk);
      tokens.push({ kind: 'opaque', text: '', gap: true, ascii: false });
      continue;
    }
    let first = true;
    TOKEN_PATTERN.lastIndex = 0;
    for (let m = TOKEN_PATTERN.exec(chunk); m; m = TOKEN_PATTERN.exec(chunk)) {
      const t = m[0];
      const kind: TokenKind = m[1] !== undefined ? 'word' : m[2] !== undefined ? 'num' : 'punct';
      tokens.push({ kind, text: t, gap: first, ascii: kind === 'word' && isAsciiWord(t) });
      first = false;
    }
  }
  return tokens;
}

function isCurrency(token: Token | undefined): boolean {
  if (!token) return false;
  return token.kind === 'punct' ? CURRENCY_SYMBOLS.has(token.text) : CURRENCY_WORDS.has(token.text);
}

/**
 * Is the number token at `i` a plausible order number on its own (not a price, date, phone number,
 * part of an alphanumeric code)? Looks at most four tokens around it.
 */
function isStandaloneOrderNumber(tokens: Token[], i: number): boolean {
  const tok = tokens[i];
  if (tok?.kind !== 'num') return false;
  if (tok.text.length < MIN_DIGITS || tok.text.length > MAX_DIGITS) return false;

  const next = tokens[i + 1];
  const next2 = tokens[i + 2];
  if (next && !next.gap) {
    // "1042AB", "1042€", "1042.50", "2025-11-01", "10:30"
    if (next.kind === 'word' || next.kind === 'num') return false;
    if (CURRENCY_SYMBOLS.has(next.text)) return false;
    if (NUMERIC_JOINERS.has(next.text) && next2 && !next2.gap && next2.kind === 'num') return false;
    if (next.text === '%') return false;
  }
  // "1042 €", "1042 EUR"
  if (next?.gap && isCurrency(next)) return false;
  // "555 123 4567": two more short digit groups after a gap look like a phone number.
  if (next?.gap && next.kind === 'num' && next.text.length <= 4 && next2?.gap && next2.kind === 'num') {
    return false;
  }

  const prev = tokens[i - 1];
  const prev2 = tokens[i - 2];
  if (!tok.gap && prev) {
    if (prev.text === '+' || CURRENCY_SYMBOLS.has(prev.text)) return false;
    if (NUMERIC_JOINERS.has(prev.text) && !prev.gap && prev2 && prev2.kind === 'num') return false;
  }
  return true;
}

/**
 * At `i`, an optional store prefix then a number: "1042", "SH1042", "SH-1042".
 * Returns the index of the number token, or -1.
 */
function numberAt(tokens: Token[], i: number): number {
  const tok = tokens[i];
  if (!tok) return -1;
  if (tok.kind === 'num') return isStandaloneOrderNumber(tokens, i) ? i : -1;
  if (tok.kind === 'word' && tok.ascii && tok.text.length <= 4) {
    const a = tokens[i + 1];
    if (a && !a.gap && a.kind === 'num') return isStandaloneOrderNumber(tokens, i + 1) ? i + 1 : -1;
    const b = tokens[i + 2];
    if (a && !a.gap && a.text === '-' && b && !b.gap && b.kind === 'num') {
      return isStandaloneOrderNumber(tokens, i + 2) ? i + 2 : -1;
    }
  }
  return -1;
}

/** How many designator tokens may sit between a keyword and its number. */
const MAX_DESIGNATORS = 5;

/**
 * After a keyword at `k`, skip designators and read the number, then any list continuation.
 * Returns the number-token indexes found (possibly none).
 */
function numbersAfterKeyword(tokens: Token[], k: number): number[] {
  let i = k + 1;
  let skipped = 0;
  // "Bestellnr. 1042": abbreviated keywords take a dot too.
  let prevWasAbbreviation = ABBREVIATED_KEYWORDS.has(tokens[k]!.text);
  while (skipped <= MAX_DESIGNATORS) {
    const tok = tokens[i];
    if (!tok) return [];
    const n = numberAt(tokens, i);
    if (n >= 0) return [n, ...listContinuation(tokens, n, PLURAL_KEYWORDS.has(tokens[k]!.text))];
    if (tok.kind === 'word' && DESIGNATOR_WORDS.has(tok.text)) {
      prevWasAbbreviation = ABBREVIATIONS.has(tok.text);
    } else if (tok.kind === 'punct' && DESIGNATOR_PUNCT.has(tok.text)) {
      prevWasAbbreviation = false;
    } else if (tok.kind === 'punct' && tok.text === '.' && prevWasAbbreviation && !tok.gap) {
      prevWasAbbreviation = false;
    } else {
      return [];
    }
    i++;
    skipped++;
  }
  return [];
}

/** Plural keywords announce a list ("orders 1042, 1043"). */
const PLURAL_KEYWORDS = new Set(['orders', 'commandes', 'bestellungen', 'pedidos', 'ordini', 'bestellingen']);

/**
 * "1042, 1043 and #1044": connectors then (optional "#") number, repeated. A bare comma only
 * continues a list after a plural keyword or before a "#", so "order 1042, 75001 Paris" stays one.
 * Each step consumes tokens, so the whole scan stays linear.
 */
function listContinuation(tokens: Token[], n: number, plural: boolean): number[] {
  const found: number[] = [];
  let i = n + 1;
  for (;;) {
    let j = i;
    let sawConnector = false;
    let sawWord = false;
    // up to two connector tokens ("1042, and 1043") then an optional "#"
    for (let c = 0; c < 2; c++) {
      const tok = tokens[j];
      if (!tok) break;
      if (tok.kind === 'word' && LIST_CONNECTOR_WORDS.has(tok.text)) {
        sawConnector = sawWord = true;
        j++;
      } else if (tok.kind === 'punct' && LIST_CONNECTOR_PUNCT.has(tok.text)) {
        sawConnector = true;
        if (tok.text === '&' || tok.text === '+') sawWord = true;
        j++;
      } else break;
    }
    if (!sawConnector) return found;
    let hash = false;
    if (tokens[j]?.text === '#') {
      hash = true;
      j++;
    }
    if (!sawWord && !hash && !plural) return found;
    const next = numberAt(tokens, j);
    if (next < 0) return found;
    found.push(next);
    i = next + 1;
  }
}

/** "#1042", "# 1042", "#SH-1042" at the "#" token `h`. */
function numberAfterHash(tokens: Token[], h: number): number {
  const prev = tokens[h - 1];
  if (prev && prev.kind === 'word' && HASH_EXCLUDED_AFTER.has(prev.text)) return -1;
  // "##1042" or "a#1042" (glued to a word, e.g. a hashtag-ish code) are not references.
  if (prev && !tokens[h]!.gap && (prev.kind === 'word' || prev.kind === 'num' || prev.text === '#')) return -1;
  const next = tokens[h + 1];
  if (!next) return -1;
  if (next.gap && next.kind !== 'num') return -1; // "# SH-1042" is too loose
  return numberAt(tokens, h + 1);
}

/** Order numbers inside a URL, only after a segment or parameter named like an order. */
function numbersInUrl(url: string): string[] {
  const lower = normalizeBounded(url, 'NFKC').toLowerCase();
  // Split path segments and query pairs; each piece is a simple substring.
  const parts = lower.split(/[/?&#;]/);
  const found: string[] = [];
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    const eq = part.indexOf('=');
    if (eq > 0) {
      const name = part.slice(0, eq);
      const value = part.slice(eq + 1);
      if (URL_ORDER_NAMES.has(name) && isDigitsOfOrderLength(value)) found.push(value);
      continue;
    }
    if (URL_ORDER_NAMES.has(part)) {
      const value = parts[p + 1];
      if (value !== undefined && isDigitsOfOrderLength(value)) found.push(value);
    }
  }
  return found;
}

function isDigitsOfOrderLength(s: string): boolean {
  if (s.length < MIN_DIGITS || s.length > MAX_DIGITS) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * The order numbers (digits only) the customer refers to, most likely first, deduplicated,
 * at most five. See the module comment for what is and is not recognised.
 */
export function extractOrderNumbers(text: string): string[] {
  if (!text) return [];
  const urls: string[] = [];
  const tokens = tokenize(normalizeBounded(text, 'NFKC').toLowerCase(), urls);
  const best = new Map<string, Candidate>();
  const add = (digits: string, rank: number, position: number): void => {
    const seen = best.get(digits);
    if (!seen || rank > seen.rank)
      best.set(digits, { digits, rank, position: seen ? Math.min(seen.position, position) : position });
  };

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.kind === 'word' && ORDER_KEYWORDS.has(tok.text)) {
      for (const n of numbersAfterKeyword(tokens, i)) add(tokens[n]!.text, RANK_KEYWORD, n);
    } else if (tok.kind === 'punct' && tok.text === '#') {
      const n = numberAfterHash(tokens, i);
      if (n >= 0) add(tokens[n]!.text, RANK_HASH, n);
    }
  }
  let urlPosition = tokens.length;
  for (const url of urls) {
    for (const digits of numbersInUrl(url)) add(digits, RANK_URL, urlPosition++);
  }

  return [...best.values()]
    .sort((a, b) => b.rank - a.rank || a.position - b.position)
    .slice(0, MAX_ORDER_REFERENCES)
    .map((c) => c.digits);
}
