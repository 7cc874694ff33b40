import { normalizeBounded } from './order-reference';
import type { StorePolicies } from './policies';
import type { PromptPolicies } from './prompt-data';

/**
 * Which of the shop's policy texts go into the prompt: a cheap keyword pre-classifier over the
 * customer's words (en, fr, de, es, it, nl) picks the texts that matter for what they ask, so a
 * shop with long policies does not pay for all of them on every mail. It only ever adds: every
 * topic it hears adds its texts, and when it hears none, every text that is set goes in
 * (correctness before tokens). The return window is a number, cheap, and always goes in when set.
 *
 * Linear: one pass over the words, each looked up by its prefixes up to a fixed length.
 */
type PolicyText = Exclude<keyof PromptPolicies, 'returnWindowDays'>;
type Topic = 'returns' | 'damaged' | 'changes' | 'presales' | 'status';

const TEXTS_FOR: Record<Topic, readonly PolicyText[]> = {
  returns: ['returns'],
  damaged: ['damagedItems'],
  changes: ['orderChanges'],
  presales: ['shipping', 'faq'],
  status: ['shipping'],
};

/**
 * Word beginnings (lower-case, NFKC) that point to a topic, accented and plain spellings both; one
 * ending in "$" is a whole word only ("wo" would begin too many German and English words).
 */
const STEMS: Record<Topic, readonly string[]> = {
  returns: [
    'return',
    'refund',
    'exchang',
    'swap',
    'retour',
    'rembours',
    'échang',
    'echang',
    'renvoi',
    'renvoy',
    'rücksend',
    'rucksend',
    'rückgabe',
    'zurück',
    'zuruck',
    'umtausch',
    'erstatt',
    'retoure',
    'devol',
    'reembols',
    'cambi',
    'reintegr',
    'reso$',
    'resi$',
    'restitu',
    'rimbors',
    'sostitu',
    'terugstur',
    'ruil',
    'terugbetal',
    'retourn',
  ],
  damaged: [
    'broke',
    'damag',
    'crack',
    'defect',
    'faulty',
    'shatter',
    'smash',
    'wrong',
    'missing',
    'scratch',
    'leak',
    'torn',
    'cassé',
    'casse',
    'abîm',
    'abim',
    'endommag',
    'défectu',
    'defectu',
    'fissur',
    'brisé',
    'mauvais',
    'erron',
    'manquant',
    'rayé',
    'kaputt',
    'beschädig',
    'beschadig',
    'defekt',
    'zerbroch',
    'gebroch',
    'falsch',
    'fehlt',
    'zerkratz',
    'bruch',
    'roto$',
    'rota$',
    'rotos$',
    'rotas$',
    'dañad',
    'danad',
    'estropead',
    'romp',
    'equivocad',
    'incorrect',
    'rayad',
    'agrietad',
    'falta',
    'rott',
    'dannegg',
    'difett',
    'rovinat',
    'sbagliat',
    'mancant',
    'graffiat',
    'incrinat',
    'scheggiat',
    'kapot',
    'gebroken',
    'stuk$',
    'verkeerd',
    'ontbre',
    'gebarsten',
  ],
  changes: [
    'address',
    'adress',
    'cancel',
    'chang',
    'modif',
    'annul',
    'adresse',
    'storn',
    'änder',
    'abbestell',
    'umleit',
    'direcci',
    'anul',
    'indirizz',
    'annull',
    'adres',
    'annuleer',
    'annuler',
    'wijzig',
    'verander',
    'aanpass',
  ],
  presales: [
    'ship',
    'deliver',
    'cost',
    'price',
    'stock',
    'availab',
    'size',
    'product',
    'discount',
    'wholesale',
    'material',
    'livr',
    'expédi',
    'expedi',
    'frais',
    'délai',
    'delai',
    'prix',
    'disponib',
    'taille',
    'produit',
    'envoy',
    'versand',
    'versend',
    'liefer',
    'kosten',
    'preis',
    'verfügbar',
    'verfugbar',
    'lager',
    'größe',
    'grosse',
    'produkt',
    'envío',
    'envio',
    'enví',
    'entreg',
    'coste',
    'costo',
    'precio',
    'talla',
    'producto',
    'plazo',
    'spedi',
    'consegn',
    'costi',
    'prezz',
    'taglia',
    'prodott',
    'tempi',
    'verzend',
    'leveren',
    'levering',
    'levertijd',
    'bezorg',
    'kost',
    'prijs',
    'voorraad',
    'beschikbaar',
    'maat',
  ],
  status: [
    'where',
    'track',
    'arriv',
    'parcel',
    'package',
    'où',
    'suivi',
    'colis',
    'reçu',
    'wo$',
    'sendung',
    'paket',
    'verfolg',
    'angekommen',
    'erhalten',
    'dónde',
    'donde',
    'seguimiento',
    'paquete',
    'llega',
    'recibid',
    'dove',
    'tracciam',
    'pacco',
    'arrivat',
    'ricevut',
    'waar',
    'pakket',
    'volg',
    'aangekomen',
    'ontvangen',
  ],
};

const STEM_TOPICS = new Map<string, Topic[]>();
const WORD_TOPICS = new Map<string, Topic[]>();
for (const [topic, stems] of Object.entries(STEMS) as [Topic, readonly string[]][]) {
  for (const stem of stems) {
    const [map, key] = stem.endsWith('$') ? [WORD_TOPICS, stem.slice(0, -1)] : [STEM_TOPICS, stem];
    map.set(key, [...(map.get(key) ?? []), topic]);
  }
}
const MAX_STEM = Math.max(...[...STEM_TOPICS.keys()].map((s) => s.length));
const MIN_STEM = Math.min(...[...STEM_TOPICS.keys()].map((s) => s.length));
const WORD = /[\p{L}\p{M}]+/gu;

/** The topics the customer's words touch (empty when none is heard). */
export function policyTopics(text: string): Set<Topic> {
  const topics = new Set<Topic>();
  for (const [word] of normalizeBounded(text, 'NFKC').toLowerCase().matchAll(WORD)) {
    for (const topic of WORD_TOPICS.get(word) ?? []) topics.add(topic);
    for (let len = Math.min(word.length, MAX_STEM); len >= MIN_STEM; len--) {
      for (const topic of STEM_TOPICS.get(word.slice(0, len)) ?? []) topics.add(topic);
    }
  }
  return topics;
}

/** The policies set by the merchant that matter for `customerText` (all that are set, when unsure). */
export function policiesFor(customerText: string, policies: StorePolicies): PromptPolicies {
  const topics = policyTopics(customerText);
  const wanted = new Set<PolicyText>(
    topics.size
      ? [...topics].flatMap((t) => TEXTS_FOR[t])
      : ['returns', 'shipping', 'orderChanges', 'damagedItems', 'faq'],
  );
  const out: PromptPolicies = {};
  if (policies.returnWindowDays !== null) out.returnWindowDays = policies.returnWindowDays;
  for (const key of ['returns', 'shipping', 'orderChanges', 'damagedItems', 'faq'] as const) {
    const value = policies[key];
    if (wanted.has(key) && value !== null && value.trim() !== '') out[key] = value;
  }
  return out;
}
