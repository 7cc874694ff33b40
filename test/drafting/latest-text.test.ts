import { describe, expect, it } from 'vitest';
import { latestCustomerText, MAX_LATEST_TEXT_LENGTH } from '../../src/drafting/latest-text';

const QUOTE = '> Hello,\n> your order #9999 has shipped with tracking 1Z999.\n> Acme';

describe('latestCustomerText: attribution lines and quoted history', () => {
  it.each([
    ['en, Gmail', 'On Mon, Nov 3, 2025 at 10:00 AM Acme <shop@acme.example> wrote:'],
    ['en, Apple Mail', 'On 3 Nov 2025, at 10:00, Acme <shop@acme.example> wrote:'],
    ['en, Thunderbird', 'On 11/3/25 10:00, Acme wrote:'],
    [
      'en, wrapped over two lines',
      'On Mon, Nov 3, 2025 at 10:00 AM Acme Store Customer Care <\nshop@acme.example> wrote:',
    ],
    [
      'en, wrapped over three lines',
      'On Mon, Nov 3, 2025 at 10:00 AM\nAcme Store Customer Care\n<shop@acme.example> wrote:',
    ],
    ['fr', 'Le lun. 3 nov. 2025 à 10:00, Acme <shop@acme.example> a écrit :'],
    ['fr, no-break space', 'Le lun. 3 nov. 2025 à 10:00, Acme <shop@acme.example> a écrit\u00a0:'],
    ['fr, narrow no-break space', 'Le 3 nov. 2025 à 10:00, Acme <shop@acme.example> a\u202fécrit\u202f:'],
    ['de', 'Am Mo., 3. Nov. 2025 um 10:00 Uhr schrieb Acme <shop@acme.example>:'],
    ['de, short', 'Am 03.11.2025 um 10:00 schrieb Acme:'],
    ['es', 'El lun, 3 nov 2025 a las 10:00, Acme (<shop@acme.example>) escribió:'],
    ['es, wrapped', 'El lun, 3 nov 2025 a las 10:00, Acme (<shop@acme.example>)\nescribió:'],
    ['it', 'Il giorno lun 3 nov 2025 alle ore 10:00 Acme <shop@acme.example> ha scritto:'],
    ['it, short', 'Il 03/11/2025 10:00, Acme ha scritto:'],
    ['nl', 'Op ma 3 nov. 2025 om 10:00 schreef Acme <shop@acme.example>:'],
    ['nl, long form', 'Op 3 nov. 2025 om 10:00 heeft Acme <shop@acme.example> het volgende geschreven:'],
  ])('%s: cuts the attribution and the quote', (_name, attribution) => {
    const body = `Where is my order #1042?\n\nThanks,\nJane\n\n${attribution}\n${QUOTE}\n`;
    expect(latestCustomerText(body)).toBe('Where is my order #1042?\n\nThanks,\nJane');
  });

  it('cuts an attribution that is not followed by quoted lines (HTML-converted history)', () => {
    const body =
      'Still nothing for order 1042.\n\nOn Mon, Nov 3, 2025 at 10:00 AM Acme <shop@acme.example> wrote:\nHello Jane, your order #9999 shipped.';
    expect(latestCustomerText(body)).toBe('Still nothing for order 1042.');
  });

  it('drops quoted lines and keeps inline answers between them', () => {
    const body =
      '> Could you confirm your address?\nYes: 1 rue de la Paix, Lyon.\n> And your order number?\nIt is 1042.';
    expect(latestCustomerText(body)).toBe('Yes: 1 rue de la Paix, Lyon.\nIt is 1042.');
  });

  it('keeps a bottom-posted reply after the quote', () => {
    const body = `On Mon, Nov 3, 2025 at 10:00 AM Acme <shop@acme.example> wrote:\n${QUOTE}\n\nNo it has not arrived! Order 1042.`;
    expect(latestCustomerText(body)).toBe('No it has not arrived! Order 1042.');
  });

  it('drops nested quotes ("> >")', () => {
    expect(latestCustomerText('Any news?\n\n> > old\n> older\n>> oldest')).toBe('Any news?');
  });

  it('does not take customer sentences for attributions', () => {
    expect(latestCustomerText('On Monday I wrote: where is my parcel?\nStill waiting for order 1042.')).toBe(
      'On Monday I wrote: where is my parcel?\nStill waiting for order 1042.',
    );
    expect(latestCustomerText('Le colis est arrivé ouvert, mon mari a écrit :\nrien à signaler')).toBe(
      'Le colis est arrivé ouvert, mon mari a écrit :\nrien à signaler',
    );
  });
});

