import type { Order } from '../../src/stores/order';

/**
 * Sample customer conversations for the benchmark, in the six languages Draftline reads: a customer
 * asks about an order, the shop answers twice, and the customer writes a third time. Each message
 * quotes everything before it, as Gmail, Apple Mail and Outlook do, in a text/plain and a text/html
 * part: the long quoted threads real support mail is made of.
 */
export const LANGUAGES = ['en', 'fr', 'de', 'es', 'it', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];

interface Script {
  attribution: (name: string, email: string) => string;
  turns: [customer1: string, shop1: string, customer2: string, shop2: string, customer3: string];
  subject: string;
}

const SCRIPTS: Record<Language, Script> = {
  en: {
    attribution: (n, e) => `On Mon, 24 Nov 2025 at 10:02, ${n} <${e}> wrote:`,
    subject: 'Where is my order?',
    turns: [
      'Hello,\n\nI ordered a blue mug last week (order #{n}) and it still has not arrived. Could you tell me where it is?\n\nThanks,\n{first}',
      'Hi {first},\n\nThanks for your message. Your order has been shipped and should arrive within 3 to 5 working days.\n\nBest wishes,\nSam\nBench Shop | Customer care',
      'Hi Sam,\n\nThanks, but the tracking page has not changed for four days now. Is there a problem with the parcel?\n\n{first}',
      'Hi {first},\n\nWe have asked the carrier to look into it and will come back to you as soon as we hear from them.\n\nBest wishes,\nSam\nBench Shop | Customer care',
      'Hello again,\n\nStill nothing today. Can you send a replacement or refund me?\n\nRegards,\n{first}\n\nSent from my iPhone',
    ],
  },
  fr: {
    attribution: (n, e) => `Le lun. 24 nov. 2025 à 10:02, ${n} <${e}> a écrit :`,
    subject: 'Où est ma commande ?',
    turns: [
      'Bonjour,\n\nJ’ai commandé une tasse bleue la semaine dernière (commande n°{n}) et je ne l’ai toujours pas reçue. Pouvez-vous me dire où elle en est ?\n\nMerci,\n{first}',
      'Bonjour {first},\n\nMerci pour votre message. Votre commande a été expédiée et devrait arriver sous 3 à 5 jours ouvrés.\n\nBelle journée,\nSam\nBench Shop | Service client',
      'Bonjour Sam,\n\nMerci, mais le suivi n’a pas bougé depuis quatre jours. Y a-t-il un problème avec le colis ?\n\n{first}',
      'Bonjour {first},\n\nNous avons demandé au transporteur de vérifier et revenons vers vous dès que nous avons une réponse.\n\nBelle journée,\nSam\nBench Shop | Service client',
      'Bonjour,\n\nToujours rien aujourd’hui. Pouvez-vous m’envoyer un remplacement ou me rembourser ?\n\nCordialement,\n{first}\n\nEnvoyé de mon iPhone',
    ],
  },
  de: {
    attribution: (n, e) => `Am Mo., 24. Nov. 2025 um 10:02 Uhr schrieb ${n} <${e}>:`,
    subject: 'Wo ist meine Bestellung?',
    turns: [
      'Hallo,\n\nich habe letzte Woche eine blaue Tasse bestellt (Bestellung {n}) und sie ist immer noch nicht angekommen. Können Sie mir sagen, wo sie ist?\n\nDanke,\n{first}',
      'Hallo {first},\n\ndanke für Ihre Nachricht. Ihre Bestellung wurde versandt und sollte in 3 bis 5 Werktagen ankommen.\n\nViele Grüße\nSam\nBench Shop | Kundenservice',
      'Hallo Sam,\n\ndanke, aber die Sendungsverfolgung hat sich seit vier Tagen nicht verändert. Gibt es ein Problem mit dem Paket?\n\n{first}',
      'Hallo {first},\n\nwir haben den Versanddienst gebeten, das zu prüfen, und melden uns, sobald wir etwas hören.\n\nViele Grüße\nSam\nBench Shop | Kundenservice',
      'Hallo,\n\nheute immer noch nichts. Können Sie mir Ersatz schicken oder mir das Geld erstatten?\n\nMit freundlichen Grüßen\n{first}\n\nVon meinem iPhone gesendet',
    ],
  },
  es: {
    attribution: (n, e) => `El lun, 24 nov 2025 a las 10:02, ${n} (<${e}>) escribió:`,
    subject: '¿Dónde está mi pedido?',
    turns: [
      'Hola,\n\nLa semana pasada pedí una taza azul (pedido nº {n}) y todavía no ha llegado. ¿Me pueden decir dónde está?\n\nGracias,\n{first}',
      'Hola {first}:\n\nGracias por su mensaje. Su pedido ya ha sido enviado y debería llegar en 3 a 5 días laborables.\n\n¡Un saludo!\nSam\nBench Shop | Atención al cliente',
      'Hola Sam,\n\nGracias, pero el seguimiento no ha cambiado desde hace cuatro días. ¿Hay algún problema con el paquete?\n\n{first}',
      'Hola {first}:\n\nHemos pedido a la empresa de transporte que lo revise y le diremos algo en cuanto tengamos respuesta.\n\n¡Un saludo!\nSam\nBench Shop | Atención al cliente',
      'Hola,\n\nHoy sigue sin llegar nada. ¿Me pueden enviar uno nuevo o devolverme el dinero?\n\nSaludos,\n{first}\n\nEnviado desde mi iPhone',
    ],
  },
  it: {
    attribution: (n, e) => `Il giorno lun 24 nov 2025 alle ore 10:02 ${n} <${e}> ha scritto:`,
    subject: 'Dov’è il mio ordine?',
    turns: [
      'Buongiorno,\n\nla settimana scorsa ho ordinato una tazza blu (ordine n. {n}) e non è ancora arrivata. Potete dirmi dove si trova?\n\nGrazie,\n{first}',
      'Ciao {first},\n\ngrazie per il messaggio. Il suo ordine è stato spedito e dovrebbe arrivare entro 3-5 giorni lavorativi.\n\nA presto,\nSam\nBench Shop | Assistenza clienti',
      'Ciao Sam,\n\ngrazie, ma il tracciamento non cambia da quattro giorni. C’è un problema con il pacco?\n\n{first}',
      'Ciao {first},\n\nabbiamo chiesto al corriere di verificare e la ricontatteremo appena avremo una risposta.\n\nA presto,\nSam\nBench Shop | Assistenza clienti',
      'Buongiorno,\n\nancora niente oggi. Potete mandarmi un sostituto o rimborsarmi?\n\nCordiali saluti,\n{first}\n\nInviato da iPhone',
    ],
  },
  nl: {
    attribution: (n, e) => `Op ma 24 nov 2025 om 10:02 schreef ${n} <${e}>:`,
    subject: 'Waar is mijn bestelling?',
    turns: [
      'Hallo,\n\nIk heb vorige week een blauwe mok besteld (bestelling {n}) en die is nog steeds niet aangekomen. Kunt u mij zeggen waar hij is?\n\nBedankt,\n{first}',
      'Hoi {first},\n\nBedankt voor je bericht. Je bestelling is verzonden en zou binnen 3 tot 5 werkdagen moeten aankomen.\n\nGroetjes,\nSam\nBench Shop | Klantenservice',
      'Hoi Sam,\n\nBedankt, maar de track & trace is al vier dagen niet veranderd. Is er een probleem met het pakket?\n\n{first}',
      'Hoi {first},\n\nWe hebben de vervoerder gevraagd het uit te zoeken en laten het je weten zodra we iets horen.\n\nGroetjes,\nSam\nBench Shop | Klantenservice',
      'Hallo,\n\nVandaag nog steeds niets. Kunt u een vervanging sturen of mij terugbetalen?\n\nMet vriendelijke groet,\n{first}\n\nVerstuurd vanaf mijn iPhone',
    ],
  },
};

