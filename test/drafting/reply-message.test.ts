import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from '../../src/crypto/encoding';
import { MAX_ID_CHARS, MAX_REFERENCES, messageIdsIn } from '../../src/drafting/message-ids';
import { parseMail } from '../../src/drafting/parse-mail';
import { buildReplyMessage, encodeWord, replyHeadersFor } from '../../src/drafting/reply-message';

const original = (headers: string, body = 'Hello') => new TextEncoder().encode(`${headers}\r\n\r\n${body}\r\n`);

describe('reply message', () => {
  it('replies in the thread: Re: subject, In-Reply-To and References carry the original ids', async () => {
    const mail = await parseMail(
      original(
        'From: Jane <jane@example.net>\r\nTo: shop@example.com\r\nSubject: Where is my order?\r\nMessage-ID: <m2@example.net>\r\nReferences: <m1@example.net>',
      ),
    );
    const headers = replyHeadersFor(mail, 'shop@example.com');
    expect(headers).toEqual({
      from: 'shop@example.com',
      to: 'jane@example.net',
      subject: 'Re: Where is my order?',
      inReplyTo: '<m2@example.net>',
      references: ['<m1@example.net>', '<m2@example.net>'],
    });
    const parsed = await PostalMime.parse(buildReplyMessage(headers, 'Bonjour Jane,\nvotre commande est partie. ✓'));
    expect(parsed.subject).toBe('Re: Where is my order?');
    expect(parsed.inReplyTo).toBe('<m2@example.net>');
    expect(parsed.references).toContain('<m1@example.net>');
    expect(parsed.text?.replace(/\r\n/g, '\n').trim()).toBe('Bonjour Jane,\nvotre commande est partie. ✓');
  });

  it('threads real-world id headers: ids without spaces, comments, a Message-ID with a trailing comment', async () => {
    const mail = await parseMail(
      original(
        [
          'From: jane@example.net',
          'Subject: Re: my order',
          'Message-ID: <m3@example.net> (added by postmaster@example.net)',
          'References: <m0@example.net><m1@example.net>',
          '  (copied from <not-an-id@example.net> (nested)) <m2@example.net>',
        ].join('\r\n'),
      ),
    );
    const headers = replyHeadersFor(mail, 'shop@example.com');
    expect(headers.inReplyTo).toBe('<m3@example.net>');
    expect(headers.references).toEqual([
      '<m0@example.net>',
      '<m1@example.net>',
      '<m2@example.net>',
      '<m3@example.net>',
    ]);
  });

  it('keeps a long References short: the thread root and the latest ids, the original last', async () => {
    const ids = Array.from({ length: 500 }, (_, i) => `<m${i}@example.net>`);
    const mail = await parseMail(
      original(
        `From: jane@example.net\r\nSubject: Re: x\r\nMessage-ID: <last@example.net>\r\nReferences: ${ids.join(' ')}`,
      ),
    );
    const { references } = replyHeadersFor(mail, 'shop@example.com');
    expect(references).toHaveLength(MAX_REFERENCES);
    expect(references[0]).toBe('<m0@example.net>');
    expect(references.slice(-2)).toEqual(['<m499@example.net>', '<last@example.net>']);
  });

  it('reads id headers in linear time, whatever they hold', () => {
    for (const hostile of [
      '('.repeat(200_000),
      '<'.repeat(200_000),
      `<${'a'.repeat(200_000)}`,
      '(\\'.repeat(100_000),
    ]) {
      const started = performance.now();
      expect(messageIdsIn(hostile)).toEqual([]);
      expect(performance.now() - started).toBeLessThan(1_000);
    }
    expect(messageIdsIn(`<${'a'.repeat(MAX_ID_CHARS)}> <${'b'.repeat(MAX_ID_CHARS + 1)}>`)).toHaveLength(1);
  });

  it('answers the From address the order was matched with, never Reply-To, and does not stack "Re:"', async () => {
    const mail = await parseMail(
      original(
        'From: jane@example.net\r\nReply-To: Jane Orders <orders@jane.example>\r\nSubject: RE: help\r\nMessage-ID: <x@y>',
      ),
    );
    const headers = replyHeadersFor(mail, 'shop@example.com');
    expect(headers.to).toBe('jane@example.net');
    expect(headers.subject).toBe('RE: help');
  });

  it('encodes non-ASCII subjects as RFC 2047 words that decode back exactly', async () => {
    const subject = `Re: Où est ma commande ? 🚚 Größe — ${'é'.repeat(40)}`;
    const encoded = encodeWord(subject);
    expect(encoded).toMatch(/^=\?UTF-8\?B\?/);
    expect(encoded.split('\r\n ').every((w) => w.length <= 75)).toBe(true);
    const parsed = await PostalMime.parse(`Subject: ${encoded}\r\n\r\nx`);
    expect(parsed.subject).toBe(subject);
  });

  it('encodes a subject of any length, in linear time, as words that decode back exactly', async () => {
    const subject = `Re: ${'Où est ma commande ? 🚚 '.repeat(4_000)}`; // 100 KB
    const encoded = encodeWord(subject);
    const words = encoded.split('\r\n ');
    expect(words.every((w) => /^=\?UTF-8\?B\?[A-Za-z0-9+/]+=*\?=$/.test(w) && w.length <= 75)).toBe(true);
    expect(
      words
        .map((w) =>
          new TextDecoder('utf-8', { fatal: true }).decode(
            Uint8Array.from(atob(w.slice(10, -2)), (c) => c.charCodeAt(0)),
          ),
        )
        .join(''),
    ).toBe(subject);
    const parsed = await PostalMime.parse(`Subject: ${encoded}\r\n\r\nx`);
    expect(parsed.subject).toBe(subject);
  });

  it("keeps every line of the draft within RFC 5322's 998 characters, however long the ASCII subject", async () => {
    for (const subject of [`Re: ${'where is my order '.repeat(200)}`.trim(), `Re: ${'x'.repeat(5_000)}`]) {
      const headers = { from: 'shop@example.com', to: 'jane@example.com', subject, inReplyTo: null, references: [] };
      const raw = buildReplyMessage(headers, 'Hi', new Date(0));
      expect(raw.split('\r\n').every((line) => line.length <= 998)).toBe(true);
      expect((await PostalMime.parse(raw)).subject).toBe(subject);
    }
    expect(encodeWord('Re: Where is my order?')).toBe('Re: Where is my order?');
  });

  it('cannot be made to inject headers through the subject or a malformed Message-ID', async () => {
    const mail = await parseMail(original('From: jane@example.net\r\nSubject: hi\r\nMessage-ID: not-an-id'));
    mail.subject = 'hi\r\nBcc: evil@example.org';
    const raw = buildReplyMessage(replyHeadersFor(mail, 'shop@example.com'), 'x');
    expect(raw).not.toMatch(/^Bcc:/m);
    expect(raw).not.toContain('In-Reply-To');
  });
});

describe('buildReplyMessage body lines', () => {
  it('breaks the base64 after every full 76 characters, as the regex it replaced did', () => {
    const headers = {
      from: 'shop@example.com',
      to: 'jane@example.com',
      subject: 'Hi',
      inReplyTo: null,
      references: [],
    };
    for (const n of [0, 1, 56, 57, 58, 113, 114, 171, 500]) {
      const text = 'é'.repeat(n % 7) + 'a'.repeat(n) + '\n'.repeat(n % 3);
      const body = buildReplyMessage(headers, text, new Date(0)).split('\r\n\r\n').slice(1).join('\r\n\r\n');
      const expected = `${toBase64(utf8(text.replace(/\r?\n/g, '\r\n'))).replace(/.{76}/g, '$&\r\n')}\r\n`;
      expect(body, String(n)).toBe(expected);
    }
  });
});
