import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText } from '../../src/drafting/html-text';
import { latestCustomerText } from '../../src/drafting/latest-text';
import {
  MAX_DASHED_LINES,
  MAX_HEADER_BYTES,
  MAX_HTML_CHARS,
  MAX_MESSAGE_LINES,
  MAX_TEXT_CHARS,
  parseMail,
} from '../../src/drafting/parse-mail';
import { MAX_MESSAGE_BYTES } from '../../src/pipeline/filters';

const enc = (s: string) => new TextEncoder().encode(s);
const bytes = (head: string, body: number[]) => new Uint8Array([...enc(head), ...body, 0x0d, 0x0a]);
const message = (headers: string[], body: string) => enc([...headers, '', body, ''].join('\r\n'));

describe('parseMail: headers', () => {
  it('decodes RFC 2047 encoded words in From and Subject (Q and B, any charset)', async () => {
    const m = await parseMail(
      message(
        [
          'From: =?ISO-8859-1?Q?Ren=E9e_Dupr=E9?= <Renee@Example.FR>',
          'Subject: =?UTF-8?B?T8O5IGVzdCBtYSBjb21tYW5kZSA/?=',
          'Content-Type: text/plain; charset=utf-8',
        ],
        'x',
      ),
    );
    expect(m.from).toEqual({ address: 'renee@example.fr', name: 'Renée Dupré' });
    expect(m.subject).toBe('Où est ma commande ?');
  });

  it('decodes an ISO-2022-JP subject', async () => {
    const m = await parseMail(
      message(['From: a@example.jp', 'Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?='], 'x'),
    );
    expect(m.subject).toBe('こんにちは');
  });

  it('keeps Message-ID, In-Reply-To and References for the reply (Reply-To is never used: replies go to From)', async () => {
    const m = await parseMail(
      message(
        [
          'From: a@example.net',
          'Reply-To: B@Example.net',
          'Message-ID: <m2@x>',
          'In-Reply-To: <m1@x>',
          'References: <m0@x> <m1@x>',
          'Subject: Re: hi',
        ],
        'x',
      ),
    );
    expect(m).toMatchObject({ messageId: '<m2@x>', inReplyTo: '<m1@x>', references: ['<m0@x>', '<m1@x>'] });
  });
});

