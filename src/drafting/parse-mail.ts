import PostalMime from 'postal-mime';
import { htmlToText } from './html-text';

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

/** The first `max` UTF-16 code units of `text`, never ending inside a surrogate pair. */
function head(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

export async function parseMail(raw: Uint8Array): Promise<ParsedMail> {
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
    messageId: email.messageId ?? null,
    inReplyTo: email.inReplyTo ?? null,
    references: (email.references ?? '').split(/\s+/).filter((r) => /^<[^<>\s]+>$/.test(r)),
    subject: fixC1(email.subject ?? ''),
    from,
    headers,
    text: fixC1(head(body, MAX_TEXT_CHARS)),
  };
}
