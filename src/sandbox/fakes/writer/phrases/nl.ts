import type { Phrases } from './types';

/** Dutch. */
export const NL: Phrases = {
  greeting: (tone, first, full) =>
    tone === 'formal'
      ? full
        ? `Beste ${full},`
        : 'Geachte klant,'
      : tone === 'concise'
        ? `Hallo${first ? ` ${first}` : ''},`
        : `Hoi${first ? ` ${first}` : ''},`,
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
  notFound:
    'We konden geen bestelling vinden die bij uw bericht past. Kunt u uw bestelnummer controleren en naar ons sturen?',
  emailMismatch:
    'Om uw privacy te beschermen, kunnen we bestelgegevens alleen delen met het e-mailadres waarmee de bestelling is geplaatst. Kunt u ons vanaf dat adres schrijven, of ons het bestelnummer samen met de naam op de bestelling sturen?',
  orderAndName: 'Kunt u ons uw bestelnummer en de naam op de bestelling sturen, zodat we het kunnen nakijken?',
  invitation: {
    friendly: 'Laat het ons weten als we nog ergens mee kunnen helpen!',
    formal: 'Voor verdere vragen staan wij graag tot uw beschikking.',
    concise: null,
  },
  shipment: {
    label_created: 'Er is een verzendlabel aangemaakt; het pakket is nog niet bij de vervoerder.',
    in_transit: 'Het pakket is onderweg.',
    out_for_delivery: 'Het pakket wordt vandaag bezorgd.',
    attempted_delivery: 'De vervoerder heeft geprobeerd het te bezorgen, helaas zonder succes.',
    failed_delivery: 'De vervoerder kon het niet bezorgen.',
  },
  deliveredOn: (d) => `Deze is op ${d} bezorgd.`,
  expectedOn: (d) => `De vervoerder verwacht het op ${d} te bezorgen.`,
  stalled:
    'Het spijt ons: het pakket heeft al een tijd geen beweging gehad. We zoeken het graag voor u uit bij de vervoerder.',
  newestOf: (n) => `Uw meest recente bestelling is nr. ${n}.`,
  whichOrder: 'Gaat uw bericht over een andere bestelling? Kunt u ons dan het nummer laten weten?',
  unmatched:
    'Een van de bestelnummers in uw bericht konden we niet aan uw e-mailadres koppelen: kunt u het controleren?',
  returnWindow: (days) => `U kunt artikelen binnen ${days} dagen retourneren.`,
  lastReturnDay: (n, d) => `Voor bestelling nr. ${n} is de laatste dag om te retourneren ${d}.`,
  returnWindowEnded: (n, d) => `Voor bestelling nr. ${n} is de retourtermijn op ${d} afgelopen.`,
  policy: {
    returns: 'Ons retourbeleid',
    damagedItems: 'Bij beschadigde of verkeerde artikelen',
    orderChanges: 'Voor wijzigingen in een bestelling',
    shipping: 'Over verzending',
    faq: 'Uit onze FAQ',
  },
  quote: (label, text) => `${label}: ${text}`,
  confirm: {
    returns: 'Ons team bevestigt u binnenkort de details van een retour.',
    damaged: 'Ons team bekijkt dit en bevestigt u binnenkort de volgende stappen.',
    orderChanges: 'Ons team bevestigt het u binnenkort.',
    presales: 'Ons team beantwoordt uw vraag binnenkort.',
  },
  damagedSorry: (n) =>
    n
      ? `Het spijt ons zeer dat een artikel uit bestelling nr. ${n} beschadigd is.`
      : 'Het spijt ons zeer dat een artikel beschadigd is.',
  addressChange: {
    possible: (n) => `Het adres van bestelling nr. ${n} kan nog worden gewijzigd.`,
    notPossible: (n) => `Het adres van bestelling nr. ${n} kan niet meer worden gewijzigd.`,
  },
  cancellation: {
    possible: (n) => `Annuleren van bestelling nr. ${n} is nog mogelijk.`,
    notPossible: (n) => `Annuleren van bestelling nr. ${n} is niet meer mogelijk.`,
  },
};
