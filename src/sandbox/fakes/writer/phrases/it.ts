import type { Phrases } from './types';

/** Italian. */
export const IT: Phrases = {
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
  notFound:
    'Non abbiamo trovato alcun ordine corrispondente al suo messaggio. Potrebbe controllare il numero d’ordine e inviarcelo?',
  emailMismatch:
    "Per proteggere la sua privacy, possiamo condividere i dettagli di un ordine solo con l'indirizzo email usato per effettuarlo. Potrebbe scriverci da quell'indirizzo, oppure inviarci il numero d'ordine insieme al nome indicato sull'ordine?",
  orderAndName: "Potrebbe inviarci il numero dell'ordine e il nome indicato sull'ordine, così possiamo verificare?",
  invitation: {
    friendly: 'Scrivici pure se possiamo aiutarti ancora!',
    formal: 'Restiamo a disposizione per qualsiasi altra domanda.',
    concise: null,
  },
  shipment: {
    label_created: "È stata creata l'etichetta di spedizione; il pacco non è ancora presso il corriere.",
    in_transit: 'Il pacco è in transito.',
    out_for_delivery: 'Il pacco è in consegna oggi.',
    attempted_delivery: 'Il corriere ha tentato di consegnarlo, senza successo.',
    failed_delivery: 'Il corriere non è riuscito a consegnarlo.',
  },
  deliveredOn: (d) => `È stato consegnato il ${d}.`,
  expectedOn: (d) => `Il corriere prevede di consegnarlo il ${d}.`,
  stalled: 'Ci dispiace: il pacco non si muove da un po’ di tempo. Verifichiamo volentieri con il corriere per lei.',
  newestOf: (n) => `Il suo ordine più recente è il n. ${n}.`,
  whichOrder: 'Se il suo messaggio riguarda un altro ordine, potrebbe indicarci il numero?',
  unmatched:
    "Non siamo riusciti ad associare uno dei numeri d'ordine del suo messaggio al suo indirizzo email: potrebbe verificarlo?",
  returnWindow: (days) => `Può restituire gli articoli entro ${days} giorni.`,
  lastReturnDay: (n, d) => `Per l'ordine n. ${n}, l'ultimo giorno per un reso è il ${d}.`,
  returnWindowEnded: (n, d) => `Per l'ordine n. ${n}, il periodo di reso è terminato il ${d}.`,
  policy: {
    returns: 'La nostra politica di reso',
    damagedItems: 'Per articoli danneggiati o sbagliati',
    orderChanges: 'Per modifiche a un ordine',
    shipping: 'Sulle spedizioni',
    faq: 'Dalle nostre FAQ',
  },
  quote: (label, text) => `${label}: ${text}`,
  confirm: {
    returns: 'Il nostro team le confermerà a breve i dettagli di un reso.',
    damaged: 'Il nostro team verificherà e le confermerà a breve i prossimi passi.',
    orderChanges: 'Il nostro team glielo confermerà a breve.',
    presales: 'Il nostro team risponderà a breve alla sua domanda.',
  },
  damagedSorry: (n) =>
    n
      ? `Ci dispiace molto che un articolo dell'ordine n. ${n} sia danneggiato.`
      : 'Ci dispiace molto che un articolo sia danneggiato.',
  addressChange: {
    possible: (n) => `L'indirizzo dell'ordine n. ${n} può ancora essere modificato.`,
    notPossible: (n) => `L'indirizzo dell'ordine n. ${n} non può più essere modificato.`,
  },
  cancellation: {
    possible: (n) => `L'annullamento dell'ordine n. ${n} è ancora possibile.`,
    notPossible: (n) => `L'annullamento dell'ordine n. ${n} non è più possibile.`,
  },
};