export interface Customer {
  name: string;
  email: string;
  language: Language;
}

export interface Conversation {
  customer: Customer;
  order: Order;
  /** Every message of the thread, oldest first, as raw RFC 5322 text; the last is the customer's new one. */
  messages: { raw: string; fromShop: boolean }[];
}

const FIRST_NAMES = ['Jane', 'Camille', 'Lukas', 'Lucía', 'Giulia', 'Daan', 'Omar', 'Ines', 'Pieter', 'Marta'];
const LAST_NAMES = ['Doe', 'Martin', 'Schneider', 'García', 'Rossi', 'de Vries', 'Haddad', 'Costa', 'Jansen', 'Nowak'];

export function customer(i: number): Customer {
  const first = FIRST_NAMES[i % FIRST_NAMES.length]!;
  const last = LAST_NAMES[Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length]!;
  const email = `${first
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase()}.${i}@customer.example`;
  return { name: `${first} ${last}`, email, language: LANGUAGES[i % LANGUAGES.length]! };
}

export function orderOf(c: Customer, i: number): Order {
  const number = String(1001 + i);
  const tracking = `1Z${String(9_000_000_000_000_000 + i * 7919).padStart(16, '0')}`;
  return {
    number,
    email: c.email,
    createdAt: new Date(Date.UTC(2025, 10, 17, 9, 30) - (i % 20) * 86_400_000).toISOString(),
    financialStatus: 'paid',
    fulfillmentStatus: i % 3 === 0 ? 'unfulfilled' : 'fulfilled',
    tracking:
      i % 3 === 0 ? [] : [{ company: 'UPS', number: tracking, url: `https://www.ups.com/track?tracknum=${tracking}` }],
    shipments: [],
    items: [
      { title: 'Blue mug', quantity: 1 + (i % 2) },
      ...(i % 4 === 0 ? [{ title: 'Tea towel', quantity: 1 }] : []),
    ],
    shippingCity: ['Lyon', 'Köln', 'Madrid', 'Torino', 'Utrecht', 'Leeds'][i % 6]!,
    shippingCountry: ['FR', 'DE', 'ES', 'IT', 'NL', 'GB'][i % 6]!,
  };
}

