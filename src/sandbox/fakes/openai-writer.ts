/**
 * The deterministic "model" behind the OpenAI fake: writes a reply draft from the Draftline
 * contract (the last user message's JSON), using only the facts given.
 *
 * - Language: stopword scoring over the customer's message among en, fr, de, es, it, nl; when no
 *   language clearly wins, `merchant.fallbackLanguage`. A fallback without templates here (say
 *   "pt") is answered in English and reported as "en".
 * - needsReply is false for pure acknowledgements ("ok thanks", "merci beaucoup !", "Danke!").
 * - The message is never interpreted: instructions inside it change nothing. Only the language and
 *   the needsReply decision depend on it. Nothing from it is echoed (not even the customer's
 *   order number).
 * - The customer's name is used only if it looks like a name (letters, spaces, hyphens,
 *   apostrophes, periods; at most 4 words, 40 characters).
 * - The reply is: greeting, body, (tone-dependent) invitation, closing word and signOffName. No
 *   signature block (the drafting prompt asks for none), so the shop name is not written.
 * - Dates are written as YYYY-MM-DD, exactly as the fact (the date part of `order.createdAt`).
 * - factsUsed lists, in reply order, the literal fact strings written: order number, date, raw
 *   fulfilment status, raw financial status when mentioned, item titles, tracking company, number
 *   and URL.
 * - With `plantFalseFacts` > 0, at that rate (decided by a PRNG seeded from `seed` and the input)
 *   one fact is replaced by an invented one: a tracking number, the order date or the status, or
 *   for replies without an order, an invented tracking sentence. The invented value appears in
 *   replyText and in factsUsed, and is reported in `planted`.
 * - kind: what the customer asks about, from keyword cues in the six languages (classifyKind);
 *   the fake sends it only when the requested json_schema has a `kind` property.
 */
import { z } from 'zod';

export const SUPPORTED_LANGUAGES = ['en', 'fr', 'de', 'es', 'it', 'nl'] as const;
export type SupportedLanguage = (typeof SUPPORTED_LANGUAGES)[number];

// minimal adapter, replaced by the writer rewrite: PromptData's first order (the first named, or the
// newest recent one) stands in for the old single `order`, and 'recent' reads as 'matched'.
const fromPromptData = (data: unknown): unknown => {
  if (typeof data !== 'object' || data === null || !('orders' in data) || 'order' in data) return data;
  const { orders, orderLookup, ...rest } = data as { orders: unknown; orderLookup: unknown };
  const first = Array.isArray(orders) && orders.length ? (orders[0] as unknown) : null;
  const lookup = orderLookup === 'recent' ? 'matched' : orderLookup;
  return { ...rest, orderLookup: lookup, order: lookup === 'matched' ? first : null };
};

export const writerInputSchema = z.preprocess(fromPromptData, z.object({
  customer: z.object({
    name: z.string().nullable(),
    message: z.string(),
  }),
  orderLookup: z.enum(['matched', 'not_found', 'email_mismatch', 'no_reference', 'customer_data_unavailable']),
  order: z
    .object({
      number: z.string(),
      createdAt: z.string(),
      financialStatus: z.string(),
      fulfillmentStatus: z.string(),
      tracking: z.array(z.object({ company: z.string(), number: z.string(), url: z.string() })),
      items: z.array(z.object({ title: z.string(), quantity: z.number() })),
      shippingCity: z.string().nullable(),
      shippingCountry: z.string().nullable(),
    })
    .nullable(),
  merchant: z.object({
    shopName: z.string(),
    tone: z.enum(['friendly', 'formal', 'concise']),
    signOffName: z.string(),
    fallbackLanguage: z.string(),
  }),
}));

export type WriterInput = z.infer<typeof writerInputSchema>;
export type WriterOrder = NonNullable<WriterInput['order']>;

export interface WriterOutput {
  needsReply: boolean;
  language: string;
  replyText: string;
  factsUsed: string[];
}

export interface PlantedFact {
  kind: 'tracking' | 'date' | 'status' | 'invented_tracking';
  /** The true value replaced ("" when the fact was invented from nothing). */
  original: string;
  invented: string;
}

export interface WriterOptions {
  /** 0..1: the rate at which one fact is replaced by an invented one. Default 0. */
  plantFalseFacts?: number;
  /** PRNG seed. Default 0. */
  seed?: number;
}

export interface WriterResult extends WriterOutput {
  /** What the message is about (classifyKind); sent only when the requested schema asks for it. */
  kind: DraftKind;
  /** Set when a false fact was planted (never sent over the wire by the fake). */
  planted?: PlantedFact;
}

