import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from '../../src/crypto/encoding';
import { latestCustomerText } from '../../src/drafting/latest-text';
import { parseMail } from '../../src/drafting/parse-mail';
import { skipByHeaders } from '../../src/pipeline/filters';
import { anyString } from '../support/arbitraries';

/**
 * Properties of the MIME path (parse-mail.ts → latest-text.ts, and the header filters that read
 * its output). Every inbox message goes through it: a throw here is a poison message that stops the
 * mailbox's sync, and quoted history that slips through is mail content sent to the LLM for nothing.
 */

const WORDS = [
  'hello',
  'my',
  'parcel',
  'is',
  'late',
  'please',
  'help',
  'merci',
  'bitte',
  'gracias',
  'grazie',
  'dank',
  'mug',
  'blue',
  'thanks',
  'where',
];
/** Lines that trip none of latest-text's cut rules (no markers, colons, dashes or "On … wrote"). */
const safeLine = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 10 }).map((w) => w.join(' '));
const safeText = fc.array(safeLine, { minLength: 1, maxLength: 6 }).map((lines) => lines.join('\n'));

/** Something that must never reach the prompt: unique per run so a leak cannot hide. */
const CANARY = 'CANARY-HISTORY-7f3a';

/** The ways mail clients mark where the history starts, in the six languages. */
const HISTORY_MARKERS = [
  'On Mon, 3 Nov 2025 at 10:02, Shop <shop@example.com> wrote:',
  'Le lun. 3 nov. 2025 à 10:02, Shop <shop@example.com> a écrit :',
  'Am Mo., 3. Nov. 2025 um 10:02 Uhr schrieb Shop <shop@example.com>:',
  'El lun, 3 nov 2025 a las 10:02, Shop (<shop@example.com>) escribió:',
  'Il giorno lun 3 nov 2025 alle ore 10:02 Shop <shop@example.com> ha scritto:',
  'Op ma 3 nov. 2025 om 10:02 schreef Shop <shop@example.com>:',
  '-----Original Message-----\nFrom: Shop\nSent: Monday, November 3, 2025 10:02\nTo: Jane\nSubject: Your order',
  'De : Shop <shop@example.com>\nEnvoyé : lundi 3 novembre 2025 10:02\nÀ : Jane\nObjet : Votre commande',
  '---------- Forwarded message ---------',
  '-- ',
  'Sent from my iPhone',
  'Von meinem iPhone gesendet',
];

/** History after the marker: quoted or not, always holding the canary. */
const history = fc.tuple(fc.boolean(), safeText).map(([quoted, text]) => {
  const lines = `${text}\n${CANARY} order #1042 tracking 1Z999AA10123456784`.split('\n');
  return (quoted ? lines.map((l) => `> ${l}`) : lines).join('\n');
});

