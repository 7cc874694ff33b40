import type { Phrases } from './types';

/** French. */
export const FR: Phrases = {
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
  notFound:
    "Nous n'avons pas trouvé de commande correspondant à votre message. Pourriez-vous vérifier votre numéro de commande et nous l'envoyer ?",
  emailMismatch:
    "Pour protéger vos données, nous ne pouvons communiquer les détails d'une commande qu'à l'adresse e-mail utilisée lors de l'achat. Pourriez-vous nous écrire depuis cette adresse, ou nous envoyer le numéro de commande avec le nom indiqué sur la commande ?",
  orderAndName:
    'Pourriez-vous nous envoyer votre numéro de commande et le nom indiqué sur la commande, afin que nous puissions vérifier ?',
  invitation: {
    friendly: "N'hésitez pas si vous avez d'autres questions !",
    formal: 'Nous restons à votre disposition pour toute autre question.',
    concise: null,
  },
  shipment: {
    label_created: "Une étiquette d'expédition a été créée ; le colis n'est pas encore chez le transporteur.",
    in_transit: 'Le colis est en transit.',
    out_for_delivery: "Le colis est en cours de livraison aujourd'hui.",
    attempted_delivery: 'Le transporteur a tenté de la livrer, sans succès.',
    failed_delivery: "Le transporteur n'a pas pu la livrer.",
  },
  deliveredOn: (d) => `Elle a été livrée le ${d}.`,
  expectedOn: (d) => `Le transporteur prévoit de la livrer le ${d}.`,
  stalled:
    "Nous sommes désolés : le colis n'a plus bougé depuis un moment. Nous nous renseignons volontiers auprès du transporteur pour vous.",
  newestOf: (n) => `Votre commande la plus récente est la n°${n}.`,
  whichOrder: 'Si votre message concerne une autre commande, pourriez-vous nous indiquer son numéro ?',
  unmatched:
    "Nous n'avons pas pu rattacher l'un des numéros de commande de votre message à votre adresse e-mail : pourriez-vous le vérifier ?",
  returnWindow: (days) => `Vous pouvez retourner un article dans un délai de ${days} jours.`,
  lastReturnDay: (n, d) => `Pour la commande n°${n}, le dernier jour pour un retour est le ${d}.`,
  returnWindowEnded: (n, d) => `Pour la commande n°${n}, le délai de retour a pris fin le ${d}.`,
  policy: {
    returns: 'Notre politique de retour',
    damagedItems: 'Pour un article abîmé ou erroné',
    orderChanges: 'Pour modifier une commande',
    shipping: 'Concernant la livraison',
    faq: 'Extrait de notre FAQ',
  },
  quote: (label, text) => `${label} : ${text}`,
  confirm: {
    returns: "Notre équipe vous confirmera rapidement les modalités d'un retour.",
    damaged: 'Notre équipe examine la situation et vous confirmera rapidement la marche à suivre.',
    orderChanges: 'Notre équipe vous le confirmera rapidement.',
    presales: 'Notre équipe répondra rapidement à votre question.',
  },
  damagedSorry: (n) =>
    n
      ? `Nous sommes vraiment désolés qu'un article de la commande n°${n} soit abîmé.`
      : "Nous sommes vraiment désolés qu'un article soit abîmé.",
  addressChange: {
    possible: (n) => `L'adresse de la commande n°${n} peut encore être modifiée.`,
    notPossible: (n) => `L'adresse de la commande n°${n} ne peut plus être modifiée.`,
  },
  cancellation: {
    possible: (n) => `L'annulation de la commande n°${n} est encore possible.`,
    notPossible: (n) => `L'annulation de la commande n°${n} n'est plus possible.`,
  },
};
