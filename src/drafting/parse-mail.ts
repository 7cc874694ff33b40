import PostalMime from 'postal-mime';
import { htmlToText } from './html-text';
import { messageIdsIn } from './message-ids';

/**
 * One incoming email, parsed in memory. Only what the pipeline needs is kept; attachments are
 * parsed over by postal-mime but never read (an attached message is not opened at all). Any charset
 * the runtime's TextDecoder knows is decoded, RFC 2047 encoded words included. Never persist or
 * log any of these fields.
 */
export interface ParsedMail {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  subject: string;
  from: { address: string; name: string | null } | null;
  /** Lower-cased header names → raw values (first occurrence), for the filters. */
  headers: Map<string, string>;
  /**
   * Plain text of the body: the text/plain part, else the HTML converted (html-text.ts), at most
   * MAX_TEXT_CHARS of it. Attachments are never part of it.
   */
  text: string;
}

/**
 * windows-1252's printable characters in 0x80–0x9F (€, curly quotes, dashes, Œ…) for the C1
 * control characters some TextDecoders produce instead (Node before 22 decodes windows-1252 as
 * ISO-8859-1). C1 controls never belong in mail text, so mapping them is safe for every charset.
 */
const CP1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const fixC1 = (text: string): string => text.replace(/[\u0080-\u009f]/g, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]!);

/**
 * How much of a body is read. The customer's latest words come first and are short (latest-text.ts
 * keeps 4,000 characters of them); what follows is quoted history, signatures and markup. Cutting
 * the tail loses nothing the draft needs, and bounds the work a hostile 8 MB body can cause in
 * every later step. The HTML gets more room than the text because markup is most of its weight.
 */
export const MAX_HTML_CHARS = 512 * 1024;
/** The text handed on (a text/plain part, or the HTML converted): see MAX_HTML_CHARS. */
export const MAX_TEXT_CHARS = 256 * 1024;
/**
 * All header lines of the message and its parts together, in bytes; postal-mime throws beyond it,
 * and the sync skips the message as unprocessable. Its own default (2 MB) lets a hostile To or Cc of
 * "a:a:a:…" (groups, which it parses 50 levels deep) hold the server for about 10 s; real mail has
 * a few kilobytes, and Postfix, for one, keeps only the first 100 KB of a message's headers.
 */
export const MAX_HEADER_BYTES = 256 * 1024;

/**
 * Line breaks in the whole raw message; beyond it the message is refused unparsed, and the sync
 * skips it as unprocessable. postal-mime keeps every line of a 7bit/8bit part as its own piece and
 * joins them through a Blob, which Node builds at about 15 µs a piece: 1 MB of blank lines held
 * the Node server for 8 s, the 8 MB a message may have for over a minute. Encoded lines cost a
 * tenth of that, and real mail has long ones: 8 MB of 76-column base64 (a large photo) is 110,000.
 */
export const MAX_MESSAGE_LINES = 150_000;
/**
 * Lines that start with "--" (each one a possible MIME boundary, so a new part): beyond it the
 * message is refused as above. An empty part costs postal-mime about 40 µs; real mail has a few
 * dozen parts, and a few hundred dashed lines in quoted history or signatures.
 */
export const MAX_DASHED_LINES = 10_000;

/** Whether the message has more lines, or more "--" lines, than is worth parsing. */
function tooManyLines(raw: Uint8Array): boolean {
  let lines = 0;
  let dashed = 0;
  for (let i = raw.indexOf(10); i >= 0; i = raw.indexOf(10, i + 1)) {
    if (++lines > MAX_MESSAGE_LINES) return true;
    if (raw[i + 1] === 45 && raw[i + 2] === 45 && ++dashed > MAX_DASHED_LINES) return true;
  }
  return false;
}

/** The first `max` UTF-16 code units of `text`, never ending inside a surrogate pair. */
function head(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

export async function parseMail(raw: Uint8Array): Promise<ParsedMail> {
  if (tooManyLines(raw)) throw new RangeError('message has too many lines to parse');
  const email = await PostalMime.parse(raw, {
    attachmentEncoding: 'arraybuffer',
    maxRfc822NestingDepth: 0,
    maxHeadersSize: MAX_HEADER_BYTES,
  });
  const headers = new Map<string, string>();
  for (const h of email.headers) if (!headers.has(h.key)) headers.set(h.key, h.value);
  const from = email.from?.address
    ? { address: email.from.address.toLowerCase(), name: email.from.name ? fixC1(email.from.name) : null }
    : null;
  const body = email.text?.trim() ? email.text : email.html ? htmlToText(head(email.html, MAX_HTML_CHARS)) : '';
  return {
    messageId: messageIdsIn(email.messageId)[0] ?? null,
    inReplyTo: messageIdsIn(email.inReplyTo)[0] ?? null,
    references: messageIdsIn(email.references),
    subject: fixC1(email.subject ?? ''),
    from,
    headers,
    text: fixC1(head(body, MAX_TEXT_CHARS)),
  };
}