describe('latestCustomerText: Outlook header blocks and original-message separators', () => {
  it.each([
    [
      'en',
      'From: Acme <shop@acme.example>\nSent: Monday, November 3, 2025 10:00 AM\nTo: Jane Doe\nSubject: Your order #9999',
    ],
    ['en, bold', '*From:* Acme <shop@acme.example>\n*Sent:* Monday, November 3, 2025 10:00 AM\n*To:* Jane Doe'],
    ['en, date', 'From: Acme <shop@acme.example>\nDate: Monday, November 3, 2025 10:00 AM\nTo: Jane Doe'],
    [
      'fr',
      'De : Acme <shop@acme.example>\nEnvoyé : lundi 3 novembre 2025 10:00\nÀ : Jane Doe\nObjet : Votre commande #9999',
    ],
    [
      'fr, no-break spaces',
      'De\u00a0: Acme <shop@acme.example>\nEnvoyé\u00a0: lundi 3 novembre 2025 10:00\nÀ\u00a0: Jane Doe',
    ],
    [
      'de',
      'Von: Acme <shop@acme.example>\nGesendet: Montag, 3. November 2025 10:00\nAn: Jane Doe\nBetreff: Ihre Bestellung #9999',
    ],
    [
      'es',
      'De: Acme <shop@acme.example>\nEnviado: lunes, 3 de noviembre de 2025 10:00\nPara: Jane Doe\nAsunto: Su pedido #9999',
    ],
    ['es, enviado el', 'De: Acme <shop@acme.example>\nEnviado el: lunes, 3 de noviembre de 2025 10:00\nPara: Jane Doe'],
    [
      'it',
      'Da: Acme <shop@acme.example>\nInviato: lunedì 3 novembre 2025 10:00\nA: Jane Doe\nOggetto: Il suo ordine #9999',
    ],
    [
      'nl',
      'Van: Acme <shop@acme.example>\nVerzonden: maandag 3 november 2025 10:00\nAan: Jane Doe\nOnderwerp: Uw bestelling #9999',
    ],
    [
      'en, with an Outlook rule above',
      '________________________________\nFrom: Acme <shop@acme.example>\nSent: Monday, November 3, 2025 10:00 AM',
    ],
    ['Original Message', '-----Original Message-----\nFrom: Acme\nSent: Monday'],
    ['Message d’origine', "-----Message d'origine-----\nDe : Acme"],
    ['Ursprüngliche Nachricht', '-----Ursprüngliche Nachricht-----\nVon: Acme'],
    ['Mensaje original', '-----Mensaje original-----\nDe: Acme'],
    ['Messaggio originale', '-----Messaggio originale-----\nDa: Acme'],
    ['Oorspronkelijk bericht', '-----Oorspronkelijk bericht-----\nVan: Acme'],
  ])('%s', (_name, block) => {
    const body = `Where is my order #1042?\n\n${block}\n\nHello Jane, order #9999 shipped.`;
    expect(latestCustomerText(body)).toBe('Where is my order #1042?');
  });

  it('keeps a customer line starting with "From:" when no header block follows', () => {
    const body = 'From: Jane, order 1042\nI still have not received it.';
    expect(latestCustomerText(body)).toBe(body);
  });
});

