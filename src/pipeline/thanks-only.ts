/**
 * A customer's plain "thank you" in reply to the shop, seen in Gmail's preview of the message
 * (the metadata read's `snippet`): no draft, and its body is never downloaded, its orders never
 * read, the model never asked. Anything more than thanks, a greeting, a sign-off and the sender's
 * own name goes on as usual, and the model decides (no_reply_needed).
 *
 * Gmail's snippet is "a short part of the message text" (users.messages resource): the start of
 * the text, whitespace collapsed, HTML-escaped, cut at about 200 characters (the web UI shows
 * about 100). So the preview decides only when it provably holds all of the customer's new words:
 * it is shorter than any cut, or an attribution line ("On … wrote:") ends them inside it.
 * Conservative on every other count: a reply subject (a new subject may be the question itself),
 * no attachment (a photo may be the question), no question mark.
 *
 * Linear in the snippet, which is capped: indexOf scans and one tokenizing pass.
 */

export interface MessagePreview {
  snippet: string;
  /** The message's own Content-Type (payload.mimeType); null when Gmail gave none. */
  mimeType: string | null;
  subject: string | undefined;
  /** The From header as Gmail gave it: the sender's own name may sign the thanks. */
  from: string | undefined;
}

/** Shorter than Gmail's preview is ever cut: the whole text is in it. */
const WHOLE_PREVIEW_CHARS = 90;
/** Gmail's previews are ~200 characters; anything far longer is not one. */
const MAX_PREVIEW_CHARS = 1000;
const MAX_WORDS = 16;

const PLAIN_TYPES = new Set(['text/plain', 'text/html', 'multipart/alternative']);
const REPLY_SUBJECT = /^\s*(re|aw|sv|antw|r|rif|ref|réf|res)\s*(\[\d{1,4}\])?\s*:/i;

/** Words that alone thank (at least one must be there). */
const THANKS = new Set(['thank', 'thanks', 'thx', 'merci', 'danke', 'dank', 'bedankt', 'gracias', 'grazie']);
/** Words that may go with them: amplifiers, greetings, sign-offs (en, fr, de, es, it, nl). */
const WITH_THANKS = new Set(
  [
    'you so very much a lot lots many again really for your the help everything all great kind regards best wishes cheers hi hello hey dear',
    'beaucoup bien encore pour tout votre aide mille fois bonne journée cordialement bonjour salut',
    'vielen herzlichen sehr für ihre hilfe alles liebe viele grüße grüsse gruß gruss hallo schön',
    'muchas muchísimas por todo su ayuda saludos hola mil',
    'tante molte per tutto aiuto saluti ciao',
    'je u wel hartelijk heel erg voor hulp groetjes groeten',
  ]
    .join(' ')
    .split(' '),
);

/** Where an attribution line ends (lower-cased), as in drafting/latest-text.ts. */
const ATTRIBUTION_ENDINGS = ['wrote:', 'a écrit', 'schrieb', 'geschrieben:', 'escribió:', 'ha scritto:', 'schreef'];
/** Where one starts: "On …", "Le …", "Am …", "El …", "Il …", "Op …". */
const ATTRIBUTION_OPENERS = ['on ', 'le ', 'am ', 'el ', 'il ', 'op '];
const MAX_ATTRIBUTION_CHARS = 200;
/** Mobile footers, lower-cased: not words of the customer's. */
const FOOTERS = [
  'sent from my iphone',
  'sent from my android',
  'sent from my phone',
  'envoyé de mon iphone',
  'von meinem iphone gesendet',
  'enviado desde mi iphone',
  'inviato da iphone',
  'verstuurd vanaf mijn iphone',
  'get outlook for ios',
  'get outlook for android',
];

export function isThanksOnly(preview: MessagePreview): boolean {
  const { snippet, mimeType, subject } = preview;
  if (snippet.length > MAX_PREVIEW_CHARS) return false;
  if (!mimeType || !PLAIN_TYPES.has(mimeType.toLowerCase())) return false;
  if (!subject || !REPLY_SUBJECT.test(subject)) return false;
  let text = unescapeHtml(snippet).toLowerCase();
  const cut = attributionStart(text);
  if (cut !== null) text = text.slice(0, cut);
  else if (snippet.length >= WHOLE_PREVIEW_CHARS) return false; // may go on past the preview
  if (text.includes('?')) return false;
  for (const footer of FOOTERS) text = text.replaceAll(footer, ' ');
  return onlyThanks(text, nameWords(preview.from));
}

/** Every word thanks, goes with thanks, or is one of the sender's names; at least one thanks. */
function onlyThanks(text: string, names: ReadonlySet<string>): boolean {
  const words = text.match(/[\p{L}\p{M}]+/gu) ?? [];
  if (words.length === 0 || words.length > MAX_WORDS) return false;
  let thanked = false;
  for (const w of words) {
    if (THANKS.has(w)) thanked = true;
    else if (!WITH_THANKS.has(w) && !names.has(w)) return false;
  }
  return thanked;
}

/** Where the quoted history's attribution begins, when one ends inside the text (a digit or "@" in it). */
function attributionStart(text: string): number | null {
  let end = -1;
  for (const ending of ATTRIBUTION_ENDINGS) {
    const at = text.indexOf(ending);
    if (at >= 0 && (end < 0 || at < end)) end = at;
  }
  if (end < 0) return null;
  const from = Math.max(0, end - MAX_ATTRIBUTION_CHARS);
  let start = -1;
  for (const opener of ATTRIBUTION_OPENERS) {
    const at = text.lastIndexOf(opener, end);
    if (at >= from && (at === 0 || text[at - 1] === ' ') && at > start) start = at;
  }
  if (start < 0) return null;
  return /[\d@]/.test(text.slice(start, end)) ? start : null;
}

/** The words of the From header's display name (before the address), two letters or more. */
function nameWords(from: string | undefined): Set<string> {
  if (!from || from.length > MAX_PREVIEW_CHARS) return new Set();
  const lt = from.indexOf('<');
  const name = (lt >= 0 ? from.slice(0, lt) : '').toLowerCase();
  return new Set((name.match(/[\p{L}\p{M}]+/gu) ?? []).filter((w) => w.length >= 2));
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Gmail's snippet is HTML-escaped (&#39;, &amp;, …). */
function unescapeHtml(s: string): string {
  return s.replace(/&(#\d{1,6}|#x[\da-f]{1,5}|[a-z]{2,6});/gi, (whole, code: string) => {
    if (code[0] !== '#') return ENTITIES[code.toLowerCase()] ?? whole;
    const n = code[1] === 'x' || code[1] === 'X' ? Number.parseInt(code.slice(2), 16) : Number(code.slice(1));
    return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : whole;
  });
}
