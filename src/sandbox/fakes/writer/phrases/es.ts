import type { Phrases } from './types';

/** Spanish. */
export const ES: Phrases = {
  greeting: (tone, first, full) =>
    tone === 'formal'
      ? `Estimado/a ${full ?? 'cliente'}:`
      : tone === 'concise'
        ? `Hola${first ? ` ${first}` : ''}:`
        : `¡Hola${first ? ` ${first}` : ''}!`,
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
  notFound:
    'No hemos encontrado ningún pedido que corresponda a su mensaje. ¿Podría comprobar su número de pedido y enviárnoslo?',
  emailMismatch:
    'Para proteger su privacidad, solo podemos compartir los detalles de un pedido con la dirección de correo usada para realizarlo. ¿Podría escribirnos desde esa dirección, o enviarnos el número de pedido junto con el nombre que figura en el pedido?',
  orderAndName: '¿Podría enviarnos su número de pedido y el nombre que figura en el pedido para que podamos revisarlo?',
  invitation: {
    friendly: '¡Quedamos a su disposición para lo que necesite!',
    formal: 'Quedamos a su disposición para cualquier otra consulta.',
    concise: null,
  },
  shipment: {
    label_created: 'Se ha creado la etiqueta de envío; el paquete aún no está con la empresa de transporte.',
    in_transit: 'El paquete está en tránsito.',
    out_for_delivery: 'El paquete está en reparto hoy.',
    attempted_delivery: 'La empresa de transporte intentó entregarlo, sin éxito.',
    failed_delivery: 'La empresa de transporte no pudo entregarlo.',
  },
  deliveredOn: (d) => `Fue entregado el ${d}.`,
  expectedOn: (d) => `La empresa de transporte prevé entregarlo el ${d}.`,
  stalled:
    'Lo sentimos: el paquete no se ha movido desde hace un tiempo. Con gusto lo revisamos con la empresa de transporte.',
  newestOf: (n) => `Su pedido más reciente es el n.º ${n}.`,
  whichOrder: 'Si su mensaje se refiere a otro pedido, ¿podría indicarnos su número?',
  unmatched:
    'No hemos podido asociar uno de los números de pedido de su mensaje a su dirección de correo: ¿podría comprobarlo?',
  returnWindow: (days) => `Puede devolver artículos en un plazo de ${days} días.`,
  lastReturnDay: (n, d) => `Para el pedido n.º ${n}, el último día para una devolución es el ${d}.`,
  returnWindowEnded: (n, d) => `Para el pedido n.º ${n}, el plazo de devolución terminó el ${d}.`,
  policy: {
    returns: 'Nuestra política de devoluciones',
    damagedItems: 'Para artículos dañados o equivocados',
    orderChanges: 'Para cambios en un pedido',
    shipping: 'Sobre los envíos',
    faq: 'De nuestras preguntas frecuentes',
  },
  quote: (label, text) => `${label}: ${text}`,
  confirm: {
    returns: 'Nuestro equipo le confirmará en breve los detalles de una devolución.',
    damaged: 'Nuestro equipo lo revisará y le confirmará en breve los próximos pasos.',
    orderChanges: 'Nuestro equipo se lo confirmará en breve.',
    presales: 'Nuestro equipo responderá a su pregunta en breve.',
  },
  damagedSorry: (n) =>
    n
      ? `Lamentamos mucho que un artículo del pedido n.º ${n} esté dañado.`
      : 'Lamentamos mucho que un artículo esté dañado.',
  addressChange: {
    possible: (n) => `La dirección del pedido n.º ${n} todavía se puede cambiar.`,
    notPossible: (n) => `La dirección del pedido n.º ${n} ya no se puede cambiar.`,
  },
  cancellation: {
    possible: (n) => `La cancelación del pedido n.º ${n} todavía es posible.`,
    notPossible: (n) => `La cancelación del pedido n.º ${n} ya no es posible.`,
  },
};
