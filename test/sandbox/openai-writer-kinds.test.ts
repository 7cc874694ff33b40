import { describe, expect, it } from 'vitest';
import type { PromptData, PromptOrder, PromptPolicies } from '../../src/drafting/prompt-data';
import {
  classifyKind,
  SUPPORTED_LANGUAGES,
  writeReply,
  type DraftKind,
  type SupportedLanguage,
} from '../../src/sandbox/fakes/openai-writer';
import { PHRASES } from '../../src/sandbox/fakes/writer/phrases';

/**
 * The fake model answers each kind of question in each language from the PromptData document it
 * is given: the policy quoted when one is set, nothing promised when none is, and no figure that
 * is not in the document.
 */
const POLICIES: PromptPolicies = {
  returnWindowDays: 45,
  returns:
    'Send items back unused within 45 days via https://shop.example/returns; return shipping is free and refunds take 5 working days.',
  shipping:
    'We ship to the EU, the UK and Canada; delivery takes 3-5 working days, free from 60 EUR (details: https://shop.example/shipping).',
  orderChanges:
    'Address changes and cancellations are possible until the order is packed: reply to your confirmation email.',
  damagedItems:
    'Send us a photo within 14 days of delivery and we replace the item at no cost: https://shop.example/damaged',
  faq: 'All mugs are dishwasher-safe.',
};

function order(overrides: Partial<PromptOrder> = {}, facts: Partial<PromptOrder['facts']> = {}): PromptOrder {
  return {
    number: '1042',
    createdAt: '2026-11-01T10:00:00Z',
    newest: true,
    financialStatus: 'paid',
    fulfillmentStatus: 'fulfilled',
    tracking: [
      { company: 'UPS', number: '1Z999AA10123456784', url: 'https://www.ups.com/track?tracknum=1Z999AA10123456784' },
    ],
    shipments: [
      {
        status: 'delivered',
        trackingNumber: '1Z999AA10123456784',
        shippedAt: '2026-11-02T09:00:00Z',
        deliveredAt: '2026-11-04T15:00:00Z',
        estimatedDeliveryAt: null,
      },
    ],
    items: [{ title: 'Blue mug', quantity: 2 }],
    shippingCity: 'Lyon',
    shippingCountry: 'FR',
    ...overrides,
    facts: {
      daysSinceShipped: 27,
      stalled: false,
      lastReturnDay: '2026-12-19',
      returnWindowOpen: true,
      canChangeAddress: false,
      canCancel: false,
      ...facts,
    },
  };
}

function doc(message: string, overrides: Partial<PromptData> = {}): PromptData {
  return {
    customer: { name: 'Jane Doe', message },
    orderLookup: 'matched',
    orders: [order()],
    unmatchedNumbers: [],
    policies: POLICIES,
    merchant: { shopName: 'Acme', tone: 'friendly', signOffName: 'Sam', fallbackLanguage: 'en' },
    today: '2026-12-01',
    ...overrides,
  };
}

