/**
 * The customer's latest words from a plain-text e-mail body: quoted history, forwarded messages,
 * signatures and mobile footers removed, the rest kept as written.
 *
 * One pass over the lines (each line is looked at a bounded number of times, attribution lines
 * joined over at most three lines), no backtracking-prone regular expressions: safe on large
 * hostile input.
 *
 * Rules, in the order a line is checked:
 *  - "> …" lines are dropped one by one; unquoted text between or after them (inline or
 *    bottom-posted replies) is kept.
 *  - An attribution line ("On … wrote:", "Le … a écrit :", "Am … schrieb …:", "El … escribió:",
 *    "Il … ha scritto:", "Op … schreef …:", possibly wrapped over up to three lines, and holding a
 *    digit or an "@" so that "On Monday I wrote:" is not one) is dropped. If quoted ("> ") lines
 *    follow it, scanning goes on after them (bottom posting); otherwise everything from it on is
 *    history and is cut.
 *  - These cut everything from the line on: Outlook header blocks (a "From:"/"De :"/"Von:"/"De:"/
 *    "Da:"/"Van:" line followed within five lines by a "Sent:"/"Date:"/"To:"/"Subject:" line or a
 *    localized one, or such a "Date:"/"Sent:"/"Envoyé :" line right before that "From:"),
 *    "-----Original Message-----" and localized forms, Gmail's
 *    "---------- Forwarded message ---------" and localized forms, Apple Mail's
 *    "Begin forwarded message:" and localized forms, the signature delimiter "-- " (or "--"),
 *    and short mobile footers ("Sent from my iPhone", "Envoyé de mon iPhone",
 *    "Von meinem iPhone gesendet", "Enviado desde mi iPhone", "Inviato da iPhone",
 *    "Verstuurd vanaf mijn iPhone", "Get Outlook for iOS"…).
 * Then trailing separator lines ("____", "----") and blank lines are removed, runs of blank lines
 * collapse to one, trailing spaces go, and the text is cut to `maxLength` characters at a word
 * boundary, with "…" marking the cut.
 */

export const MAX_LATEST_TEXT_LENGTH = 4000;

export interface LatestTextOptions {
  /** Maximum length of the result in UTF-16 code units, "…" included. Default 4,000. */
  maxLength?: number;
}

/** Attribution lines are short; a long paragraph ending in "wrote:" is not one. */
const MAX_ATTRIBUTION_LENGTH = 400;
/** Footers are short lines. */
const MAX_FOOTER_LENGTH = 80;
/** Longer lines cannot be markers: not canonicalized (their canonical form is ""). */
const MAX_CANON_LENGTH = 1000;
/** How far after a "From:" line the other header lines are looked for. */
const HEADER_BLOCK_WINDOW = 5;

/** Endings of a one-line (or wrapped) attribution, lower-cased, spaces normalized. */
const ATTRIBUTION_ENDINGS = [
  'wrote:', // en
  'a écrit:',
  'a écrit :', // fr
  'schrieb:',
  'folgendes geschrieben:', // de ("… schrieb:", GMX/Web.de "… hat X folgendes geschrieben:")
  'escribió:',
  'escribio:', // es
  'ha scritto:', // it
  'schreef:',
  'het volgende geschreven:', // nl
];

/** Openers of attributions whose ending is not fixed ("Am … schrieb Jane <j@x>:"). */
const ATTRIBUTION_OPENERS_WITH_VERB: ReadonlyArray<readonly [string, string]> = [
  ['am ', ' schrieb '],
  ['op ', ' schreef '],
  ['el ', ' escribió'],
  ['le ', ' a écrit'],
  ['il ', ' ha scritto'],
  ['on ', ' wrote'],
];

/** First words of attributions that may wrap over several lines. */
const ATTRIBUTION_OPENERS = ['on ', 'le ', 'am ', 'el ', 'il ', 'op '];