const SHOP = { name: 'Sam at Bench Shop', email: 'shop@bench.example' };

/** The five-message thread for customer `i`; `mailbox` is the shop's address the customer writes to. */
export function conversation(i: number, mailbox: string = SHOP.email, tag = 'c'): Conversation {
  const c = customer(i);
  const order = orderOf(c, i);
  const script = SCRIPTS[c.language];
  const first = c.name.split(' ')[0]!;
  const fill = (t: string) => t.replace(/\{n\}/g, order.number).replace(/\{first\}/g, first);

  const messages: Conversation['messages'] = [];
  const ids: string[] = [];
  let quotedText = '';
  let quotedHtml = '';
  script.turns.forEach((turn, k) => {
    const fromShop = k % 2 === 1;
    const sender = fromShop ? { name: SHOP.name, email: mailbox } : { name: c.name, email: c.email };
    const recipient = fromShop ? c : { name: 'Bench Shop', email: mailbox };
    const text = fill(turn);
    const id = `<${tag}${i}.${k}.${order.number}@${fromShop ? 'bench.example' : 'customer.example'}>`;
    const plain = quotedText ? `${text}\n\n${quotedText}` : text;
    const html = `<div dir="ltr">${toHtml(text)}</div>${quotedHtml ? `<br><div class="gmail_quote">${quotedHtml}</div>` : ''}`;
    const headers = [
      `From: ${sender.name} <${sender.email}>`,
      `To: ${recipient.name} <${recipient.email}>`,
      `Subject: ${k === 0 ? script.subject : `Re: ${script.subject}`}`,
      `Date: ${new Date(Date.UTC(2025, 10, 24 + k, 10, 2)).toUTCString()}`,
      `Message-ID: ${id}`,
      ...(ids.length ? [`In-Reply-To: ${ids[ids.length - 1]}`, `References: ${ids.join(' ')}`] : []),
    ];
    messages.push({ raw: multipartAlternative(headers, plain, html, `b${i}x${k}`), fromShop });
    ids.push(id);
    // What the next message quotes: this one, with its own quote nested one level deeper.
    const attribution = script.attribution(sender.name, sender.email);
    quotedText = `${attribution}\n${plain
      .split('\n')
      .map((l) => (l ? `> ${l}` : '>'))
      .join('\n')}`;
    quotedHtml = `<div class="gmail_attr">${escapeHtml(attribution)}<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">${html}</blockquote>`;
  });
  return { customer: c, order, messages };
}