/** JSON Schema of the reply, strict-mode compatible (what a drafting client would send). */
export const draftReplyJsonSchema = {
  type: 'object',
  properties: {
    needsReply: { type: 'boolean' },
    language: { type: 'string' },
    replyText: { type: 'string' },
    factsUsed: { type: 'array', items: { type: 'string' } },
  },
  required: ['needsReply', 'language', 'replyText', 'factsUsed'],
  additionalProperties: false,
} as const;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** FNV-1a, 32 bits. */
export function hashString(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// Language detection

const STOPWORDS: Record<SupportedLanguage, readonly string[]> = {
  en: [
    'the', 'and', 'is', 'are', 'my', 'i', 'you', 'your', 'where', 'have', 'has', 'not', 'was', 'with',
    'please', 'thanks', 'thank', 'it', 'this', 'that', 'when', 'what', 'can', 'still', 'yet', 'received',
    'hello', 'hi', 'of', 'to', 'for', 'would', 'could', 'did', 'does', 'order', 'arrived', 'haven',
    'hasn', 'didn', 'how', 'long', 'want', 'return', 'package', 'parcel', 'any', 'update', 'me', 'we',
  ],
  fr: [
    'le', 'la', 'les', 'je', 'vous', 'mon', 'ma', 'mes', 'est', 'et', 'pas', 'une', 'un', 'des', 'du',
    'où', 'bonjour', 'merci', 'commande', 'colis', 'reçu', 'toujours', 'quand', 'avec', 'pour', 'que',
    'qui', 'il', 'elle', 'ai', 'suis', 'votre', 'vos', 'rien', 'encore', 'livraison', 'madame',
    'monsieur', 'cordialement', 'bien', 'au', 'aux', 'ce', 'cette', 'sur', 'ne', 'nous',
  ],
  de: [
    'der', 'die', 'das', 'und', 'ist', 'ich', 'nicht', 'mein', 'meine', 'meiner', 'wo', 'bitte', 'danke',
    'hallo', 'bestellung', 'noch', 'habe', 'sie', 'ein', 'eine', 'mit', 'für', 'wann', 'paket',
    'erhalten', 'schon', 'den', 'dem', 'zu', 'auf', 'auch', 'es', 'wurde', 'ihre', 'grüße',
    'freundlichen', 'sehr', 'geehrte', 'leider', 'keine', 'bis', 'jetzt', 'lieferung', 'wir',
  ],
  es: [
    'el', 'la', 'los', 'las', 'y', 'es', 'mi', 'mis', 'no', 'donde', 'dónde', 'pedido', 'hola', 'gracias',
    'por', 'favor', 'todavía', 'aún', 'recibido', 'cuándo', 'cuando', 'con', 'para', 'que', 'qué', 'un',
    'una', 'está', 'he', 'del', 'al', 'lo', 'su', 'muy', 'saludos', 'paquete', 'envío', 'llegado',
    'nada', 'me', 'se', 'ya', 'sigue', 'estoy',
  ],
  it: [
    'il', 'lo', 'la', 'gli', 'le', 'e', 'è', 'mio', 'mia', 'non', 'dove', 'ordine', 'ciao', 'buongiorno',
    'grazie', 'ancora', 'ricevuto', 'quando', 'con', 'per', 'che', 'un', 'una', 'sono', 'ho', 'pacco',
    'del', 'della', 'di', 'mi', 'ma', 'salve', 'saluti', 'cordiali', 'spedizione', 'arrivato', 'niente',
    'nessun', 'ancora', 'vorrei', 'può', 'potete',
  ],
  nl: [
    'de', 'het', 'een', 'en', 'is', 'ik', 'mijn', 'niet', 'waar', 'bestelling', 'hallo', 'dank',
    'bedankt', 'alstublieft', 'nog', 'ontvangen', 'wanneer', 'met', 'voor', 'van', 'heb', 'pakket', 'u',
    'je', 'jullie', 'wel', 'geen', 'zijn', 'op', 'te', 'dat', 'maar', 'groet', 'groeten', 'vriendelijke',
    'graag', 'hoi', 'pakje', 'levering', 'al', 'ben', 'wij',
  ],
};

/** word → languages containing it. */
const STOPWORD_INDEX: Map<string, SupportedLanguage[]> = (() => {
  const index = new Map<string, SupportedLanguage[]>();
  for (const lang of SUPPORTED_LANGUAGES) {
    for (const w of new Set(STOPWORDS[lang])) {
      const list = index.get(w) ?? [];
      list.push(lang);
      index.set(w, list);
    }
  }
  return index;
})();

/** Characters that only (or mostly) one of the languages uses. */
const CHAR_HINTS: ReadonlyArray<readonly [string, SupportedLanguage, number]> = [
  ['ñ', 'es', 1], ['¿', 'es', 1.5], ['¡', 'es', 1.5], ['ß', 'de', 1.5], ['ä', 'de', 0.5], ['ö', 'de', 0.3],
  ['ü', 'de', 0.3], ['ç', 'fr', 0.7], ['œ', 'fr', 1], ['ê', 'fr', 0.5], ['ij', 'nl', 0.3],
];

function words(text: string): string[] {
  return text.toLowerCase().normalize('NFC').match(/[\p{L}\p{M}]+/gu) ?? [];
}

export interface LanguageScores {
  language: SupportedLanguage | null;
  scores: Record<SupportedLanguage, number>;
}

/** Stopword scores per language; `language` is the winner, or null when none clearly wins. */
export function scoreLanguages(message: string): LanguageScores {
  const scores: Record<SupportedLanguage, number> = { en: 0, fr: 0, de: 0, es: 0, it: 0, nl: 0 };
  for (const w of words(message)) {
    const langs = STOPWORD_INDEX.get(w);
    if (!langs) continue;
    for (const lang of langs) scores[lang] += 1 / langs.length;
  }
  const lower = message.toLowerCase();
  for (const [hint, lang, weight] of CHAR_HINTS) if (lower.includes(hint)) scores[lang] += weight;

  let best: SupportedLanguage | null = null;
  let bestScore = 0;
  let second = 0;
  for (const lang of SUPPORTED_LANGUAGES) {
    const s = scores[lang];
    if (s > bestScore) {
      second = bestScore;
      bestScore = s;
      best = lang;
    } else if (s > second) {
      second = s;
    }
  }
  // Need at least one full stopword and a real lead over the runner-up.
  if (bestScore < 1 || bestScore - second < 0.5) return { language: null, scores };
  return { language: best, scores };
}

function isSupported(lang: string): lang is SupportedLanguage {
  return (SUPPORTED_LANGUAGES as readonly string[]).includes(lang);
}

export function detectLanguage(message: string, fallbackLanguage: string): SupportedLanguage {
  const { language } = scoreLanguages(message);
  if (language) return language;
  const fallback = fallbackLanguage.toLowerCase().slice(0, 2);
  return isSupported(fallback) ? fallback : 'en';
}

// ---------------------------------------------------------------------------------------------
// Kind of request

export const DRAFT_KINDS = ['order_status', 'returns', 'address_change', 'cancellation', 'other'] as const;
export type DraftKind = (typeof DRAFT_KINDS)[number];

/** Cues per kind: word prefixes (lower-cased) and whole words, in en, fr, de, es, it, nl. */
interface Cues {
  prefixes: readonly string[];
  words?: readonly string[];
}

const KIND_CUES: Record<Exclude<DraftKind, 'other' | 'address_change'>, Cues> & { address: Cues; change: Cues } = {
  cancellation: {
    prefixes: ['cancel', 'annul', 'stornier', 'storno', 'abbestell', 'cancelar', 'cancela', 'anular', 'anula', 'cancellar', 'cancella', 'annuleer', 'annuler'],
  },
  address: {
    prefixes: ['address', 'adresse', 'anschrift', 'lieferadress', 'dirección', 'direccion', 'domicilio', 'indirizz', 'adres', 'afleveradres', 'bezorgadres'],
  },
  change: {
    prefixes: [
      'chang', 'modif', 'updat', 'wrong', 'incorrect', 'correct', 'new', 'nouvel', 'änder', 'aender', 'falsch', 'neue', 'cambi',
      'nuev', 'equivoc', 'erróne', 'errone', 'sbagliat', 'nuov', 'wijzig', 'verander', 'aanpass', 'nieuw', 'fout',
    ],
  },
  returns: {
    prefixes: [
      'return', 'refund', 'exchang', 'retour', 'rembours', 'renvoy', 'échang', 'rücksend', 'zurücksend', 'zurückschick', 'erstatt',
      'rückerstatt', 'umtausch', 'devolver', 'devoluc', 'devolv', 'reembols', 'restitu', 'rimbors', 'terugstur', 'terugbetal', 'ruil',
    ],
    words: ['reso'],
  },
  order_status: {
    prefixes: [
      'where', 'track', 'ship', 'deliver', 'arriv', 'parcel', 'package', 'status', 'colis', 'livr', 'suivi', 'expédi', 'paket',
      'liefer', 'sendung', 'versand', 'versend', 'erhalten', 'angekommen', 'paquete', 'envío', 'envio', 'enviad', 'entreg',
      'seguimiento', 'llegad', 'recibid', 'pacco', 'spedi', 'consegn', 'tracciament', 'arrivat', 'ricevut', 'pakket', 'pakje',
      'verzend', 'verzonden', 'bezorg', 'lever', 'ontvangen',
    ],
    words: ['où', 'wo', 'dónde', 'donde', 'dove', 'dov', 'waar'],
  },
};

function hasCue(ws: readonly string[], cues: Cues): boolean {
  return ws.some((w) => cues.words?.includes(w) || cues.prefixes.some((p) => w.startsWith(p)));
}

/**
 * The kind of a customer's message, deterministically from keyword cues. First match wins:
 * cancellation, then address change (an address word and a change word), returns, order status;
 * else "other".
 */
export function classifyKind(message: string): DraftKind {
  const ws = words(message);
  if (hasCue(ws, KIND_CUES.cancellation)) return 'cancellation';
  if (hasCue(ws, KIND_CUES.address) && hasCue(ws, KIND_CUES.change)) return 'address_change';
  if (hasCue(ws, KIND_CUES.returns)) return 'returns';
  if (hasCue(ws, KIND_CUES.order_status)) return 'order_status';
  return 'other';
}

// ---------------------------------------------------------------------------------------------
// needsReply

const THANKS_WORDS = new Set([
  'thanks', 'thank', 'thx', 'ty', 'cheers', 'merci', 'danke', 'dank', 'gracias', 'grazie', 'bedankt',
  'ok', 'okay', 'oké', 'oke', 'perfect', 'perfekt', 'parfait', 'perfecto', 'perfetto', 'super', 'great',
]);

const ACK_WORDS = new Set([
  ...THANKS_WORDS,
  'you', 'so', 'much', 'very', 'a', 'lot', 'many', 'got', 'it', 'received', 'noted', 'all', 'good',
  'awesome', 'cool', 'fine', 'alright', 'brilliant', 'lovely', 'wonderful', 'and', 'again', 'for',
  'the', 'info', 'update', 'reply', 'your', 'help', 'hi', 'hello', 'best', 'regards', 'kind',
  'beaucoup', 'bien', 'reçu', 'top', 'génial', 'd', 'accord', 'bonne', 'journée', 'pour', 'l',
  'information', 'votre', 'réponse', 'encore', 'mille', 'fois', 'bonjour', 'cordialement', 'très',
  'vielen', 'schön', 'sehr', 'alles', 'klar', 'gut', 'prima', 'toll', 'für', 'die', 'info', 'antwort',
  'hallo', 'grüße', 'viele', 'lg', 'mfg', 'und',
  'muchas', 'vale', 'genial', 'recibido', 'por', 'la', 'respuesta', 'hola', 'saludos', 'de', 'nuevo',
  'todo', 'bien', 'mil',
  'ottimo', 'va', 'bene', 'ricevuto', 'ciao', 'buongiorno', 'per', 'risposta', 'tante', 'molte', 'saluti',
  'wel', 'je', 'u', 'hartelijk', 'ontvangen', 'voor', 'het', 'antwoord', 'groet', 'groeten', 'goed', 'fijn',
]);

/** A pure acknowledgement ("ok thanks!", "Merci beaucoup", "Danke, alles klar") needs no reply. */
export function isPureAcknowledgement(message: string, customerName: string | null): boolean {
  if (message.includes('?')) return false;
  const nameWords = new Set(customerName ? words(customerName) : []);
  const ws = words(message).filter((w) => !nameWords.has(w));
  if (ws.length === 0 || ws.length > 14) return false;
  let thanks = false;
  for (const w of ws) {
    if (!ACK_WORDS.has(w)) return false;
    if (THANKS_WORDS.has(w)) thanks = true;
  }
  return thanks;
}

// ---------------------------------------------------------------------------------------------
// Templates

type Tone = WriterInput['merchant']['tone'];

interface Phrases {
  greeting(tone: Tone, first: string | null, full: string | null): string;
  closing: Record<Tone, string>;
  opener: Record<Tone, string | null>;
  orderIntro(number: string, date: string): string;
  status: {
    fulfilled: string;
    unfulfilled: string;
    partial: string;
    delivered: string;
    /** fulfillmentStatus "unknown": the shop's status says nothing certain, so nothing is claimed. */
    unknown: string;
    other(status: string): string;
  };
  financial: { refunded: string; partially_refunded: string; pending: string; voided: string };
  tracking(company: string, number: string, url: string): string;
  items(list: string): string;
  noReference: string;
  notFound: string;
  emailMismatch: string;
  /** customer_data_unavailable: the shop cannot tell which orders are the customer's; ask for number and name. */
  orderAndName: string;
  invitation: Record<Tone, string | null>;
}

const PHRASES: Record<SupportedLanguage, Phrases> = {
  en: {
    greeting: (tone, first, full) =>
      tone === 'formal' ? `Dear ${full ?? 'customer'},` : tone === 'concise' ? `Hello${first ? ` ${first}` : ''},` : `Hi ${first ?? 'there'},`,
    closing: { friendly: 'Best wishes,', formal: 'Kind regards,', concise: 'Best,' },
    opener: { friendly: 'Thanks for reaching out!', formal: 'Thank you for your message.', concise: null },
    orderIntro: (n, d) => `Your order #${n} was placed on ${d}.`,
    status: {
      fulfilled: 'It has been shipped.',
      unfulfilled: 'It has not shipped yet: we are preparing it.',
      partial: 'Part of it has shipped; the rest will follow.',
      delivered: 'It has been delivered.',
      unknown: 'We are checking where it is and will get back to you shortly.',
      other: (s) => `Its current status is: ${s}.`,
    },
    financial: {
      refunded: 'It has been refunded.',
      partially_refunded: 'It has been partially refunded.',
      pending: 'We are still waiting for the payment to be confirmed.',
      voided: 'The payment was cancelled.',
    },
    tracking: (c, n, u) => `You can follow the parcel with ${c}, tracking number ${n}${u ? `: ${u}` : '.'}`,
    items: (l) => `It contains: ${l}.`,
    noReference: 'Could you send us your order number so that we can look into it?',
    notFound: 'We could not find an order matching your message. Could you check your order number and send it to us?',
    emailMismatch:
      'To protect your privacy, we can only share order details with the email address used to place the order. Could you write to us from that address, or send us the order number together with the name on the order?',
    orderAndName: 'Could you send us your order number and the name on the order, so that we can look into it?',
    invitation: { friendly: 'Let us know if there is anything else we can do!', formal: 'Please do not hesitate to contact us if you have any other questions.', concise: null },
  },
  fr: {
    greeting: (tone, first, full) =>
      tone === 'formal' ? (full ? `Bonjour ${full},` : 'Madame, Monsieur,') : `Bonjour${first ? ` ${first}` : ''},`,
    closing: { friendly: 'Belle journée,', formal: 'Cordialement,', concise: 'Bien à vous,' },
    opener: { friendly: 'Merci pour votre message !', formal: 'Nous vous remercions pour votre message.', concise: null },
    orderIntro: (n, d) => `Votre commande n°${n} a été passée le ${d}.`,
    status: {
      fulfilled: 'Elle a été expédiée.',
      unfulfilled: "Elle n'a pas encore été expédiée : nous la préparons.",
      partial: 'Une partie a été expédiée ; le reste suivra.',
      delivered: 'Elle a été livrée.',
      unknown: 'Nous vérifions où elle en est et revenons vers vous rapidement.',
      other: (s) => `Son statut actuel est : ${s}.`,
    },
    financial: {
      refunded: 'Elle a été remboursée.',
      partially_refunded: 'Elle a été partiellement remboursée.',
      pending: 'Nous attendons encore la confirmation du paiement.',
      voided: 'Le paiement a été annulé.',
    },
    tracking: (c, n, u) => `Vous pouvez suivre le colis avec ${c}, numéro de suivi ${n}${u ? ` : ${u}` : '.'}`,
    items: (l) => `Elle contient : ${l}.`,
    noReference: 'Pourriez-vous nous envoyer votre numéro de commande afin que nous puissions vérifier ?',
    notFound: "Nous n'avons pas trouvé de commande correspondant à votre message. Pourriez-vous vérifier votre numéro de commande et nous l'envoyer ?",
    emailMismatch:
      "Pour protéger vos données, nous ne pouvons communiquer les détails d'une commande qu'à l'adresse e-mail utilisée lors de l'achat. Pourriez-vous nous écrire depuis cette adresse, ou nous envoyer le numéro de commande avec le nom indiqué sur la commande ?",
    orderAndName: 'Pourriez-vous nous envoyer votre numéro de commande et le nom indiqué sur la commande, afin que nous puissions vérifier ?',
    invitation: { friendly: "N'hésitez pas si vous avez d'autres questions !", formal: 'Nous restons à votre disposition pour toute autre question.', concise: null },
  },
  de: {
    greeting: (tone, first, full) =>
      tone === 'formal' ? (full ? `Guten Tag ${full},` : 'Sehr geehrte Damen und Herren,') : `Hallo${first ? ` ${first}` : ''},`,
    closing: { friendly: 'Viele Grüße', formal: 'Mit freundlichen Grüßen', concise: 'Gruß' },
    opener: { friendly: 'Danke für deine Nachricht!', formal: 'Vielen Dank für Ihre Nachricht.', concise: null },
    orderIntro: (n, d) => `Ihre Bestellung Nr. ${n} wurde am ${d} aufgegeben.`,
    status: {
      fulfilled: 'Sie wurde versandt.',
      unfulfilled: 'Sie wurde noch nicht versandt: Wir bereiten sie vor.',
      partial: 'Ein Teil wurde versandt; der Rest folgt.',
      delivered: 'Sie wurde zugestellt.',
      unknown: 'Wir prüfen gerade, wo sie sich befindet, und melden uns in Kürze.',
      other: (s) => `Ihr aktueller Status ist: ${s}.`,
    },
    financial: {
      refunded: 'Sie wurde erstattet.',
      partially_refunded: 'Sie wurde teilweise erstattet.',
      pending: 'Wir warten noch auf die Bestätigung der Zahlung.',
      voided: 'Die Zahlung wurde storniert.',
    },
    tracking: (c, n, u) => `Sie können das Paket bei ${c} mit der Sendungsnummer ${n} verfolgen${u ? `: ${u}` : '.'}`,
    items: (l) => `Sie enthält: ${l}.`,
    noReference: 'Könnten Sie uns Ihre Bestellnummer senden, damit wir nachsehen können?',
    notFound: 'Wir konnten keine Bestellung zu Ihrer Nachricht finden. Könnten Sie Ihre Bestellnummer prüfen und uns senden?',
    emailMismatch:
      'Zum Schutz Ihrer Daten können wir Bestelldetails nur an die E-Mail-Adresse senden, mit der bestellt wurde. Könnten Sie uns von dieser Adresse schreiben oder uns die Bestellnummer zusammen mit dem Namen auf der Bestellung senden?',
    orderAndName: 'Könnten Sie uns Ihre Bestellnummer und den Namen auf der Bestellung senden, damit wir nachsehen können?',
    invitation: { friendly: 'Melde dich gern, wenn wir noch helfen können!', formal: 'Bei weiteren Fragen stehen wir Ihnen gerne zur Verfügung.', concise: null },
  },
  es: {
    greeting: (tone, first, full) =>
      tone === 'formal' ? `Estimado/a ${full ?? 'cliente'}:` : tone === 'concise' ? `Hola${first ? ` ${first}` : ''}:` : `¡Hola${first ? ` ${first}` : ''}!`,
    closing: { friendly: '¡Un saludo!', formal: 'Atentamente,', concise: 'Saludos,' },
    opener: { friendly: '¡Gracias por escribirnos!', formal: 'Le agradecemos su mensaje.', concise: null },
    orderIntro: (n, d) => `Su pedido n.º ${n} se realizó el ${d}.`,
    status: {
      fulfilled: 'Ya ha sido enviado.',
      unfulfilled: 'Todavía no ha sido enviado: lo estamos preparando.',
      partial: 'Una parte ya ha sido enviada; el resto llegará después.',
      delivered: 'Ya ha sido entregado.',
      unknown: 'Estamos comprobando dónde se encuentra y le responderemos en breve.',
      other: (s) => `Su estado actual es: ${s}.`,
    },
    financial: {
      refunded: 'Ha sido reembolsado.',
      partially_refunded: 'Ha sido reembolsado parcialmente.',
      pending: 'Todavía estamos esperando la confirmación del pago.',
      voided: 'El pago fue anulado.',
    },
    tracking: (c, n, u) => `Puede seguir el paquete con ${c}, número de seguimiento ${n}${u ? `: ${u}` : '.'}`,
    items: (l) => `Contiene: ${l}.`,
    noReference: '¿Podría enviarnos su número de pedido para que podamos revisarlo?',
    notFound: 'No hemos encontrado ningún pedido que corresponda a su mensaje. ¿Podría comprobar su número de pedido y enviárnoslo?',
    emailMismatch:
      'Para proteger su privacidad, solo podemos compartir los detalles de un pedido con la dirección de correo usada para realizarlo. ¿Podría escribirnos desde esa dirección, o enviarnos el número de pedido junto con el nombre que figura en el pedido?',
    orderAndName: '¿Podría enviarnos su número de pedido y el nombre que figura en el pedido para que podamos revisarlo?',
    invitation: { friendly: '¡Quedamos a su disposición para lo que necesite!', formal: 'Quedamos a su disposición para cualquier otra consulta.', concise: null },
  },
  it: {
    greeting: (tone, first, full) =>
      tone === 'formal' ? `Gentile ${full ?? 'cliente'},` : `Ciao${first ? ` ${first}` : ''},`,
    closing: { friendly: 'A presto,', formal: 'Cordiali saluti,', concise: 'Saluti,' },
    opener: { friendly: 'Grazie per averci scritto!', formal: 'La ringraziamo per il suo messaggio.', concise: null },
    orderIntro: (n, d) => `Il suo ordine n. ${n} è stato effettuato il ${d}.`,
    status: {
      fulfilled: 'È stato spedito.',
      unfulfilled: 'Non è ancora stato spedito: lo stiamo preparando.',
      partial: 'Una parte è stata spedita; il resto seguirà.',
      delivered: 'È stato consegnato.',
      unknown: 'Stiamo verificando dove si trova e le risponderemo a breve.',
      other: (s) => `Il suo stato attuale è: ${s}.`,
    },
    financial: {
      refunded: 'È stato rimborsato.',
      partially_refunded: 'È stato rimborsato in parte.',
      pending: 'Stiamo ancora aspettando la conferma del pagamento.',
      voided: 'Il pagamento è stato annullato.',
    },
    tracking: (c, n, u) => `Può seguire il pacco con ${c}, numero di tracciamento ${n}${u ? `: ${u}` : '.'}`,
    items: (l) => `Contiene: ${l}.`,
    noReference: 'Potrebbe inviarci il numero del suo ordine, così possiamo verificare?',
    notFound: 'Non abbiamo trovato alcun ordine corrispondente al suo messaggio. Potrebbe controllare il numero d’ordine e inviarcelo?',
    emailMismatch:
      "Per proteggere la sua privacy, possiamo condividere i dettagli di un ordine solo con l'indirizzo email usato per effettuarlo. Potrebbe scriverci da quell'indirizzo, oppure inviarci il numero d'ordine insieme al nome indicato sull'ordine?",
    orderAndName: "Potrebbe inviarci il numero dell'ordine e il nome indicato sull'ordine, così possiamo verificare?",
    invitation: { friendly: 'Scrivici pure se possiamo aiutarti ancora!', formal: 'Restiamo a disposizione per qualsiasi altra domanda.', concise: null },
  },
  nl: {
    greeting: (tone, first, full) =>
      tone === 'formal' ? (full ? `Beste ${full},` : 'Geachte klant,') : tone === 'concise' ? `Hallo${first ? ` ${first}` : ''},` : `Hoi${first ? ` ${first}` : ''},`,
    closing: { friendly: 'Groetjes,', formal: 'Met vriendelijke groet,', concise: 'Groet,' },
    opener: { friendly: 'Bedankt voor je bericht!', formal: 'Hartelijk dank voor uw bericht.', concise: null },
    orderIntro: (n, d) => `Uw bestelling nr. ${n} is geplaatst op ${d}.`,
    status: {
      fulfilled: 'Deze is verzonden.',
      unfulfilled: 'Deze is nog niet verzonden: we zijn hem aan het voorbereiden.',
      partial: 'Een deel is verzonden; de rest volgt.',
      delivered: 'Deze is bezorgd.',
      unknown: 'We zoeken uit waar deze is en laten het u snel weten.',
      other: (s) => `De huidige status is: ${s}.`,
    },
    financial: {
      refunded: 'Deze is terugbetaald.',
      partially_refunded: 'Deze is gedeeltelijk terugbetaald.',
      pending: 'We wachten nog op de bevestiging van de betaling.',
      voided: 'De betaling is geannuleerd.',
    },
    tracking: (c, n, u) => `U kunt het pakket volgen bij ${c} met trackingnummer ${n}${u ? `: ${u}` : '.'}`,
    items: (l) => `De bestelling bevat: ${l}.`,
    noReference: 'Kunt u ons uw bestelnummer sturen, zodat we het kunnen nakijken?',
    notFound: 'We konden geen bestelling vinden die bij uw bericht past. Kunt u uw bestelnummer controleren en naar ons sturen?',
    emailMismatch:
      'Om uw privacy te beschermen, kunnen we bestelgegevens alleen delen met het e-mailadres waarmee de bestelling is geplaatst. Kunt u ons vanaf dat adres schrijven, of ons het bestelnummer samen met de naam op de bestelling sturen?',
    orderAndName: 'Kunt u ons uw bestelnummer en de naam op de bestelling sturen, zodat we het kunnen nakijken?',
    invitation: { friendly: 'Laat het ons weten als we nog ergens mee kunnen helpen!', formal: 'Voor verdere vragen staan wij graag tot uw beschikking.', concise: null },
  },
};

// ---------------------------------------------------------------------------------------------
// Writing

const NAME_PATTERN = /^[\p{L}\p{M}][\p{L}\p{M}'’.\- ]{0,39}$/u;

/** The customer's name if it looks like one; never instructions smuggled through a From header. */
export function safeName(name: string | null): { first: string | null; full: string | null } {
  if (!name) return { first: null, full: null };
  const full = name.trim().replace(/\s+/g, ' ');
  if (!NAME_PATTERN.test(full) || full.split(' ').length > 4) return { first: null, full: null };
  return { first: full.split(' ')[0] ?? null, full };
}

function orderDate(createdAt: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(createdAt);
  return m ? m[1]! : createdAt;
}

type StatusKey = 'fulfilled' | 'unfulfilled' | 'partial' | 'delivered' | 'unknown';

function statusKey(status: string): StatusKey | null {
  const s = status.toLowerCase().replace(/[\s-]+/g, '_');
  if (s === 'unknown') return 'unknown';
  if (s === 'fulfilled' || s === 'shipped' || s === 'completed' || s === 'in_transit' || s === 'out_for_delivery') return 'fulfilled';
  if (s === 'unfulfilled' || s === '' || s === 'null' || s === 'processing' || s === 'pending' || s === 'on_hold' || s === 'unshipped' || s === 'ready_to_ship') return 'unfulfilled';
  if (s === 'partially_fulfilled' || s === 'partial') return 'partial';
  if (s === 'delivered') return 'delivered';
  return null;
}

const INVENTED_STATUSES = ['delivered', 'fulfilled', 'unfulfilled', 'partially_fulfilled'] as const;

/** A status different from `status`, for planting. */
function differentStatus(status: string, rand: () => number): string {
  const options = INVENTED_STATUSES.filter((s) => statusKey(s) !== statusKey(status));
  return options[Math.floor(rand() * options.length)] ?? 'delivered';
}

/** Same shape as the real tracking number, different characters. */
function inventTrackingNumber(real: string, rand: () => number): string {
  let out = '';
  for (const ch of real) {
    if (ch >= '0' && ch <= '9') {
      const d = Number(ch);
      out += String((d + 1 + Math.floor(rand() * 8)) % 10);
    } else {
      out += ch;
    }
  }
  return out === real ? `${real}7` : out;
}

function inventDate(real: string, rand: () => number): string {
  const base = Date.parse(`${real}T12:00:00Z`);
  const start = Number.isNaN(base) ? Date.UTC(2026, 0, 15) : base;
  const shift = (3 + Math.floor(rand() * 20)) * 86_400_000 * (rand() < 0.5 ? -1 : 1);
  return new Date(start + shift).toISOString().slice(0, 10);
}

function inventedTrackingSentence(lang: SupportedLanguage, rand: () => number): { sentence: string; number: string } {
  let digits = '';
  for (let i = 0; i < 16; i++) digits += String(Math.floor(rand() * 10));
  const number = `1Z${digits}`;
  return { sentence: PHRASES[lang].tracking('UPS', number, ''), number };
}

/** Write the reply for one contract input. Pure: the same input and options give the same output. */
export function writeReply(input: WriterInput, options: WriterOptions = {}): WriterResult {
  const rate = Math.min(1, Math.max(0, options.plantFalseFacts ?? 0));
  const rand = mulberry32(hashString(JSON.stringify(input), options.seed ?? 0));
  const plant = rate > 0 && rand() < rate;

  const language = detectLanguage(input.customer.message, input.merchant.fallbackLanguage);
  const kind = classifyKind(input.customer.message);
  const { first, full } = safeName(input.customer.name);

  if (isPureAcknowledgement(input.customer.message, full)) {
    return { needsReply: false, kind, language, replyText: '', factsUsed: [] };
  }

  const p = PHRASES[language];
  const tone = input.merchant.tone;
  const facts: string[] = [];
  const body: string[] = [];
  let planted: PlantedFact | undefined;

  const order = input.orderLookup === 'matched' ? input.order : null;
  if (order) {
    // Which fact to falsify, when planting.
    const kinds: PlantedFact['kind'][] = ['date', 'status'];
    if (order.tracking.length > 0) kinds.push('tracking', 'tracking');
    const plantKind = plant ? kinds[Math.floor(rand() * kinds.length)] : undefined;

    let date = orderDate(order.createdAt);
    if (plantKind === 'date') {
      const invented = inventDate(date, rand);
      planted = { kind: 'date', original: date, invented };
      date = invented;
    }
    body.push(p.orderIntro(order.number, date));
    facts.push(order.number, date);

    let status = order.fulfillmentStatus;
    if (plantKind === 'status') {
      const invented = differentStatus(status, rand);
      planted = { kind: 'status', original: status, invented };
      status = invented;
    }
    const key = statusKey(status);
    body.push(key ? p.status[key] : p.status.other(status));
    // "unknown" is no fact about the order: nothing of it is quoted.
    if (key !== 'unknown') facts.push(status);

    const fin = order.financialStatus.toLowerCase();
    if (fin === 'refunded' || fin === 'partially_refunded' || fin === 'pending' || fin === 'voided') {
      body.push(p.financial[fin]);
      facts.push(order.financialStatus);
    }

    if (tone !== 'concise' && order.items.length > 0) {
      body.push(p.items(order.items.map((i) => `${i.quantity} × ${i.title}`).join(', ')));
      for (const item of order.items) facts.push(item.title);
    }

    const plantIndex = plantKind === 'tracking' ? Math.floor(rand() * order.tracking.length) : -1;
    order.tracking.forEach((t, index) => {
      let number = t.number;
      let url = t.url;
      if (index === plantIndex) {
        // A consistent hallucination: the invented number also replaces the real one in the URL.
        number = inventTrackingNumber(t.number, rand);
        url = t.number ? t.url.split(t.number).join(number) : t.url;
        planted = { kind: 'tracking', original: t.number, invented: number };
      }
      body.push(p.tracking(t.company, number, url));
      facts.push(t.company, number);
      if (url) facts.push(url);
    });
  } else if (input.orderLookup === 'email_mismatch') {
    body.push(p.emailMismatch);
  } else if (input.orderLookup === 'not_found') {
    // The number they named matches no order: ask them to check it, and describe no other order.
    body.push(p.notFound);
  } else if (input.orderLookup === 'customer_data_unavailable') {
    body.push(p.orderAndName);
  } else {
    // no_reference, or "matched" without an order object
    body.push(p.noReference);
  }

  if (plant && !order) {
    const invented = inventedTrackingSentence(language, rand);
    body.push(invented.sentence);
    facts.push('UPS', invented.number);
    planted = { kind: 'invented_tracking', original: '', invented: invented.number };
  }

  const paragraphs: string[] = [p.greeting(tone, first, full)];
  const opener = p.opener[tone];
  paragraphs.push((opener ? [opener, ...body] : body).join(' '));
  const invitation = p.invitation[tone];
  if (invitation) paragraphs.push(invitation);
  // Closing word and the sign-off name only: no signature block (as the drafting prompt asks).
  paragraphs.push(`${p.closing[tone]}\n${input.merchant.signOffName}`);

  const result: WriterResult = {
    needsReply: true,
    kind,
    language,
    replyText: paragraphs.join('\n\n'),
    factsUsed: [...new Set(facts.filter((f) => f !== ''))],
  };
  if (planted) result.planted = planted;
  return result;
}