/** The "From:" of an Outlook header block, localized. */
const HEADER_FROM = ['from:', 'de:', 'de :', 'von:', 'da:', 'van:', 'from :'];
/** The other lines of an Outlook header block, localized. */
const HEADER_OTHERS = [
  'sent:',
  'date:',
  'to:',
  'cc:',
  'subject:',
  'envoyé:',
  'envoyé :',
  'date :',
  'à:',
  'à :',
  'a :',
  'objet:',
  'objet :',
  'cc :',
  'gesendet:',
  'datum:',
  'an:',
  'betreff:',
  'enviado:',
  'enviado el:',
  'fecha:',
  'para:',
  'asunto:',
  'inviato:',
  'data:',
  'a:',
  'oggetto:',
  'verzonden:',
  'aan:',
  'onderwerp:',
];

/** Words inside "-----Original Message-----" style separators, localized. */
const ORIGINAL_MESSAGE_WORDS = [
  'original message',
  "message d'origine",
  'message d’origine',
  'message original',
  'ursprüngliche nachricht',
  'original nachricht',
  'originalnachricht',
  'original-nachricht',
  'mensaje original',
  'messaggio originale',
  'oorspronkelijk bericht',
  'origineel bericht',
];

/** Words inside "---------- Forwarded message ---------" separators, localized. */
const FORWARDED_SEPARATOR_WORDS = [
  'forwarded message',
  'message transféré',
  'weitergeleitete nachricht',
  'mensaje reenviado',
  'messaggio inoltrato',
  'doorgestuurd bericht',
  'forwarded',
  'transféré',
  'weitergeleitet',
  'reenviado',
  'inoltrato',
  'doorgestuurd',
];

/** Apple Mail's forwarded-message line, localized (lower-cased, without the trailing colon). */
const FORWARD_BEGIN_LINES = [
  'begin forwarded message',
  'début du message réexpédié',
  'début du message transféré',
  'anfang der weitergeleiteten nachricht',
  'anfang der weitergeleiteten e-mail',
  'inicio del mensaje reenviado',
  'comienzo del mensaje reenviado',
  'inizio messaggio inoltrato',
  'inizio del messaggio inoltrato',
  'begin doorgestuurd bericht',
  'begin van doorgestuurd bericht',
];

/** Mobile and webmail footers: line starts (lower-cased). */
const FOOTER_STARTS = [
  'sent from my ',
  'sent from mail for ',
  'sent from yahoo mail',
  'sent from outlook',
  'sent from the ',
  'sent with proton',
  'sent via ',
  'get outlook for ',
  'sent from samsung',
  'sent from gmail',
  'envoyé de mon ',
  'envoyé depuis mon ',
  'envoyé à partir de ',
  'envoyé depuis ',
  'obtenir outlook pour ',
  'télécharger outlook pour ',
  'von meinem ',
  'gesendet von meinem ',
  'gesendet mit ',
  'gesendet von ',
  'outlook für ',
  'enviado desde mi ',
  'enviado desde ',
  'obtener outlook para ',
  'descargar outlook para ',
  'inviato da ',
  'inviato dal mio ',
  'scarica outlook per ',
  'verstuurd vanaf mijn ',
  'verzonden vanaf mijn ',
  'verzonden met ',
  'verstuurd met ',
  'outlook voor ',
];

function normalizeSpaces(line: string): string {
  // Non-breaking and narrow non-breaking spaces (French typography before ":"), tabs.
  return line.replace(/[\u00a0\u202f\u2007\t]/g, ' ');
}

/** Lower-cased, trimmed, inner runs of spaces collapsed; for matching only. */
function canon(line: string): string {
  return normalizeSpaces(line).trim().replace(/ {2,}/g, ' ').toLowerCase();
}

/**
 * Matching copies of the lines (lower-cased, spaces normalized), each made when first looked at:
 * reading stops at the quoted history, usually long before the end. Lines longer than any marker
 * are not canonicalized, since no rule can match them.
 */
class CanonLines {
  private readonly made: (string | undefined)[] = [];
  constructor(private readonly lines: readonly string[]) {}