describe('parseMail: body charsets', () => {
  it.each([
    [
      'ISO-8859-1, quoted-printable',
      message(
        ['From: a@b.c', 'Content-Type: text/plain; charset=ISO-8859-1', 'Content-Transfer-Encoding: quoted-printable'],
        'O=F9 est ma commande =E0 Lyon ?',
      ),
      'Où est ma commande à Lyon ?',
    ],
    [
      'windows-1252 (€ and curly quotes)',
      bytes(
        'From: a@b.c\r\nContent-Type: text/plain; charset=windows-1252\r\n\r\n',
        [0x80, 0x20, 0x93, 0x6f, 0x6b, 0x94],
      ),
      '€ “ok”',
    ],
    [
      'Shift_JIS',
      bytes(
        'From: a@b.c\r\nContent-Type: text/plain; charset=Shift_JIS\r\n\r\n',
        [0x82, 0xb1, 0x82, 0xf1, 0x82, 0xc9, 0x82, 0xbf, 0x82, 0xcd],
      ),
      'こんにちは',
    ],
    [
      'KOI8-R',
      bytes('From: a@b.c\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n', [0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]),
      'Привет',
    ],
    [
      'UTF-8, base64',
      message(
        ['From: a@b.c', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'],
        btoa(String.fromCharCode(...enc('Grüße, wo ist Bestellung 1042?'))),
      ),
      'Grüße, wo ist Bestellung 1042?',
    ],
    [
      'an unknown charset (read as UTF-8, nothing lost in ASCII)',
      message(['From: a@b.c', 'Content-Type: text/plain; charset=x-unknown'], 'order 1042'),
      'order 1042',
    ],
  ])('%s', async (_label, raw, text) => {
    expect((await parseMail(raw)).text.trim()).toBe(text);
  });
});

describe('parseMail: attachments are never read', () => {
  const mixed = [
    'From: a@b.c',
    'Subject: x',
    'Content-Type: multipart/mixed; boundary=XX',
    '',
    '--XX',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Where is order 1042?',
    '--XX',
    'Content-Type: text/plain; name=notes.txt',
    'Content-Disposition: attachment; filename=notes.txt',
    '',
    'ATTACHMENT TEXT 5555',
    '--XX',
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment',
    '',
    'From: x@y.z',
    'Subject: inner',
    '',
    'INNER MESSAGE 7777',
    '--XX',
    'Content-Type: image/png; name=photo.png',
    'Content-Disposition: attachment; filename=photo.png',
    'Content-Transfer-Encoding: base64',
    '',
    'iVBORw0KGgo=',
    '--XX--',
    '',
  ].join('\r\n');

  it('keeps the body text and nothing from attached files or attached messages', async () => {
    const m = await parseMail(enc(mixed));
    expect(m.text).toContain('Where is order 1042?');
    expect(m.text).not.toContain('5555');
    expect(m.text).not.toContain('7777');
    expect(Object.keys(m).sort()).toEqual([
      'from',
      'headers',
      'inReplyTo',
      'messageId',
      'references',
      'subject',
      'text',
    ]);
  });

  it('prefers the text/plain part of multipart/alternative', async () => {
    const alt = [
      'From: a@b.c',
      'Content-Type: multipart/alternative; boundary=AA',
      '',
      '--AA',
      'Content-Type: text/plain',
      '',
      'plain version',
      '--AA',
      'Content-Type: text/html',
      '',
      '<p>html version</p>',
      '--AA--',
      '',
    ].join('\r\n');
    expect((await parseMail(enc(alt))).text.trim()).toBe('plain version');
  });
});

describe('parseMail: bounded work on hostile mail', () => {
  it('hands on the first MAX_TEXT_CHARS of a long plain-text body', async () => {
    const m = await parseMail(
      message(
        ['From: a@b.c', 'Content-Type: text/plain; charset=utf-8'],
        `Where is order 1042?\r\n${'> old '.repeat(MAX_TEXT_CHARS)}`,
      ),
    );
    expect(m.text.length).toBe(MAX_TEXT_CHARS);
    expect(latestCustomerText(m.text)).toBe('Where is order 1042?');
  });

  it('never cuts the text inside a surrogate pair', async () => {
    const m = await parseMail(
      message(['From: a@b.c', 'Content-Type: text/plain; charset=utf-8'], `${'a'.repeat(MAX_TEXT_CHARS - 1)}🚚🚚`),
    );
    expect(m.text).toBe('a'.repeat(MAX_TEXT_CHARS - 1));
  });

  it('converts only the first MAX_HTML_CHARS of an HTML body', async () => {
    const html = `<p>Hello</p><div>${'x'.repeat(MAX_HTML_CHARS)}</div><p>AFTER THE CUT</p>`;
    const m = await parseMail(message(['From: a@b.c', 'Content-Type: text/html; charset=utf-8'], html));
    expect(m.text.startsWith('Hello\n\nxxx')).toBe(true);
    expect(m.text).not.toContain('AFTER THE CUT');
  });

  it('refuses a message whose headers pass MAX_HEADER_BYTES (the sync skips it as unprocessable)', async () => {
    await expect(parseMail(message(['From: a@b.c', `To: ${'a:'.repeat(MAX_HEADER_BYTES / 2)}`], 'x'))).rejects.toThrow(
      /header size/,
    );
    const fine = await parseMail(
      message(['From: a@b.c', `X-Long: ${'a'.repeat(MAX_HEADER_BYTES / 2)}`], 'Where is order 1042?'),
    );
    expect(fine.text.trim()).toBe('Where is order 1042?');
  });

  it('refuses a message of more than MAX_MESSAGE_LINES lines (blank lines cost Node 8 s a megabyte), and reads an 8 MB photo', async () => {
    const blank = message(['From: a@b.c'], `Where is order 1042?${'\r\n'.repeat(MAX_MESSAGE_LINES)}`);
    const started = performance.now();
    await expect(parseMail(blank)).rejects.toThrow(/too many lines/);
    expect(performance.now() - started).toBeLessThan(500);
    // 76-column base64, as mail clients write attachments: the largest message the sync downloads.
    const line = 'QUJD'.repeat(19);
    const photo = Array.from({ length: Math.floor((MAX_MESSAGE_BYTES - 400) / (line.length + 2)) }, () => line);
    const withPhoto = message(
      ['From: a@b.c', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'],
      [
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Where is order 1042? Photo attached.',
        '--b',
        'Content-Type: image/jpeg',
        'Content-Transfer-Encoding: base64',
        '',
        ...photo,
        '--b--',
      ].join('\r\n'),
    );
    expect(withPhoto.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect((await parseMail(withPhoto)).text.trim()).toBe('Where is order 1042? Photo attached.');
  });

  it('refuses a message of more than MAX_DASHED_LINES lines starting with "--" (each a possible MIME part)', async () => {
    const parts = message(
      ['From: a@b.c', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'],
      '--b\r\n'.repeat(MAX_DASHED_LINES + 1),
    );
    await expect(parseMail(parts)).rejects.toThrow(/too many lines/);
    const signed = message(['From: a@b.c'], `Where is order 1042?\r\n${'-- \r\nJane\r\n'.repeat(100)}`);
    expect(latestCustomerText((await parseMail(signed)).text)).toBe('Where is order 1042?');
  });
});

describe('HTML-only mail', () => {
  it('converts paragraphs, breaks, lists and entities to text, dropping styles and scripts', () => {
    const html =
      '<html><head><style>p{color:red}</style><title>t</title></head><body><!-- note --><p>Bonjour,<br>o&ugrave; est ma <b>commande</b> n&deg;1042&nbsp;?</p>' +
      '<ul><li>Mug &amp; tray</li><li>&#8364;12 &#x2014; ok</li></ul><script>alert(1)</script><p><a href="https://x.example/t">suivi</a></p></body></html>';
    expect(htmlToText(html)).toBe('Bonjour,\noù est ma commande n°1042\u00a0?\n\n- Mug & tray\n- €12 — ok\n\nsuivi');
  });

  it('leaves unknown entities and broken markup as text, without choking', () => {
    expect(decodeEntities('&bogus; &amp; &#0; &#x110000;')).toBe('&bogus; & \ufffd \ufffd');
    expect(htmlToText('a < b and <b>c</b> > d')).toBe('a < b and c > d');
    expect(htmlToText(`${'<div>'.repeat(20_000)}x`)).toBe('x');
  });

  it('drops the rest of the document after an unclosed comment, style, script, title or template, as browsers do', () => {
    expect(htmlToText('<p>Hello</p><!-- <p>hidden</p>')).toBe('Hello');
    expect(htmlToText('<p>Hello</p><style>p { color: red } <p>hidden</p>')).toBe('Hello');
    expect(htmlToText('<p>Hello</p><SCRIPT type="x">alert(1) <p>hidden</p>')).toBe('Hello');
    expect(htmlToText('<p>Hello</p><title>t</title ><template><p>hidden</p>')).toBe('Hello');
  });

  it('reads the body after an unclosed <head>, which browsers end where the content starts', () => {
    expect(
      htmlToText('<html><head><meta charset="utf-8"><title>Re: order</title><body><p>Where is order 1042?</p>'),
    ).toBe('Where is order 1042?');
  });

  it('keeps a "<" with no ">" after it as text, without an unclosed comment', () => {
    expect(htmlToText('<p>Hi</p>is 3 <b and <a href=x')).toBe('Hi\n\nis 3 <b and <a href=x');
    expect(htmlToText('a <b c <!-- d')).toBe('a <b c');
  });

  it('drops declarations and processing instructions (<!DOCTYPE>, Outlook’s <?xml:namespace …>)', () => {
    const html =
      '<!DOCTYPE html><?xml:namespace prefix = o ns = "urn:schemas-microsoft-com:office:office" /><html><body><p>Hi<o:p></o:p></p></body></html>';
    expect(htmlToText(html)).toBe('Hi');
  });

  it('keeps entities split by a comment or a style whole, as before', () => {
    expect(htmlToText('Tom &am<!-- x -->p; Jerry &eu<style>p{}</style>ro;')).toBe('Tom & Jerry €');
  });

  it('draws at most 32 quote levels, however deep the nesting', () => {
    const out = htmlToText(`${'<blockquote>'.repeat(1000)}deep<br>${'</blockquote>'.repeat(1000)}top`);
    expect(out).toBe(`${'> '.repeat(32)}deep\ntop`);
  });

  it.each([
    [
      'Gmail, French',
      '<div dir="ltr">Bonjour,<br>où est ma commande n°1042 ?<br></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">Le lun. 3 nov. 2025 à 10:00, Shop &lt;shop@example.com&gt; a écrit&nbsp;:<br></div><blockquote class="gmail_quote" style="margin:0">Votre commande #9999 est expédiée.<br>Shop</blockquote></div>',
      'Bonjour,\noù est ma commande n°1042 ?',
    ],
    [
      'Outlook, German',
      '<html><body><p>Hallo, wo ist meine Bestellung 1042?</p><div id="divRplyFwdMsg"><hr><b>Von:</b> Shop &lt;s@example.com&gt;<br><b>Gesendet:</b> Montag, 3. November 2025 10:00<br><b>An:</b> Kunde<br><b>Betreff:</b> Ihre Bestellung</div><p>Ihre Bestellung 9999 wurde versandt.</p></body></html>',
      'Hallo, wo ist meine Bestellung 1042?',
    ],
    [
      'Apple Mail, English',
      '<html><body>Any news on order 1042?<br><div><br><blockquote type="cite"><div>On 3 Nov 2025, at 10:00, Shop &lt;shop@example.com&gt; wrote:</div><div>Your order 9999 shipped.</div></blockquote></div></body></html>',
      'Any news on order 1042?',
    ],
    [
      'Outlook, Spanish',
      '<p>Hola, ¿dónde está mi pedido 1042?</p><p>Saludos</p><hr><p><b>De:</b> Tienda &lt;t@example.com&gt;<br><b>Enviado:</b> lunes<br><b>Para:</b> Cliente</p><p>Pedido 9999</p>',
      'Hola, ¿dónde está mi pedido 1042?\n\nSaludos',
    ],
  ])('%s: HTML-only reply keeps only the customer’s new words', async (_label, html, latest) => {
    const m = await parseMail(
      message(['From: a@b.c', 'Subject: Re: x', 'Content-Type: text/html; charset=utf-8'], html),
    );
    expect(latestCustomerText(m.text)).toBe(latest);
  });
});