function multipartAlternative(headers: string[], plain: string, html: string, boundary: string): string {
  return [
    ...headers,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset="UTF-8"',
    'Content-Transfer-Encoding: 8bit',
    '',
    plain,
    `--${boundary}`,
    'Content-Type: text/html; charset="UTF-8"',
    'Content-Transfer-Encoding: 8bit',
    '',
    html,
    `--${boundary}--`,
    '',
  ]
    .join('\r\n')
    .replace(/(?<!\r)\n/g, '\r\n');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function toHtml(text: string): string {
  return text
    .split('\n\n')
    .map((p) => `<div>${escapeHtml(p).replace(/\n/g, '<br>')}</div>`)
    .join('<div><br></div>');
}

/** Mail that must end without a draft, one of each kind the pipeline filters, with the labels Gmail gives it. */
export function skipSamples(i: number, mailbox: string = SHOP.email): SkipSample[] {
  const c = customer(i);
  const asked = `<skip${i}.asked@customer.example>`;
  const answered = `<skip${i}.answered@bench.example>`;
  const base = (from: string, subject: string, body: string, extra: string[] = [], messageId?: string) =>
    [
      `From: ${from}`,
      `To: Bench Shop <${mailbox}>`,
      `Subject: ${subject}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: ${messageId ?? `<skip${i}.${subject.length}.${Math.abs(hash(from + subject))}@sender.example>`}`,
      ...extra,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      body,
      '',
    ].join('\r\n');
  return [
    {
      kind: 'auto_reply',
      raw: base(
        `${c.name} <${c.email}>`,
        'Automatic reply: Where is my order?',
        'I am out of the office until Monday.',
        ['Auto-Submitted: auto-replied'],
      ),
    },
    {
      kind: 'bulk',
      raw: base('Carrier News <news@carrier.example>', 'Our new delivery options', 'Read all about it.', [
        'List-Unsubscribe: <mailto:unsubscribe@carrier.example>',
        'Precedence: bulk',
      ]),
    },
    {
      kind: 'no_reply_sender',
      raw: base('UPS <no-reply@ups.example>', 'Your parcel has been delivered', 'Your parcel was delivered today.'),
    },
    {
      kind: 'label',
      raw: base('Deals <deals@marketplace.example>', '50% off mugs', 'Only today.'),
      labelIds: ['INBOX', 'UNREAD', 'CATEGORY_PROMOTIONS'],
    },
    // The customer thanks the shop for its answer in their thread: decided from Gmail's preview
    // (pipeline/thanks-only.ts), never downloaded.
    {
      kind: 'thanks_only',
      earlier: [
        {
          raw: base(`${c.name} <${c.email}>`, 'Where is my order?', 'Hi, where is my order?', [], asked),
          labelIds: ['CATEGORY_PERSONAL'],
        },
        {
          raw: base(
            `Bench Shop <${mailbox}>`,
            'Re: Where is my order?',
            'It left yesterday.',
            replyTo(asked),
            answered,
          ),
          labelIds: ['SENT'],
        },
      ],
      raw: base(`${c.name} <${c.email}>`, 'Re: Where is my order?', 'Thank you so much!', replyTo(answered, asked)),
    },
  ];
}

/** A skip sample, with the messages its thread holds before it (already in the mailbox: not measured). */
export interface SkipSample {
  kind: string;
  raw: string;
  labelIds?: string[];
  earlier?: { raw: string; labelIds: string[] }[];
}

const replyTo = (parent: string, ...before: string[]) => [
  `In-Reply-To: ${parent}`,
  `References: ${[...before, parent].join(' ')}`,
];

/**
 * A skip only the model can decide: a thank-you under a subject of its own (the subject may be a
 * question, so the preview does not decide). Measured beside the mix, not in it.
 */
export function modelDecidedSkip(i: number, mailbox: string = SHOP.email): string {
  const c = customer(i);
  return [
    `From: ${c.name} <${c.email}>`,
    `To: Bench Shop <${mailbox}>`,
    'Subject: Thank you',
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <model-skip${i}@sender.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    '',
    'Thank you so much!',
    '',
  ].join('\r\n');
}

function hash(s: string): number {
  let h = 0;
  for (let k = 0; k < s.length; k++) h = (Math.imul(h, 31) + s.charCodeAt(k)) | 0;
  return h;
}
