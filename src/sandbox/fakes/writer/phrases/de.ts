import type { Phrases } from './types';

/** German. */
export const DE: Phrases = {
  greeting: (tone, first, full) =>
    tone === 'formal'
      ? full
        ? `Guten Tag ${full},`
        : 'Sehr geehrte Damen und Herren,'
      : `Hallo${first ? ` ${first}` : ''},`,
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
  notFound:
    'Wir konnten keine Bestellung zu Ihrer Nachricht finden. Könnten Sie Ihre Bestellnummer prüfen und uns senden?',
  emailMismatch:
    'Zum Schutz Ihrer Daten können wir Bestelldetails nur an die E-Mail-Adresse senden, mit der bestellt wurde. Könnten Sie uns von dieser Adresse schreiben oder uns die Bestellnummer zusammen mit dem Namen auf der Bestellung senden?',
  orderAndName:
    'Könnten Sie uns Ihre Bestellnummer und den Namen auf der Bestellung senden, damit wir nachsehen können?',
  invitation: {
    friendly: 'Melde dich gern, wenn wir noch helfen können!',
    formal: 'Bei weiteren Fragen stehen wir Ihnen gerne zur Verfügung.',
    concise: null,
  },
  shipment: {
    label_created: 'Ein Versandetikett wurde erstellt; das Paket ist noch nicht beim Zusteller.',
    in_transit: 'Das Paket ist unterwegs.',
    out_for_delivery: 'Das Paket ist heute in der Zustellung.',
    attempted_delivery: 'Der Zusteller hat einen Zustellversuch unternommen, leider ohne Erfolg.',
    failed_delivery: 'Der Zusteller konnte das Paket nicht zustellen.',
  },
  deliveredOn: (d) => `Sie wurde am ${d} zugestellt.`,
  expectedOn: (d) => `Der Zusteller erwartet die Zustellung am ${d}.`,
  stalled:
    'Das tut uns leid: Das Paket hat sich seit einiger Zeit nicht bewegt. Wir fragen gern beim Zusteller für Sie nach.',
  newestOf: (n) => `Ihre neueste Bestellung ist Nr. ${n}.`,
  whichOrder: 'Falls es um eine andere Bestellung geht, könnten Sie uns deren Nummer nennen?',
  unmatched:
    'Eine der Bestellnummern in Ihrer Nachricht konnten wir Ihrer E-Mail-Adresse nicht zuordnen: Könnten Sie sie prüfen?',
  returnWindow: (days) => `Sie können Artikel innerhalb von ${days} Tagen zurückgeben.`,
  lastReturnDay: (n, d) => `Für die Bestellung Nr. ${n} ist der letzte Tag für eine Rückgabe der ${d}.`,
  returnWindowEnded: (n, d) => `Für die Bestellung Nr. ${n} endete die Rückgabefrist am ${d}.`,
  policy: {
    returns: 'Unsere Rückgaberegeln',
    damagedItems: 'Bei beschädigten oder falschen Artikeln',
    orderChanges: 'Für Änderungen an einer Bestellung',
    shipping: 'Zum Versand',
    faq: 'Aus unseren FAQ',
  },
  quote: (label, text) => `${label}: ${text}`,
  confirm: {
    returns: 'Unser Team bestätigt Ihnen die Einzelheiten einer Rückgabe in Kürze.',
    damaged: 'Unser Team sieht sich das an und bestätigt Ihnen die nächsten Schritte in Kürze.',
    orderChanges: 'Unser Team bestätigt es Ihnen in Kürze.',
    presales: 'Unser Team beantwortet Ihre Frage in Kürze.',
  },
  damagedSorry: (n) =>
    n
      ? `Es tut uns sehr leid, dass ein Artikel aus der Bestellung Nr. ${n} beschädigt ist.`
      : 'Es tut uns sehr leid, dass ein Artikel beschädigt ist.',
  addressChange: {
    possible: (n) => `Die Adresse der Bestellung Nr. ${n} kann noch geändert werden.`,
    notPossible: (n) => `Die Adresse der Bestellung Nr. ${n} kann nicht mehr geändert werden.`,
  },
  cancellation: {
    possible: (n) => `Eine Stornierung der Bestellung Nr. ${n} ist noch möglich.`,
    notPossible: (n) => `Eine Stornierung der Bestellung Nr. ${n} ist nicht mehr möglich.`,
  },
};
