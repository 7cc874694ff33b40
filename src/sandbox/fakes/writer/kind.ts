import { DRAFT_KINDS, type DraftKind } from '../../../drafting/kinds';
import { words } from './language';

/**
 * What the customer asks about, from keyword cues in en, fr, de, es, it and nl, and whether the
 * mail is a pure "thank you" that needs no reply. Cues are word prefixes, whole words and short
 * phrases over the word list: one pass over the words per cue list, linear in the message.
 */
export { DRAFT_KINDS, type DraftKind };

interface Cues {
  prefixes: readonly string[];
  words?: readonly string[];
  /** Word sequences, space-joined ("do you ship"). */
  phrases?: readonly string[];
}

const CUES = {
  damaged: {
    prefixes: [
      'damag', 'broke', 'broken', 'crack', 'shatter', 'smash', 'défectu', 'endommag', 'abîm', 'cassé', 'fissur', 'ébréch',
      'beschädig', 'kaputt', 'sprung', 'gesprung', 'zerbroch', 'gebroch', 'defekt', 'gesprung', 'dañad', 'estropead', 'agrietad', 'dannegg',
      'incrinat', 'scheggiat', 'beschadig', 'kapot', 'gebarsten', 'gescheurd',
    ],
    words: ['stuk', 'roto', 'rota', 'rotos', 'rotas', 'rotto', 'rotta', 'rotti', 'rotte', 'cassée', 'cassés', 'cassées'],
    phrases: ['wrong item', 'wrong colour', 'wrong color', 'mauvais article', 'falschen artikel', 'falsche artikel', 'artículo equivocado', 'articolo sbagliato', 'verkeerde artikel'],
  },
  cancellation: {
    prefixes: ['cancel', 'annul', 'stornier', 'storno', 'abbestell', 'cancelar', 'cancela', 'anular', 'anula', 'cancellar', 'cancella', 'annuleer', 'annuler'],
  },
  address: {
    prefixes: ['address', 'adresse', 'anschrift', 'lieferadress', 'dirección', 'direccion', 'domicilio', 'indirizz', 'adres', 'afleveradres', 'bezorgadres'],
  },
  change: {
    prefixes: [
      'chang', 'modif', 'updat', 'wrong', 'incorrect', 'correct', 'new', 'nouvel', 'tromp', 'änder', 'aender', 'falsch', 'neue', 'cambi',
      'nuev', 'equivoc', 'erróne', 'errone', 'sbagliat', 'nuov', 'wijzig', 'verander', 'aanpass', 'nieuw', 'fout',
      'mistak', 'instead', 'another', 'autre', 'andere', 'otra', 'otro', 'altro', 'altra', 'ander',
    ],
  },
  returns: {
    prefixes: [
      'return', 'refund', 'exchang', 'retour', 'rembours', 'renvoy', 'échang', 'rücksend', 'zurücksend', 'zurückschick', 'zurückgeb', 'erstatt',
      'rückerstatt', 'umtausch', 'rückgabe', 'devolver', 'devoluc', 'devolv', 'reembols', 'restitu', 'rimbors', 'terugstur', 'terugbetal', 'ruil',
    ],
    words: ['reso', 'rendere'],
  },
  presales: {
    prefixes: [
      'stock', 'availab', 'dishwasher', 'microwave', 'disponib', 'lave', 'verfügbar', 'lieferbar', 'vorrätig', 'spülmaschin', 'geschirrspül',
      'existencia', 'lavavajilla', 'lavastovigli', 'magazzin', 'voorraad', 'leverbaar', 'vaatwasser', 'magnetron',
    ],
    phrases: [
      'do you ship', 'do you deliver', 'ship to', 'before i order', 'before ordering', 'livrez vous', 'expédiez vous', 'livrer en', 'avant de commander',
      'liefern sie', 'versenden sie', 'bevor ich bestelle', 'envían a', 'enviáis a', 'hacen envíos', 'antes de hacer', 'antes de pedir',
      'spedite in', 'spedite anche', 'consegnate in', 'prima di ordinare', 'verzenden jullie', 'leveren jullie', 'voordat ik bestel',
    ],
  },
  order_status: {
    prefixes: [
      'where', 'track', 'ship', 'deliver', 'arriv', 'parcel', 'package', 'status', 'colis', 'livr', 'suivi', 'expédi', 'paket',
      'liefer', 'sendung', 'versand', 'versend', 'erhalten', 'angekommen', 'paquete', 'envío', 'envio', 'enviad', 'entreg',
      'seguimiento', 'llegad', 'recibid', 'pacco', 'spedi', 'consegn', 'tracciament', 'arrivat', 'ricevut', 'pakket', 'pakje',
      'verzend', 'verzonden', 'bezorg', 'lever', 'ontvangen', 'reçu', 'news', 'nouvelle', 'neuigkeit', 'neues', 'novedad', 'novità',
      'nieuws',
    ],
    phrases: ['any update', 'still nothing', 'toujours rien', 'immer noch nicht', 'todavía nada', 'ancora niente', 'nog steeds niets'],
    words: ['où', 'wo', 'dónde', 'donde', 'dove', 'dov', 'waar'],
  },
} satisfies Record<string, Cues>;

function hasCue(ws: readonly string[], joined: string, cues: Cues): boolean {
  if (cues.phrases?.some((p) => joined.includes(` ${p} `))) return true;
  return ws.some((w) => cues.words?.includes(w) || cues.prefixes.some((p) => w.startsWith(p)));
}

/**
 * The kind of a customer's message. First match wins, most specific first: damaged (a broken item
 * is often also a return), cancellation, address change (an address word and a change word),
 * returns, pre-sales (a question before ordering wins over "ship"), order status; else "other".
 */
export function classifyKind(message: string): DraftKind {
  const ws = words(message);
  const joined = ` ${ws.join(' ')} `;
  if (hasCue(ws, joined, CUES.damaged)) return 'damaged';
  if (hasCue(ws, joined, CUES.cancellation)) return 'cancellation';
  if (hasCue(ws, joined, CUES.address) && hasCue(ws, joined, CUES.change)) return 'address_change';
  if (hasCue(ws, joined, CUES.returns)) return 'returns';
  if (hasCue(ws, joined, CUES.presales)) return 'presales';
  if (hasCue(ws, joined, CUES.order_status)) return 'order_status';
  return 'other';
}


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