  get length(): number {
    return this.lines.length;
  }

  at(i: number): string {
    let c = this.made[i];
    if (c === undefined) {
      const line = this.lines[i]!;
      c = line.length > MAX_CANON_LENGTH ? '' : canon(line);
      this.made[i] = c;
    }
    return c;
  }
}

function isQuoted(line: string): boolean {
  const t = line.trimStart();
  return t.startsWith('>');
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

function hasDigitOrAt(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 64) return true;
  }
  return false;
}

function looksLikeAttribution(c: string): boolean {
  if (c.length === 0 || c.length > MAX_ATTRIBUTION_LENGTH) return false;
  if (!hasDigitOrAt(c)) return false;
  for (const end of ATTRIBUTION_ENDINGS) if (c.endsWith(end)) return true;
  if (c.endsWith(':')) {
    for (const [open, verb] of ATTRIBUTION_OPENERS_WITH_VERB) {
      if (c.startsWith(open) && c.includes(verb)) return true;
    }
  }
  return false;
}

/**
 * If an attribution starts at line `i`, how many lines it spans (1 to 3), else 0.
 * Wrapped attributions must begin with an opener word ("On", "Le", "Am", …).
 */
function attributionSpan(canonLines: CanonLines, i: number): number {
  const first = canonLines.at(i);
  if (first.length === 0 || first.length > MAX_ATTRIBUTION_LENGTH) return 0;
  if (looksLikeAttribution(first)) return 1;
  if (!ATTRIBUTION_OPENERS.some((o) => first.startsWith(o))) return 0;
  let joined = first;
  for (let k = 1; k <= 2 && i + k < canonLines.length; k++) {
    const next = canonLines.at(i + k);
    if (next.length === 0) return 0;
    joined = `${joined} ${next}`;
    if (joined.length > MAX_ATTRIBUTION_LENGTH) return 0;
    if (looksLikeAttribution(joined)) return k + 1;
  }
  return 0;
}

/** "*From:* Jane" (bold markers from HTML conversion) → "from: jane". */
function stripEmphasis(c: string): string {
  let s = c;
  while (s.startsWith('*') || s.startsWith('_')) s = s.slice(1);
  return s.replace(/^([^*:]{1,20}):\*/, '$1:');
}

function startsWithAny(s: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (s.startsWith(p)) return true;
  return false;
}

function isHeaderBlockStart(canonLines: CanonLines, i: number): boolean {
  const c = stripEmphasis(canonLines.at(i));
  // Some clients (Outlook.com, Outlook in French) put "Date:"/"Envoyé :" before "From:"/"De :":
  // such a line starts the block when a From block follows at once.
  if (
    startsWithAny(c, HEADER_OTHERS) &&
    i + 1 < canonLines.length &&
    startsWithAny(stripEmphasis(canonLines.at(i + 1)), HEADER_FROM)
  ) {
    return isFromBlock(canonLines, i + 1);
  }
  return isFromBlock(canonLines, i);
}

function isFromBlock(canonLines: CanonLines, i: number): boolean {
  const c = stripEmphasis(canonLines.at(i));
  if (!startsWithAny(c, HEADER_FROM)) return false;
  for (let k = 1; k <= HEADER_BLOCK_WINDOW && i + k < canonLines.length; k++) {
    const next = stripEmphasis(canonLines.at(i + k));
    if (startsWithAny(next, HEADER_OTHERS)) return true;
  }
  return false;
}

/** A line of dashes around words: "-----Original Message-----", "---------- Forwarded message ---------". */
function isDashedSeparator(c: string, words: readonly string[]): boolean {
  if (!c.startsWith('--') || c.length > 120) return false;
  return words.some((w) => c.includes(w));
}

function isForwardBegin(c: string): boolean {
  if (c.length > 80) return false;
  const s = c.endsWith(':') ? c.slice(0, -1).trimEnd() : c;
  return FORWARD_BEGIN_LINES.includes(s);
}

