/**
 * A customer's plain "thank you" in answer to the shop, seen in Gmail's preview of the message
 * (the metadata read's `snippet`): no draft, and its body is never downloaded, its orders never
 * read, the model never asked. Anything more than thanks, a greeting and a sign-off with the
 * sender's own name goes on as usual, and the model decides (no_reply_needed).
 *
 * Gmail's snippet is "a short part of the message text" (users.messages resource): in practice the
 * start of the text, whitespace collapsed, HTML-escaped, cut at about 200 characters (the web UI
 * shows about 100). So the preview decides only when it provably holds all of the customer's new
 * words: it is shorter than any cut, or an attribution line with an address ("On … <shop@…>
 * wrote:") ends them inside it, the quote (">") following. Known price: words typed inline inside
 * the quote, past the preview, are not seen.
 * Conservative on every other count: only in a thread the shop wrote in before (a "Re:" subject
 * alone proves nothing), under a reply subject, no attachment, no digit, no question mark, no
 * emoji but a few kind ones, words of one language only.
 *
 * Linear in its inputs, which are capped: indexOf scans, one tokenizing pass, anchored regexes.
 */

export interface MessagePreview {
  snippet: string;
  /** The message's own Content-Type (payload.mimeType); null when Gmail gave none. */
  mimeType: string | null;
  subject: string | undefined;
  /** The From header as Gmail gave it: the sender's own name may sign the thanks. */
  from: string | undefined;
  /** The message joined a thread in which the shop wrote before it (a SENT message). */
  answersShop: boolean;
}

/** Shorter than Gmail's preview is ever cut: the whole text is in it. */
const WHOLE_PREVIEW_CHARS = 90;
/** Gmail's previews are ~200 characters; anything far longer is not one. */
const MAX_PREVIEW_CHARS = 1000;
/** A reply prefix is at the start: only so much of a subject is looked at. */
const SUBJECT_HEAD_CHARS = 64;
/** A display name is short: longer From values give no name words. */
const MAX_FROM_CHARS = 320;
const MAX_WORDS = 16;
/** A sign-off is a name or two (three with a middle name). */
const MAX_NAME_WORDS = 3;

/** text/html alone may carry remote images; multipart/mixed and related carry attachments. */
const PLAIN_TYPES = new Set(['text/plain', 'multipart/alternative']);
const REPLY_SUBJECT = /^\s{0,4}(?:re|aw|sv|antw|r|rif|res)(?:\[\d{1,4}\])?\s{0,4}:/i;

/** Per language: words that thank (one must be there), and words that may go with them. */
const LANGUAGES = [
  {
    thanks: 'thank thanks thx',
    with: 'you so very much a lot lots many again really for your the help everything all great kind regards best wishes cheers hi hello hey dear have nice day',
  },
  {
    thanks: 'merci',
    with: 'beaucoup bien encore pour tout votre ton aide mille fois bonne journée soirée cordialement bonjour salut',
  },
  {
    thanks: 'danke dank',
    with: 'vielen herzlichen schön sehr für ihre deine hilfe alles liebe viele grüße grüsse gruß gruss hallo tag einen schönen',
  },
  { thanks: 'gracias', with: 'muchas muchísimas mil por todo su tu ayuda saludos hola buen día' },
  { thanks: 'grazie', with: 'mille tante molte per tutto il suo tuo aiuto saluti ciao buona giornata' },
  { thanks: 'dank bedankt', with: 'je u wel hartelijk heel erg voor hulp alles groetjes groeten hallo fijne dag' },
].map((l) => ({ thanks: new Set(l.thanks.split(' ')), with: new Set(l.with.split(' ')) }));

/** Where an attribution line ends (lower-cased, after a space), as in drafting/latest-text.ts. */
const ATTRIBUTION_ENDINGS = [
  ' wrote:',
  ' a écrit :',
  ' a écrit:',
  ' schrieb:',
  ' geschrieben:',
  ' escribió:',
  ' ha scritto:',
  ' schreef:',
];
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
/**
 * Besides letters and spaces, only these: punctuation that ends or softens thanks, and a few kind
 * emoji. A digit may be the order number the shop asked for; "(" may be ":(".
 */
const ALLOWED = /^[\p{L}\p{M}\s&!.,;:'’"\-–—…)🙏😊🙂😀😃☺❤♥👍]*$/u;
/** The emoji presentation selector ("❤️" is ❤ and U+FE0F): dropped before the checks. */
const EMOJI_SELECTOR = /\uFE0F/g;

export function isThanksOnly(preview: MessagePreview): boolean {
  const { snippet, mimeType, subject } = preview;
  if (!preview.answersShop || snippet.length > MAX_PREVIEW_CHARS) return false;
  if (!mimeType || !PLAIN_TYPES.has(mimeType.toLowerCase())) return false;
  if (!subject || !REPLY_SUBJECT.test(subject.slice(0, SUBJECT_HEAD_CHARS))) return false;
  let text = unescapeHtml(snippet).toLowerCase();
  const cut = attributionStart(text);
  if (cut !== null) text = text.slice(0, cut);
  else if (snippet.length >= WHOLE_PREVIEW_CHARS) return false; // may go on past the preview
  for (const footer of FOOTERS) text = text.replaceAll(footer, ' ');
  text = text.replace(EMOJI_SELECTOR, ''); // a mark by Unicode's count: it would read as a word
  if (!ALLOWED.test(text)) return false;
  return onlyThanks(text, nameWords(preview.from));
}

/**
 * Every word thanks or goes with thanks in one language, save a sign-off of the sender's own
 * names at the end; at least one word thanks.
 */
function onlyThanks(text: string, names: ReadonlySet<string>): boolean {
  const words = text.match(/[\p{L}\p{M}]+/gu) ?? [];
  if (words.length === 0 || words.length > MAX_WORDS) return false;
  let end = words.length;
  while (end > 0 && words.length - end < MAX_NAME_WORDS && names.has(words[end - 1]!)) end--;
  const said = words.slice(0, end);
  return LANGUAGES.some(
    (l) => said.some((w) => l.thanks.has(w)) && said.every((w) => l.thanks.has(w) || l.with.has(w)),
  );
}

/**
 * Where the quoted history's attribution begins, when one ends inside the text: it names an
 * address, and the quote (">") follows it or the preview ends there.
 */
function attributionStart(text: string): number | null {
  let end = -1;
  let ending = '';
  for (const e of ATTRIBUTION_ENDINGS) {
    const at = text.indexOf(e);
    if (at >= 0 && (end < 0 || at < end)) [end, ending] = [at, e];
  }
  if (end < 0) return null;
  const after = text.slice(end + ending.length).trimStart();
  if (after && !after.startsWith('>')) return null;
  const from = Math.max(0, end - MAX_ATTRIBUTION_CHARS);
  let start = -1;
  for (const opener of ATTRIBUTION_OPENERS) {
    const at = text.lastIndexOf(opener, end);
    if (at >= from && (at === 0 || text[at - 1] === ' ') && at > start) start = at;
  }
  if (start < 0) return null;
  const line = text.slice(start, end);
  return /<[^<>\s]{1,200}@[^<>\s]{1,200}>/.test(line) ? start : null;
}

/** The words of the From header's display name (before the address), two letters or more. */
function nameWords(from: string | undefined): Set<string> {
  if (!from || from.length > MAX_FROM_CHARS) return new Set();
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