/** One customer question per kind and language, as customers write them. */
const MESSAGES: Record<Exclude<DraftKind, 'other'>, Record<SupportedLanguage, string>> = {
  order_status: {
    en: 'Hi, where is my order #1042? It has not turned up yet.',
    fr: "Bonjour, où en est ma commande n°1042 ? Je n'ai toujours rien reçu.",
    de: 'Hallo, wo ist meine Bestellung 1042? Ich habe noch nichts erhalten.',
    es: 'Hola, ¿dónde está mi pedido 1042? Todavía no lo he recibido.',
    it: 'Ciao, dov’è il mio ordine 1042? Non l’ho ancora ricevuto.',
    nl: 'Hoi, waar is mijn bestelling 1042? Ik heb nog niets ontvangen.',
  },
  returns: {
    en: 'Hello, I would like to return the mugs from order 1042. How does that work?',
    fr: 'Bonjour, je souhaite retourner les tasses de ma commande 1042. Comment faire ?',
    de: 'Hallo, ich möchte die Tassen aus meiner Bestellung 1042 zurücksenden. Wie geht das?',
    es: 'Hola, quiero devolver las tazas de mi pedido 1042. ¿Cómo lo hago?',
    it: 'Buongiorno, vorrei fare il reso delle tazze del mio ordine 1042. Come funziona?',
    nl: 'Hallo, ik wil de mokken van mijn bestelling 1042 terugsturen. Hoe werkt dat?',
  },
  damaged: {
    en: 'Hi, one of the mugs from order 1042 is broken. What can you do?',
    fr: 'Bonjour, une des tasses de la commande 1042 est cassée. Que pouvez-vous faire ?',
    de: 'Hallo, eine der Tassen aus der Bestellung 1042 ist kaputt. Was können Sie tun?',
    es: 'Hola, una de las tazas del pedido 1042 está rota. ¿Qué pueden hacer?',
    it: 'Ciao, una delle tazze dell’ordine 1042 è rotta. Cosa potete fare?',
    nl: 'Hallo, een van de mokken uit bestelling 1042 is kapot. Wat kunnen jullie doen?',
  },
  address_change: {
    en: 'Hi, could you change the delivery address of order 1042 to 5 High Street?',
    fr: "Bonjour, pouvez-vous modifier l'adresse de livraison de la commande 1042 ?",
    de: 'Hallo, können Sie die Lieferadresse der Bestellung 1042 ändern?',
    es: 'Hola, ¿pueden cambiar la dirección de entrega del pedido 1042?',
    it: 'Ciao, potete cambiare l’indirizzo di consegna dell’ordine 1042?',
    nl: 'Hallo, kunnen jullie het adres van bestelling 1042 wijzigen?',
  },
  cancellation: {
    en: 'Hello, please cancel my order 1042, I ordered by mistake.',
    fr: 'Bonjour, je voudrais annuler ma commande 1042, merci.',
    de: 'Hallo, bitte stornieren Sie meine Bestellung 1042.',
    es: 'Hola, quiero cancelar mi pedido 1042, por favor.',
    it: 'Buongiorno, vorrei annullare il mio ordine 1042, grazie.',
    nl: 'Hallo, ik wil mijn bestelling 1042 annuleren, alstublieft.',
  },
  presales: {
    en: 'Hi, do you ship to Canada, and how long does it take?',
    fr: 'Bonjour, livrez-vous au Canada et en combien de temps ?',
    de: 'Hallo, liefern Sie auch nach Kanada, und wie lange dauert das?',
    es: 'Hola, ¿hacen envíos a Canadá y cuánto tardan?',
    it: 'Ciao, spedite anche in Canada? Quanto ci vuole?',
    nl: 'Hallo, verzenden jullie naar Canada en hoe lang duurt dat?',
  },
};

const CASES = (Object.keys(MESSAGES) as (keyof typeof MESSAGES)[]).flatMap((kind) =>
  SUPPORTED_LANGUAGES.map((lang) => ({ kind, lang, message: MESSAGES[kind][lang] })),
);

/** Every run of digits in the reply appears in the document (the fake's own "fact guard"). */
function inventedNumbers(reply: string, document: PromptData): string[] {
  const known = JSON.stringify(document);
  return (reply.match(/\d+/g) ?? []).filter((n) => !known.includes(n));
}