function isSignatureDelimiter(line: string): boolean {
  const s = line.replace(/[\u00a0\u202f]/g, ' ');
  return s === '-- ' || s === '--' || s.trim() === '--';
}

function isFooter(c: string): boolean {
  if (c.length > MAX_FOOTER_LENGTH) return false;
  if (startsWithAny(c, FOOTER_STARTS)) return true;
  // "Von meinem iPhone gesendet" ends with the verb.
  return c.startsWith('von meinem') && c.endsWith('gesendet');
}

/** Does the line start history that runs to the end of the message? */
function isCutLine(lines: readonly string[], canonLines: CanonLines, i: number): boolean {
  if (isSignatureDelimiter(lines[i]!)) return true;
  const c = canonLines.at(i);
  if (c.length === 0) return false;
  if (isDashedSeparator(c, ORIGINAL_MESSAGE_WORDS)) return true;
  if (isDashedSeparator(c, FORWARDED_SEPARATOR_WORDS)) return true;
  if (isForwardBegin(c)) return true;
  if (isFooter(c)) return true;
  if (isHeaderBlockStart(canonLines, i)) return true;
  return false;
}

function isSeparatorOnly(line: string): boolean {
  const t = line.trim();
  if (t.length < 2) return false;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (ch !== '_' && ch !== '-' && ch !== '=' && ch !== '*' && ch !== '~') return false;
  }
  return true;
}

/** Cut to at most `max` code units at a word boundary, never inside a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const ellipsis = '…';
  const room = Math.max(0, max - ellipsis.length);
  let cut = room;
  // Prefer the last whitespace in the final fifth of the allowed room.
  const floor = Math.floor(room * 0.8);
  let ws = -1;
  for (let i = room; i > floor; i--) {
    const code = text.charCodeAt(i);
    if (code === 32 || code === 10 || code === 9) {
      ws = i;
      break;
    }
  }
  if (ws > 0) cut = ws;
  // Do not split a surrogate pair.
  const before = text.charCodeAt(cut - 1);
  if (cut > 0 && before >= 0xd800 && before <= 0xdbff) cut--;
  return text.slice(0, cut).trimEnd() + ellipsis;
}

/**
 * The customer's latest text from a plain-text body: quoted history, forwards, signatures and
 * mobile footers dropped, blank lines tidied, cut to `maxLength` (default 4,000) characters.
 */
export function latestCustomerText(text: string, options: LatestTextOptions = {}): string {
  const maxLength = options.maxLength ?? MAX_LATEST_TEXT_LENGTH;
  if (!text) return '';
  // Drop a BOM; normalize line endings.
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = source.split(/\r\n|\r|\n/);
  const canonLines = new CanonLines(lines);

  const kept: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isQuoted(line)) {
      i++;
      continue;
    }
    const span = attributionSpan(canonLines, i);
    if (span > 0) {
      // Quoted lines after the attribution: a quote inside the message; keep reading after it.
      let j = i + span;
      while (j < lines.length && isBlank(lines[j]!)) j++;
      if (j < lines.length && isQuoted(lines[j]!)) {
        i = j;
        continue;
      }
      break;
    }
    if (isCutLine(lines, canonLines, i)) break;
    kept.push(line.trimEnd());
    i++;
  }

  // Trailing separators ("____" before an Outlook block) and blanks.
  while (kept.length > 0 && (isBlank(kept[kept.length - 1]!) || isSeparatorOnly(kept[kept.length - 1]!))) kept.pop();
  let start = 0;
  while (start < kept.length && isBlank(kept[start]!)) start++;

  // Collapse runs of blank lines to one.
  const tidy: string[] = [];
  for (let k = start; k < kept.length; k++) {
    const l = kept[k]!;
    if (l === '' && tidy.length > 0 && tidy[tidy.length - 1] === '') continue;
    tidy.push(l);
  }
  return truncate(tidy.join('\n'), maxLength);
}