function rawMail(o: {
  from: string;
  subject: string;
  body: string;
  encoding: 'base64' | '8bit';
  headers?: string[];
}): Uint8Array {
  const body =
    o.encoding === 'base64' ? toBase64(utf8(o.body)).replace(/.{76}/g, '$&\r\n') : o.body.replace(/\r?\n/g, '\r\n');
  const subject = /^[\x20-\x7e]*$/.test(o.subject) ? o.subject : `=?UTF-8?B?${toBase64(utf8(o.subject))}?=`;
  return utf8(
    [
      `From: ${o.from}`,
      'To: merchant@example.com',
      `Subject: ${subject}`,
      'Message-ID: <p@example.net>',
      ...(o.headers ?? []),
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      `Content-Transfer-Encoding: ${o.encoding}`,
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

/** Random bytes, and random bytes dressed as MIME (headers, boundaries, encodings). */
const hostileMime = fc
  .tuple(
    fc.array(
      fc.constantFrom(
        'From: ',
        'Subject: =?UTF-8?B?',
        '?=',
        'Content-Type: multipart/mixed; boundary="b"',
        '\r\n',
        '--b',
        '--b--',
        'Content-Transfer-Encoding: base64',
        'Content-Transfer-Encoding: quoted-printable',
        '=C3=',
        '=\r\n',
        'Content-Type: message/rfc822',
        'Content-Type: text/html',
        '<p>',
        '<blockquote>',
        'charset=iso-2022-jp',
        '\x1b$B',
        ': ',
        '\t',
      ),
      { maxLength: 60 },
    ),
    fc.uint8Array({ maxLength: 200 }),
  )
  .map(([parts, tail]) => {
    const head = utf8(parts.join(''));
    const out = new Uint8Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  });

describe('parseMail (property)', () => {
  it('never throws on arbitrary bytes or broken MIME, and always yields strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 600 }), hostileMime), async (raw) => {
        const mail = await parseMail(raw);
        expect(typeof mail.text).toBe('string');
        expect(typeof mail.subject).toBe('string');
        expect(mail.from === null || typeof mail.from.address === 'string').toBe(true);
        expect(() => latestCustomerText(mail.text)).not.toThrow();
      }),
      { numRuns: 250 },
    );
  });

  it('gives back any Unicode subject and body exactly, and the sender in lower case', async () => {
    const text = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 200 })
      .filter((s) => s.trim() !== '' && !s.includes('\r'));
    const subject = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 80 })
      .map((s) => s.replace(/[\r\n]/g, ' ').trim())
      .filter(Boolean);
    await fc.assert(
      fc.asyncProperty(
        subject,
        text,
        fc.constantFrom('Jane@Example.NET', 'jean.dupont@exemple.fr'),
        async (subj, body, from) => {
          const mail = await parseMail(rawMail({ from, subject: subj, body, encoding: 'base64' }));
          expect(mail.subject).toBe(subj);
          expect(mail.from?.address).toBe(from.toLowerCase());
          expect(mail.text.replace(/\r\n/g, '\n')).toBe(body);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never lets a message with an auto-reply or list header through the filters', async () => {
    const marker = fc.constantFrom(
      'Auto-Submitted: auto-replied',
      'AUTO-SUBMITTED: Auto-Generated',
      'Auto-Submitted:\r\n auto-notified',
      'X-Autoreply: yes',
      'X-Autorespond: vacation',
      'Precedence: bulk',
      'Precedence: list',
      'precedence:  junk',
      'List-Id: <news.shop.example>',
      'List-Unsubscribe: <mailto:u@shop.example>',
    );
    await fc.assert(
      fc.asyncProperty(
        marker,
        safeText,
        fc.constantFrom('jane@example.net', 'Jean <jean@exemple.fr>'),
        async (header, body, from) => {
          const mail = await parseMail(
            rawMail({ from, subject: 'Re: order 1042', body, encoding: '8bit', headers: [header] }),
          );
          expect(skipByHeaders(mail, ['merchant@example.com'])).not.toBeNull();
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('latestCustomerText (property)', () => {
  it('never throws, stays within maxLength and never keeps a quoted line', () => {
    fc.assert(
      fc.property(anyString(2000), fc.integer({ min: 1, max: 500 }), (text, maxLength) => {
        const out = latestCustomerText(text, { maxLength });
        expect(out.length).toBeLessThanOrEqual(maxLength);
        expect(out.split('\n').filter((line) => line.trimStart().startsWith('>'))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps exactly the latest words and drops the history after any marker, in six languages', () => {
    fc.assert(
      fc.property(safeText, fc.constantFrom(...HISTORY_MARKERS), history, (latest, marker, old) => {
        const out = latestCustomerText(`${latest}\n\n${marker}\n${old}\n`);
        expect(out).toBe(latest);
        expect(out).not.toContain(CANARY);
      }),
      { numRuns: 300 },
    );
  });

  it('drops the history of a real MIME message end to end (parse, then latest text)', async () => {
    await fc.assert(
      fc.asyncProperty(
        safeText,
        fc.constantFrom(...HISTORY_MARKERS),
        history,
        fc.constantFrom('base64', '8bit') as fc.Arbitrary<'base64' | '8bit'>,
        async (latest, marker, old, encoding) => {
          const mail = await parseMail(
            rawMail({
              from: 'jane@example.net',
              subject: 'Re: Your order',
              body: `${latest}\n\n${marker}\n${old}`,
              encoding,
            }),
          );
          expect(latestCustomerText(mail.text)).toBe(latest);
        },
      ),
      { numRuns: 150 },
    );
  });
});