describe('latestCustomerText: forwarded messages', () => {
  it.each([
    '---------- Forwarded message ---------',
    '---------- Message transféré ---------',
    '---------- Weitergeleitete Nachricht ---------',
    '---------- Mensaje reenviado ---------',
    '---------- Messaggio inoltrato ---------',
    '---------- Doorgestuurd bericht ---------',
    'Begin forwarded message:',
    'Début du message réexpédié :',
    'Anfang der weitergeleiteten Nachricht:',
    'Inicio del mensaje reenviado:',
    'Inizio messaggio inoltrato:',
    'Begin doorgestuurd bericht:',
  ])('%j', (separator) => {
    const body = `See below, it never arrived.\n\n${separator}\nFrom: Acme <shop@acme.example>\nSubject: Order #9999 shipped\n\nTracking 1Z999`;
    expect(latestCustomerText(body)).toBe('See below, it never arrived.');
  });
});

describe('latestCustomerText: signatures and mobile footers', () => {
  it('cuts at the "-- " signature delimiter', () => {
    expect(latestCustomerText('Where is order 1042?\n\n-- \nJane Doe\n+33 6 12 34 56 78\nJane Ltd')).toBe(
      'Where is order 1042?',
    );
  });

  it('cuts at a bare "--" delimiter (trailing space stripped by the client)', () => {
    expect(latestCustomerText('Where is order 1042?\n--\nJane Doe')).toBe('Where is order 1042?');
  });

  it.each([
    'Sent from my iPhone',
    'Sent from my Galaxy',
    'Sent from Mail for Windows',
    'Sent from Yahoo Mail on Android',
    'Get Outlook for iOS',
    'Envoyé de mon iPhone',
    'Envoyé depuis mon appareil mobile',
    'Von meinem iPhone gesendet',
    'Gesendet von meinem iPad',
    'Enviado desde mi iPhone',
    'Inviato da iPhone',
    'Inviato dal mio Galaxy',
    'Verstuurd vanaf mijn iPhone',
    'Verzonden vanaf mijn iPad',
  ])('%j', (footer) => {
    const body = `Where is order 1042?\n\n${footer}\n\nOn Mon, Nov 3, 2025 at 10:00 AM Acme <shop@acme.example> wrote:\n${QUOTE}`;
    expect(latestCustomerText(body)).toBe('Where is order 1042?');
  });

  it('keeps a long sentence that happens to start like a footer', () => {
    const body = 'Sent from Lyon on Monday, the parcel for order 1042 has still not arrived and I am worried.';
    expect(latestCustomerText(body)).toBe(body);
  });
});

describe('latestCustomerText: keeps the customer text intact', () => {
  it.each([
    ['en', 'Hi,\n\nWhere is my order #1042? It has been two weeks.\n\nThanks,\nJane'],
    ['fr', 'Bonjour,\n\nJe n’ai toujours pas reçu ma commande n°1042.\n\nCordialement,\nMarie'],
    ['de', 'Hallo,\n\nwo bleibt meine Bestellung 1042?\n\nViele Grüße\nJonas'],
    ['es', 'Hola:\n\n¿Dónde está mi pedido nº 1042?\n\nSaludos,\nLucía'],
    ['it', 'Ciao,\n\ndov’è il mio ordine n. 1042?\n\nGrazie,\nGiulia'],
    ['nl', 'Hoi,\n\nwaar blijft mijn bestelling 1042?\n\nGroetjes,\nSanne'],
  ])('%s', (_lang, text) => {
    expect(latestCustomerText(text)).toBe(text);
  });

  it('normalizes line endings, trailing spaces and blank-line runs', () => {
    expect(latestCustomerText('\r\n\r\nHello   \r\n\r\n\r\n\r\nOrder 1042\r\n\r\n')).toBe('Hello\n\nOrder 1042');
    expect(latestCustomerText('\ufeffHello')).toBe('Hello');
  });

  it('returns "" for empty and history-only bodies', () => {
    expect(latestCustomerText('')).toBe('');
    expect(latestCustomerText('> only quoted\n> text')).toBe('');
    expect(latestCustomerText('-- \nsignature only')).toBe('');
  });
});

