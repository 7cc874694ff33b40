import { toBase64, utf8 } from '../crypto/encoding';
import { trimmedReferences } from './message-ids';
import type { ParsedMail } from './parse-mail';

/**
 * Builds the RFC 5322 reply that becomes the Gmail draft. Written by hand (about forty lines)
 * because the MIME builders on npm pull in Node's Buffer or Babel runtimes we do not want in the
 * Worker; this needs only one text/plain UTF-8 part and RFC 2047 encoded words.
 *
 * Gmail files the draft in the customer's thread when threadId is set AND In-Reply-To/References
 * name the original and the subject matches ("Re: " + original).
 */
export interface ReplyHeaders {
  from: string;
  to: string;
  subject: string;
  inReplyTo: string | null;
  references: string[];
}

const MESSAGE_ID = /^<[^<>\s]{1,250}>$/;
const ADDRESS = /^[^\s<>@,;"]{1,64}@[^\s<>@,;"]{1,255}$/;

export function replyHeadersFor(original: ParsedMail, mailbox: string): ReplyHeaders {
  const messageId = original.messageId && MESSAGE_ID.test(original.messageId) ? original.messageId : null;
  const ids = original.references.filter((r) => MESSAGE_ID.test(r));
  if (messageId && !ids.includes(messageId)) ids.push(messageId);
  const references = trimmedReferences(ids);
  // Always the From address, never Reply-To: the order was matched against From, and order data
  // goes only to the address it was matched with (a Reply-To could aim Jane's order at anyone).
  const to = original.from?.address ?? '';
  const subject = original.subject.replace(/[\r\n]+/g, ' ').trim();
  return {
    from: mailbox,
    to: ADDRESS.test(to) ? to : '',
    subject: /^re:/i.test(subject) ? subject : `Re: ${subject}`.trim(),
    inReplyTo: messageId,
    references,
  };
}

export function buildReplyMessage(headers: ReplyHeaders, text: string, now: Date = new Date()): string {
  const lines = [
    `From: ${headers.from}`,
    `To: ${headers.to}`,
    `Subject: ${encodeWord(headers.subject)}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    ...(headers.inReplyTo ? [`In-Reply-To: ${headers.inReplyTo}`] : []),
    ...(headers.references.length ? [`References: ${headers.references.join('\r\n ')}`] : []),
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
  ];
  const body = lineBroken(toBase64(utf8(text.replace(/\r?\n/g, '\r\n'))));
  return `${lines.join('\r\n')}\r\n\r\n${body}\r\n`;
}

/** A CRLF after every full 76 characters (RFC 2045's limit), cut by slices rather than a regex. */
function lineBroken(base64: string): string {
  let out = '';
  let i = 0;
  for (; i + 76 <= base64.length; i += 76) out += `${base64.slice(i, i + 76)}\r\n`;
  return out + base64.slice(i);
}

/** Bytes per encoded word: 60 base64 characters, so "=?UTF-8?B?…?=" stays within 75 (RFC 2047). */
const WORD_BYTES = 45;

/**
 * The longest ASCII value passed through as it is: with its header's name the line stays within
 * RFC 5322's 998 characters. A longer one is encoded like non-ASCII, in words on folded lines.
 */
const MAX_PLAIN_VALUE = 900;

/**
 * RFC 2047 B-encoding in words that never split a UTF-8 character; ASCII of a line's length passes
 * through. The subject is the customer's, of any length: it is encoded once and cut by bytes, in
 * linear time.
 */
export function encodeWord(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  if (clean.length <= MAX_PLAIN_VALUE && /^[\x20-\x7e]*$/.test(clean)) return clean;
  const bytes = utf8(clean);
  const words: string[] = [];
  for (let start = 0; start < bytes.length; ) {
    let end = Math.min(start + WORD_BYTES, bytes.length);
    // Back off continuation bytes (10xxxxxx): a word ends where a character does.
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
    words.push(`=?UTF-8?B?${toBase64(bytes.subarray(start, end))}?=`);
    start = end;
  }
  return words.join('\r\n ');
}