describe('the fake model, per kind and language, from the facts', () => {
  it.each(CASES)('$kind / $lang: recognises the kind and answers in the language', ({ kind, lang, message }) => {
    const reply = writeReply(doc(message));
    expect(classifyKind(message)).toBe(kind);
    expect(reply.kind).toBe(kind);
    expect(reply.language).toBe(lang);
    expect(reply.needsReply).toBe(true);
  });

  it.each(CASES)(
    '$kind / $lang: quotes the policy that applies, and only figures from the document',
    ({ kind, lang, message }) => {
      const d = doc(
        message,
        kind === 'address_change' || kind === 'cancellation'
          ? {
              orders: [
                order(
                  { fulfillmentStatus: 'unfulfilled', tracking: [], shipments: [] },
                  { canChangeAddress: true, canCancel: true, lastReturnDay: null, returnWindowOpen: null },
                ),
              ],
            }
          : {},
      );
      const reply = writeReply(d);
      const p = PHRASES[lang];
      const expected: Record<typeof kind, string[]> = {
        order_status: ['1042', '2026-11-04', '1Z999AA10123456784'],
        returns: ['45', '2026-12-19', POLICIES.returns!],
        damaged: [POLICIES.damagedItems!],
        address_change: [p.addressChange.possible('1042'), POLICIES.orderChanges!],
        cancellation: [p.cancellation.possible('1042'), POLICIES.orderChanges!],
        presales: [POLICIES.shipping!, POLICIES.faq!],
      };
      for (const fragment of expected[kind]) expect(reply.replyText).toContain(fragment);
      for (const fragment of expected[kind])
        if (fragment.length < 200)
          expect(reply.factsUsed.some((f) => fragment.includes(f) || f.includes(fragment))).toBe(true);
      expect(inventedNumbers(reply.replyText, d)).toEqual([]);
      // Read as the fact guard reads links (up to whitespace or a quote): each is a link of the document, nothing glued to it.
      for (const url of reply.replyText.match(/https?:\/\/[^\s<>()"']+/g) ?? [])
        expect(JSON.stringify(d)).toContain(url.replace(/[.,;:!?]+$/, ''));
      if (kind === 'presales') expect(reply.replyText).not.toContain('1042');
    },
  );

  it.each(CASES)(
    '$kind / $lang: with no policy set, no policy figure or link, and the team will confirm',
    ({ kind, lang, message }) => {
      const d = doc(message, { policies: {}, orders: [order({}, { lastReturnDay: null, returnWindowOpen: null })] });
      const reply = writeReply(d);
      expect(inventedNumbers(reply.replyText, d)).toEqual([]);
      expect(reply.replyText).not.toMatch(/shop\.example|\b45\b|\b14\b/);
      const confirm = PHRASES[lang].confirm;
      const expected = {
        returns: confirm.returns,
        damaged: confirm.damaged,
        address_change: confirm.orderChanges,
        cancellation: confirm.orderChanges,
        presales: confirm.presales,
        order_status: null,
      }[kind];
      if (expected) expect(reply.replyText).toContain(expected);
    },
  );
});

describe('the fake model: which order, and where the parcel is', () => {
  const STATUS = MESSAGES.order_status;

  it.each(SUPPORTED_LANGUAGES)('%s: two orders named get both statuses', (lang) => {
    const second = order(
      {
        number: '1043',
        createdAt: '2026-11-20T10:00:00Z',
        fulfillmentStatus: 'unfulfilled',
        tracking: [],
        shipments: [],
      },
      { canCancel: true, canChangeAddress: true },
    );
    const reply = writeReply(doc(STATUS[lang], { orders: [{ ...order(), newest: false }, second] }));
    expect(reply.replyText).toContain('1042');
    expect(reply.replyText).toContain('1043');
    expect(reply.replyText).toContain(PHRASES[lang].status.unfulfilled);
    expect(reply.replyText).toContain(PHRASES[lang].deliveredOn('2026-11-04'));
  });

  it.each(SUPPORTED_LANGUAGES)('%s: several recent orders and no number: the newest, and asks which one', (lang) => {
    const older = order({ number: '1038', createdAt: '2026-10-01T10:00:00Z', newest: false });
    const newest = order({
      number: '1051',
      createdAt: '2026-11-25T10:00:00Z',
      fulfillmentStatus: 'unfulfilled',
      tracking: [],
      shipments: [],
    });
    const reply = writeReply(doc(STATUS[lang], { orderLookup: 'recent', orders: [newest, older] }));
    expect(reply.replyText).toContain('1051');
    expect(reply.replyText).not.toContain('1038');
    expect(reply.replyText).toContain(PHRASES[lang].whichOrder);
  });

  it('several recent orders whose numbers the customer wrote without a keyword: those, and no "which one?"', () => {
    const older = order({ number: '2159', createdAt: '2026-10-01T10:00:00Z', newest: false });
    const middle = order({ number: '2160', createdAt: '2026-10-20T10:00:00Z', newest: false });
    const newest = order({
      number: '2163',
      createdAt: '2026-11-25T10:00:00Z',
      fulfillmentStatus: 'unfulfilled',
      tracking: [],
      shipments: [],
    });
    const message = "J'ai deux commandes chez vous, la 2159 et la 2163. Où est la 2163 ? (réf. 121590)";
    const reply = writeReply(doc(message, { orderLookup: 'recent', orders: [newest, middle, older] }));
    expect(reply.replyText).toContain('2159');
    expect(reply.replyText).toContain('2163');
    expect(reply.replyText).not.toContain('2160');
    expect(reply.replyText).not.toContain(PHRASES.fr.whichOrder);
  });

  it.each(SUPPORTED_LANGUAGES)('%s: a stalled parcel gets an apology and an offer, no reason', (lang) => {
    const stalled = order(
      {
        shipments: [
          {
            status: 'in_transit',
            trackingNumber: '1Z999AA10123456784',
            shippedAt: '2026-11-02T09:00:00Z',
            deliveredAt: null,
            estimatedDeliveryAt: null,
          },
        ],
      },
      { stalled: true, lastReturnDay: null },
    );
    const reply = writeReply(doc(STATUS[lang], { orders: [stalled] }));
    expect(reply.replyText).toContain(PHRASES[lang].stalled);
    expect(reply.replyText).toContain(PHRASES[lang].shipment.in_transit);
    const calm = writeReply(
      doc(STATUS[lang], { orders: [order({ shipments: stalled.shipments }, { lastReturnDay: null })] }),
    );
    expect(calm.replyText).not.toContain(PHRASES[lang].stalled);
  });

  it('a tracking link ends its line, so the next sentence does not run into it', () => {
    const url = 'https://www.ups.com/track?tracknum=1Z1042TRK';
    const stalled = order(
      { tracking: [{ company: 'UPS', number: '1Z1042TRK', url }] },
      { stalled: true, lastReturnDay: null },
    );
    const reply = writeReply(doc(STATUS.en, { orders: [stalled] }));
    expect(reply.replyText).toContain(`${url}\n${PHRASES.en.stalled}`);
  });

  it.each(SUPPORTED_LANGUAGES)('%s: a number not matched is never described, only asked about', (lang) => {
    const reply = writeReply(doc(STATUS[lang], { unmatchedNumbers: ['1077'] }));
    expect(reply.replyText).toContain(PHRASES[lang].unmatched);
    expect(reply.replyText).not.toContain('1077');
  });

  it('an address change after shipping says it is no longer possible', () => {
    const reply = writeReply(doc(MESSAGES.address_change.en));
    expect(reply.replyText).toContain(PHRASES.en.addressChange.notPossible('1042'));
    expect(reply.replyText).not.toContain(PHRASES.en.addressChange.possible('1042'));
  });

  it('two orders with a question each get each answer: the damage for one, the address change for the other', () => {
    const unshipped = order(
      { number: '1043', newest: true, fulfillmentStatus: 'unfulfilled', tracking: [], shipments: [] },
      { canChangeAddress: true, canCancel: true, lastReturnDay: null, daysSinceShipped: null },
    );
    const message =
      'Hi, one of the mugs from order 1042 arrived broken, can I return it? Also please change the address for #1043.';
    const reply = writeReply(doc(message, { orders: [order({ newest: false }), unshipped] }));
    expect(reply.replyText).toContain(PHRASES.en.damagedSorry('1042'));
    expect(reply.replyText).not.toContain(PHRASES.en.damagedSorry('1043'));
    expect(reply.replyText).toContain(PHRASES.en.addressChange.possible('1043'));
    expect(reply.replyText).toContain(POLICIES.damagedItems!);
    expect(reply.replyText).toContain(POLICIES.orderChanges!);
  });

  it('a return past its last day says the period ended', () => {
    const reply = writeReply(
      doc(MESSAGES.returns.en, { orders: [order({}, { lastReturnDay: '2026-11-20', returnWindowOpen: false })] }),
    );
    expect(reply.replyText).toContain(PHRASES.en.returnWindowEnded('1042', '2026-11-20'));
  });

  it('email_mismatch with a return question quotes the policy but nothing of the order', () => {
    const reply = writeReply(doc(MESSAGES.returns.en, { orderLookup: 'email_mismatch', orders: [] }));
    expect(reply.replyText).toContain(POLICIES.returns!);
    expect(reply.replyText).toContain(PHRASES.en.emailMismatch);
    expect(reply.replyText).not.toContain('1042');
  });
});

describe('the fake model: planted lies in policy facts', () => {
  it('plants a return window or last return day the document does not hold, visible in the text', () => {
    const kinds = new Set<string>();
    for (let seed = 0; seed < 60; seed++) {
      const d = doc(MESSAGES.returns.en);
      const reply = writeReply(d, { plantFalseFacts: 1, seed });
      expect(reply.planted).toBeDefined();
      kinds.add(reply.planted!.kind);
      expect(reply.replyText).toContain(reply.planted!.invented);
      if (reply.planted!.kind === 'return_window' || reply.planted!.kind === 'return_day') {
        expect(JSON.stringify(d)).not.toContain(
          `${reply.planted!.invented}`.length > 3
            ? reply.planted!.invented
            : `"returnWindowDays":${reply.planted!.invented}`,
        );
      }
    }
    expect(kinds.has('return_window')).toBe(true);
    expect(kinds.has('return_day')).toBe(true);
  });
});

describe('the fake model reads in linear time', () => {
  const fastest = (run: () => unknown) => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      run();
      best = Math.min(best, performance.now() - start);
    }
    return Math.max(best, 2);
  };
  // Cue-heavy patterns: repeated phrases, one endless word, separators only.
  it.each(['do you ship to ', 'a'.repeat(40), 'kaputt-cancel ', ' . ? '])(
    '10× the input costs at most 25× the time: %j',
    (unit) => {
      const message = (size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
      const run = (size: number) => () => writeReply(doc(message(size)));
      run(100_000)(); // warm-up: JIT, regular expressions
      const small = fastest(run(100_000));
      expect(fastest(run(1_000_000)) / small).toBeLessThan(25);
    },
  );
});

describe('the fake model and delivery estimates', () => {
  const inTransit = (estimatedDeliveryAt: string) => [
    {
      status: 'in_transit' as const,
      trackingNumber: null,
      shippedAt: '2026-11-28T09:00:00Z',
      deliveredAt: null,
      estimatedDeliveryAt,
    },
  ];
  it('gives an estimate still ahead, never one already past or for a stalled parcel', () => {
    const ahead = writeReply(
      doc(MESSAGES.order_status.en, {
        orders: [order({ shipments: inTransit('2026-12-03T18:00:00Z') }, { lastReturnDay: null })],
      }),
    );
    expect(ahead.replyText).toContain(PHRASES.en.expectedOn('2026-12-03'));
    const past = writeReply(
      doc(MESSAGES.order_status.en, {
        orders: [order({ shipments: inTransit('2026-11-29T18:00:00Z') }, { lastReturnDay: null })],
      }),
    );
    expect(past.replyText).not.toContain('2026-11-29');
    const stalled = writeReply(
      doc(MESSAGES.order_status.en, {
        orders: [order({ shipments: inTransit('2026-12-03T18:00:00Z') }, { stalled: true, lastReturnDay: null })],
      }),
    );
    expect(stalled.replyText).not.toContain('2026-12-03');
  });
});