describe('latestCustomerText: length limit', () => {
  it('defaults to 4,000 characters', () => {
    const text = 'word '.repeat(2000);
    const out = latestCustomerText(text);
    expect(out.length).toBeLessThanOrEqual(MAX_LATEST_TEXT_LENGTH);
    expect(MAX_LATEST_TEXT_LENGTH).toBe(4000);
  });

  it('cuts at a word boundary and marks the cut', () => {
    const out = latestCustomerText('alpha beta gamma delta epsilon zeta', { maxLength: 20 });
    expect(out).toBe('alpha beta gamma…');
    expect(out.length).toBeLessThanOrEqual(20);
  });

  it('cuts inside a long word when there is no space near the limit', () => {
    const out = latestCustomerText('x'.repeat(100), { maxLength: 10 });
    expect(out).toBe(`${'x'.repeat(9)}…`);
  });

  it('never splits a surrogate pair', () => {
    const out = latestCustomerText('😀'.repeat(50), { maxLength: 10 });
    expect(out.length).toBeLessThanOrEqual(10);
    expect(out.endsWith('…')).toBe(true);
    // no lone high surrogate before the ellipsis
    const before = out.charCodeAt(out.length - 2);
    expect(before >= 0xd800 && before <= 0xdbff).toBe(false);
  });

  it('leaves short text alone', () => {
    expect(latestCustomerText('Order 1042?', { maxLength: 11 })).toBe('Order 1042?');
  });
});

describe('latestCustomerText: hostile input', () => {
  const n = 100_000;
  it.each([
    ['spaces then a letter', `${' '.repeat(n)}x`],
    ['newlines', `${'\n'.repeat(n)}x`],
    ['one long line', 'a'.repeat(n)],
    ['one long line ending like an attribution', `On ${'1'.repeat(n)} wrote:`],
    ['many attribution openers', 'On 1 Nov\n'.repeat(n / 9)],
    ['many attributions', 'On 1 Nov, x wrote:\n> q\n'.repeat(n / 20)],
    ['many quotes', '> a\n'.repeat(n / 4)],
    ['many From lines', 'From: x\n'.repeat(n / 8)],
    ['dashes', '-'.repeat(n)],
    ['dash lines', '--x--\n'.repeat(n / 6)],
    ['trailing spaces on many lines', 'a   \n'.repeat(n / 5)],
    ['no-break spaces', '\u00a0'.repeat(n)],
  ])('returns on %s', (_name, text) => {
    const out = latestCustomerText(text);
    expect(typeof out).toBe('string');
    expect(out.length).toBeLessThanOrEqual(MAX_LATEST_TEXT_LENGTH);
  });
});

describe('latestCustomerText: more client variants', () => {
  it.each([
    [
      'Outlook.com, Date before From',
      'Date: Mon, 3 Nov 2025 10:00:00 +0100\nFrom: shop@acme.example\nTo: jane@example.net\nSubject: Your order #9999',
    ],
    [
      'Outlook fr, Envoyé before De',
      'Envoyé : lundi 3 novembre 2025 10:00\nDe : Acme <shop@acme.example>\nÀ : Jane\nObjet : Votre commande #9999',
    ],
    [
      'Thunderbird de, Original-Nachricht',
      '-------- Original-Nachricht --------\nBetreff: Ihre Bestellung #9999\nVon: Acme',
    ],
    [
      'GMX/Web.de, folgendes geschrieben',
      'Am Montag, 3. November 2025, 10:00:00 MEZ hat Acme <shop@acme.example> folgendes geschrieben:\n\nIhre Bestellung #9999',
    ],
  ])('%s', (_name, block) => {
    expect(latestCustomerText(`Where is my order #1042?\n\n${block}\n\nHello Jane, order #9999 shipped.`)).toBe(
      'Where is my order #1042?',
    );
  });

  it('keeps a customer line starting with "Date:" when no From block follows it', () => {
    expect(latestCustomerText('Date: the parcel was due on Monday.\nFrom what I see it never left.')).toBe(
      'Date: the parcel was due on Monday.\nFrom what I see it never left.',
    );
  });
});
