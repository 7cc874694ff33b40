/**
 * Just enough RFC 5322 / MIME reading for the Gmail fake: headers (unfolded, RFC 2047 decoded, as
 * Gmail shows them in `payload.headers`), the part tree for `format=full`, a snippet, and the
 * Message-ID / In-Reply-To / References / Subject values Gmail threads on.
 * Works on bytes through a latin1 view so byte offsets survive; no Buffer (runs on Workers too).
 */

export interface MimeHeader {
  name: string;
  value: string;
}

export interface MimePart {
  headers: MimeHeader[];
  mimeType: string;
  filename: string;
  /** Decoded body bytes (transfer encoding undone); empty for multipart containers. */
  body: Uint8Array;
  charset: string | null;
  parts: MimePart[];
}

const utf8Decoder = new TextDecoder('utf-8');

export function bytesToLatin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return out;
}

export function latin1ToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export function base64UrlEncode(bytes: Uint8Array): string {
  return btoa(bytesToLatin1(bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Accepts base64url or base64, padded or not; null when it is neither. */
export function base64Decode(text: string): Uint8Array | null {
  const normal = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normal) || normal.replace(/=+$/, '').length % 4 === 1) return null;
  try {
    return latin1ToBytes(
      atob(normal.replace(/=+$/, '').padEnd(Math.ceil(normal.replace(/=+$/, '').length / 4) * 4, '=')),
    );
  } catch {
    return null;
  }
}

function decodeCharset(bytes: Uint8Array, charset: string | null): string {
  const label = (charset ?? 'utf-8').trim().toLowerCase();
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return utf8Decoder.decode(bytes);
  }
}

/** RFC 2047 encoded words (=?charset?B|Q?...?=), adjacent words joined without the whitespace. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?[^?]+\?[bBqQ]\?[^?]*\?=)/g, '$1')
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([bBqQ])\?([^?]*)\?=/g, (whole, charset: string, enc: string, text: string) => {
      let bytes: Uint8Array | null;
      if (enc.toUpperCase() === 'B') bytes = base64Decode(text);
      else
        bytes = latin1ToBytes(
          text
            .replace(/_/g, ' ')
            .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
        );
      return bytes ? decodeCharset(bytes, charset) : whole;
    });
}

function splitHeadBody(text: string): { head: string; body: string } {
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { head: text.slice(0, crlf), body: text.slice(crlf + 4) };
  if (lf >= 0) return { head: text.slice(0, lf), body: text.slice(lf + 2) };
  return { head: text, body: '' };
}

function parseHeaderBlock(head: string): MimeHeader[] {
  const headers: MimeHeader[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length) {
      headers[headers.length - 1]!.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  // Header bytes may be raw UTF-8 (RFC 6532) or RFC 2047 words; Gmail shows decoded text.
  return headers.map((h) => ({ name: h.name, value: decodeEncodedWords(utf8Decoder.decode(latin1ToBytes(h.value))) }));
}

export function headerValue(headers: MimeHeader[], name: string): string | null {
  const lower = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === lower)?.value ?? null;
}

function parseParams(value: string): { value: string; params: Map<string, string> } {
  const [first = '', ...rest] = value.split(';');
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const key = p.slice(0, eq).trim().toLowerCase().replace(/\*$/, '');
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    params.set(key, v);
  }
  return { value: first.trim().toLowerCase(), params };
}

function decodeTransfer(body: string, encoding: string | null): Uint8Array {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return base64Decode(body) ?? latin1ToBytes(body);
    case 'quoted-printable':
      return latin1ToBytes(
        body
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
      );
    default:
      return latin1ToBytes(body);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function splitMultipart(body: string, boundary: string): string[] {
  const re = new RegExp(`(^|\\r?\\n)--${escapeRegExp(boundary)}(--)?[ \\t]*(\\r?\\n|$)`, 'g');
  const parts: string[] = [];
  let start = -1;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    if (start >= 0) parts.push(body.slice(start, m.index));
    if (m[2]) return parts;
    start = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
  if (start >= 0) parts.push(body.slice(start));
  return parts;
}

function parseEntity(text: string, depth: number): MimePart {
  const { head, body } = splitHeadBody(text);
  const headers = parseHeaderBlock(head);
  const ct = parseParams(headerValue(headers, 'Content-Type') ?? 'text/plain');
  const mimeType = ct.value || 'text/plain';
  const disposition = parseParams(headerValue(headers, 'Content-Disposition') ?? '');
  const filename = decodeEncodedWords(disposition.params.get('filename') ?? ct.params.get('name') ?? '');
  const boundary = ct.params.get('boundary');
  if (mimeType.startsWith('multipart/') && boundary && depth < 20) {
    return {
      headers,
      mimeType,
      filename,
      body: new Uint8Array(0),
      charset: null,
      parts: splitMultipart(body, boundary).map((p) => parseEntity(p, depth + 1)),
    };
  }
  return {
    headers,
    mimeType,
    filename,
    body: decodeTransfer(body, headerValue(headers, 'Content-Transfer-Encoding')),
    charset: ct.params.get('charset') ?? null,
    parts: [],
  };
}

export function parseMime(raw: Uint8Array): MimePart {
  return parseEntity(bytesToLatin1(raw), 0);
}

/** The `payload` object Gmail returns for format=full. */
export function toPayload(
  part: MimePart,
  partId: string,
  attachmentIdFor: (partId: string) => string,
): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    partId,
    mimeType: part.mimeType,
    filename: part.filename,
    headers: part.headers,
  };
  if (part.parts.length) {
    payload.body = { size: 0 };
    payload.parts = part.parts.map((p, i) =>
      toPayload(p, partId === '' ? String(i) : `${partId}.${i}`, attachmentIdFor),
    );
  } else if (part.filename) {
    payload.body = { attachmentId: attachmentIdFor(partId), size: part.body.length };
  } else {
    payload.body = part.body.length ? { size: part.body.length, data: base64UrlEncode(part.body) } : { size: 0 };
  }
  return payload;
}

