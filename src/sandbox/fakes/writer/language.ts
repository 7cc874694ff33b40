/**
 * The customer's language: stopword scoring among the six languages the corpus uses, with a few
 * characters only one of them writes. One pass over the words: linear in the message.
 */
export const SUPPORTED_LANGUAGES = ['en', 'fr', 'de', 'es', 'it', 'nl'] as const;
export type SupportedLanguage = (typeof SUPPORTED_LANGUAGES)[number];

const STOPWORDS: Record<SupportedLanguage, readonly string[]> = {
  en: [
    'the',
    'and',
    'is',
    'are',
    'my',
    'i',
    'you',
    'your',
    'where',
    'have',
    'has',
    'not',
    'was',
    'with',
    'please',
    'thanks',
    'thank',
    'it',
    'this',
    'that',
    'when',
    'what',
    'can',
    'still',
    'yet',
    'received',
    'hello',
    'hi',
    'of',
    'to',
    'for',
    'would',
    'could',
    'did',
    'does',
    'order',
    'arrived',
    'haven',
    'hasn',
    'didn',
    'how',
    'long',
    'want',
    'return',
    'package',
    'parcel',
    'any',
    'update',
    'me',
    'we',
  ],
  fr: [
    'le',
    'la',
    'les',
    'je',
    'vous',
    'mon',
    'ma',
    'mes',
    'est',
    'et',
    'pas',
    'une',
    'un',
    'des',
    'du',
    'où',
    'bonjour',
    'merci',
    'commande',
    'colis',
    'reçu',
    'toujours',
    'quand',
    'avec',
    'pour',
    'que',
    'qui',
    'il',
    'elle',
    'ai',
    'suis',
    'votre',
    'vos',
    'rien',
    'encore',
    'livraison',
    'madame',
    'monsieur',
    'cordialement',
    'bien',
    'au',
    'aux',
    'ce',
    'cette',
    'sur',
    'ne',
    'nous',
  ],
  de: [
    'der',
    'die',
    'das',
    'und',
    'ist',
    'ich',
    'nicht',
    'mein',
    'meine',
    'meiner',
    'wo',
    'bitte',
    'danke',
    'hallo',
    'bestellung',
    'noch',
    'habe',
    'sie',
    'ein',
    'eine',
    'mit',
    'für',
    'wann',
    'paket',
    'erhalten',
    'schon',
    'den',
    'dem',
    'zu',
    'auf',
    'auch',
    'es',
    'wurde',
    'ihre',
    'grüße',
    'freundlichen',
    'sehr',
    'geehrte',
    'leider',
    'keine',
    'bis',
    'jetzt',
    'lieferung',
    'wir',
  ],
  es: [
    'el',
    'la',
    'los',
    'las',
    'y',
    'es',
    'mi',
    'mis',
    'no',
    'donde',
    'dónde',
    'pedido',
    'hola',
    'gracias',
    'por',
    'favor',
    'todavía',
    'aún',
    'recibido',
    'cuándo',
    'cuando',
    'con',
    'para',
    'que',
    'qué',
    'un',
    'una',
    'está',
    'he',
    'del',
    'al',
    'lo',
    'su',
    'muy',
    'saludos',
    'paquete',
    'envío',
    'llegado',
    'nada',
    'me',
    'se',
    'ya',
    'sigue',
    'estoy',
  ],
  it: [
    'il',
    'lo',
    'la',
    'gli',
    'le',
    'e',
    'è',
    'mio',
    'mia',
    'non',
    'dove',
    'ordine',
    'ciao',
    'buongiorno',
    'grazie',
    'ancora',
    'ricevuto',
    'quando',
    'con',
    'per',
    'che',
    'un',
    'una',
    'sono',
    'ho',
    'pacco',
    'del',
    'della',
    'di',
    'mi',
    'ma',
    'salve',
    'saluti',
    'cordiali',
    'spedizione',
    'arrivato',
    'niente',
    'nessun',
    'ancora',
    'vorrei',
    'può',
    'potete',
  ],
  nl: [
    'de',
    'het',
    'een',
    'en',
    'is',
    'ik',
    'mijn',
    'niet',
    'waar',
    'bestelling',
    'hallo',
    'dank',
    'bedankt',
    'alstublieft',
    'nog',
    'ontvangen',
    'wanneer',
    'met',
    'voor',
    'van',
    'heb',
    'pakket',
    'u',
    'je',
    'jullie',
    'wel',
    'geen',
    'zijn',
    'op',
    'te',
    'dat',
    'maar',
    'groet',
    'groeten',
    'vriendelijke',
    'graag',
    'hoi',
    'pakje',
    'levering',
    'al',
    'ben',
    'wij',
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
  ['ñ', 'es', 1],
  ['¿', 'es', 1.5],
  ['¡', 'es', 1.5],
  ['ß', 'de', 1.5],
  ['ä', 'de', 0.5],
  ['ö', 'de', 0.3],
  ['ü', 'de', 0.3],
  ['ç', 'fr', 0.7],
  ['œ', 'fr', 1],
  ['ê', 'fr', 0.5],
  ['ij', 'nl', 0.3],
];

/** Lower-cased words (letters and marks), NFC. */
export function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize('NFC')
      .match(/[\p{L}\p{M}]+/gu) ?? []
  );
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