function firstText(part: MimePart, type: string): string | null {
  if (!part.parts.length)
    return part.mimeType === type && !part.filename ? decodeCharset(part.body, part.charset) : null;
  for (const p of part.parts) {
    const t = firstText(p, type);
    if (t !== null) return t;
  }
  return null;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Gmail's snippet: the start of the text, whitespace collapsed, HTML-escaped. */
export function snippetOf(part: MimePart): string {
  let text = firstText(part, 'text/plain');
  if (text === null) {
    const html = firstText(part, 'text/html');
    text = html === null ? '' : htmlStart(html, SNIPPET_SOURCE_CHARS);
  }
  const flat = text.slice(0, SNIPPET_SOURCE_CHARS).replace(/\s+/g, ' ').trim();
  return [...flat]
    .slice(0, 200)
    .join('')
    .replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const SNIPPET_SOURCE_CHARS = 4000;

/**
 * The first `limit` characters of an HTML body's text, tags and style/script content dropped, in
 * one forward scan: Gmail answers hostile HTML quickly, so the fake must too (the regexes this
 * replaces took minutes on a megabyte of `<a `).
 */
function htmlStart(html: string, limit: number): string {
  let out = '';
  let i = 0;
  while (i < html.length && out.length < limit) {
    const lt = html.indexOf('<', i);
    out += `${html.slice(i, lt < 0 ? html.length : lt)} `;
    if (lt < 0) break;
    const gt = html.indexOf('>', lt);
    if (gt < 0) break; // no tag ends after here: the rest is not text
    i = gt + 1;
    const raw = /^<(style|script)\b/i.exec(html.slice(lt, lt + 8))?.[1];
    if (raw) {
      const close = new RegExp(`</${raw}`, 'gi');
      close.lastIndex = i;
      const end = close.exec(html);
      if (!end) break;
      i = html.indexOf('>', end.index) + 1 || html.length;
    }
  }
  return out.replace(/&nbsp;/g, ' ');
}

/** Every `<...>` message id in a header value, in order. */
export function messageIds(value: string | null): string[] {
  return value ? [...value.matchAll(/<[^<>\s]+>/g)].map((m) => m[0]) : [];
}

/** Subject with reply/forward prefixes and whitespace differences removed, for "subjects match". */
export function normalizeSubject(subject: string | null): string {
  let s = (subject ?? '').trim();
  for (;;) {
    const next = s.replace(/^(re|fwd?|aw|sv|antw|rif|r|tr|wg)\s*(\[\d+\])?\s*:\s*/i, '');
    if (next === s) break;
    s = next;
  }
  return s.replace(/\s+/g, ' ').toLowerCase();
}
