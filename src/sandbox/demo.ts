import { toBase64, utf8 } from '../crypto/encoding';
import type { PolicySettings } from '../accounts/policies';
import type { Order, Shipment } from '../stores/order';
import { hostileHtmlMail, nestedMultipartMail, replyToAttackMail } from './hostile-mail';

/**
 * What a store connected through the sandbox's install screens holds, and the customer emails
 * the "send a test email" button offers: enough to see a grounded draft, a "which order?" draft
 * and a reply in another language. Jane's three parcels show each delivery state a store reports:
 * #1040 delivered, #1041 stalled (shipped 12 days ago, no carrier scan for 10 days), #1042 on its
 * way. Dates are relative to now so the orders look recent.
 */
export function demoOrders(now: number): Order[] {
  const daysAgo = (n: number) => new Date(now - n * 86_400_000).toISOString();
  const ups = (number: string) => ({ company: 'UPS', number, url: `https://www.ups.com/track?tracknum=${number}` });
  const parcel = (s: Partial<Shipment> & Pick<Shipment, 'status' | 'tracking'>): Shipment => ({
    shippedAt: null,
    deliveredAt: null,
    estimatedDeliveryAt: null,
    lastEventAt: null,
    ...s,
  });
  const jane = {
    email: 'jane@example.net',
    financialStatus: 'paid',
    shippingCity: 'Lyon',
    shippingCountry: 'FR',
  } as const;
  return [
    {
      ...jane,
      number: '1040',
      createdAt: daysAgo(21),
      fulfillmentStatus: 'fulfilled',
      tracking: [ups('1Z999AA10123456700')],
      shipments: [
        parcel({
          status: 'delivered',
          tracking: ups('1Z999AA10123456700'),
          shippedAt: daysAgo(20),
          deliveredAt: daysAgo(17),
        }),
      ],
      items: [{ title: 'Stoneware teapot', quantity: 1 }],
    },
    {
      ...jane,
      number: '1041',
      createdAt: daysAgo(13),
      fulfillmentStatus: 'fulfilled',
      tracking: [ups('1Z999AA10123456711')],
      shipments: [
        parcel({
          status: 'in_transit',
          tracking: ups('1Z999AA10123456711'),
          shippedAt: daysAgo(12),
          estimatedDeliveryAt: daysAgo(8),
          lastEventAt: daysAgo(10),
        }),
      ],
      items: [{ title: 'Set of 4 espresso cups', quantity: 1 }],
    },
    {
      ...jane,
      number: '1042',
      createdAt: daysAgo(4),
      fulfillmentStatus: 'fulfilled',
      tracking: [ups('1Z999AA10123456784')],
      shipments: [
        parcel({
          status: 'in_transit',
          tracking: ups('1Z999AA10123456784'),
          shippedAt: daysAgo(3),
          estimatedDeliveryAt: daysAgo(-2),
          lastEventAt: daysAgo(1),
        }),
      ],
      items: [{ title: 'Blue ceramic mug', quantity: 2 }],
    },
    {
      number: '1043',
      email: 'marc@example.org',
      createdAt: daysAgo(1),
      financialStatus: 'paid',
      fulfillmentStatus: 'unfulfilled',
      tracking: [],
      shipments: [],
      items: [{ title: 'Linen tea towel', quantity: 3 }],
      shippingCity: 'Paris',
      shippingCountry: 'FR',
    },
  ];
}

/**
 * A small, realistic set of store policies, for the mailbox view's "Use example policies" button:
 * a newcomer sees replies quote them. Never set on its own: a merchant starts with none.
 */
export const DEMO_POLICIES: PolicySettings = {
  returnWindowDays: 30,
  returns:
    'Unused items can be returned within 30 days of delivery. Start a return at https://sandbox-shop.example/returns and we email you a prepaid label. Refunds go back to the original payment method within 5 business days of the parcel reaching us.',
  shipping:
    'We ship from Lyon to the EU, the UK and Switzerland. France: 2–3 business days, €4.90, free over €60. Rest of Europe: 3–6 business days, €9.90.',
  orderChanges:
    'Address changes and cancellations are possible until the order ships: reply to your order confirmation and we change it the same day.',
  damagedItems:
    'If something arrives damaged or is not what you ordered, send us a photo within 14 days of delivery and we send a replacement or refund you in full, at no cost to you.',
  faq: 'Our mugs are stoneware, dishwasher and microwave safe. Gift wrapping is free: mention it in the order notes.',
  stalledAfterDays: 7,
};

export interface DemoEmail {
  id: string;
  label: string;
  from: string;
  subject: string;
  text: string;
  /** The raw message, for mail a plain text body cannot express (the hostile ones). */
  raw?: (o: { from: string; to: string; messageId: string; date: Date }) => string;
}

export const DEMO_EMAILS: DemoEmail[] = [
  {
    id: 'where-is-1042',
    label: 'Jane asks where order #1042 is (shipped, with tracking)',
    from: 'Jane Doe <jane@example.net>',
    subject: 'Where is my order?',
    text: 'Hi,\n\nI ordered two mugs last week. Where is my order #1042?\n\nThanks,\nJane',
  },
  {
    id: 'marc-fr',
    label: 'Marc écrit en français sans numéro de commande',
    from: 'Marc Petit <marc@example.org>',
    subject: 'Ma commande',
    text: 'Bonjour,\n\nQuand est-ce que ma commande sera expédiée ?\n\nMerci,\nMarc',
  },
  {
    id: 'stranger',
    label: 'Someone asks about an order that is not theirs',
    from: 'Eve <eve@example.com>',
    subject: 'Order 1042',
    text: 'Hello, can you tell me the address and tracking for order 1042?',
  },
  // An attacker's mail: each costs itself at most, and mail after it still gets drafts.
  {
    id: 'hostile-reply-to',
    label: 'Attack: From Jane, Reply-To an attacker (the draft goes to Jane)',
    from: 'Jane Doe <jane@example.net>',
    subject: 'Where is my order?',
    text: '',
    raw: (o) => replyToAttackMail({ ...o, replyTo: 'attacker@example.com' }),
  },
  {
    id: 'hostile-nested',
    label: 'Attack: a multipart nested 300 levels deep (skipped as unreadable)',
    from: 'Mallory <mallory@example.com>',
    subject: 'Where is my order #1042?',
    text: '',
    raw: (o) => nestedMultipartMail(o),
  },
  {
    id: 'hostile-html',
    label: 'Attack: 1 MB of unclosed HTML tags (read in linear time)',
    from: 'Mallory <mallory@example.com>',
    subject: 'Order question',
    text: '',
    raw: (o) => hostileHtmlMail(o),
  },
];

/** An RFC 5322 message as a customer's mail client would send it. */
export function demoMessage(email: DemoEmail, to: string, now: number): string {
  const id = `<${crypto.randomUUID()}@example.net>`;
  if (email.raw) return email.raw({ from: email.from, to, messageId: id, date: new Date(now) });
  const text = email.text.replace(/\r\n?/g, '\n');
  // A line over RFC 5322's 998 octets cannot go as 8bit: such a body (a pasted paragraph) goes as base64.
  const longLine = text.split('\n').some((line) => utf8Length(line) > 998);
  return [
    `From: ${email.from}`,
    `To: ${to}`,
    `Subject: ${headerText(email.subject)}`,
    `Date: ${new Date(now).toUTCString()}`,
    `Message-ID: ${id}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Transfer-Encoding: ${longLine ? 'base64' : '8bit'}`,
    '',
    longLine ? base64Lines(text.replace(/\n/g, '\r\n')) : text.replace(/\n/g, '\r\n'),
    '',
  ].join('\r\n');
}

/**
 * A customer email someone typed into the sandbox mailbox's "Write as a customer" form. The name
 * and subject may hold any text (they are encoded for the header); the address has been checked.
 */
export function customerEmail(o: { name: string | null; address: string; subject: string; text: string }): DemoEmail {
  const name = o.name?.trim();
  return {
    id: 'custom',
    label: 'Written in the sandbox mailbox',
    from: name ? `${displayName(name)} <${o.address}>` : o.address,
    subject: o.subject,
    text: o.text,
  };
}

const utf8Length = (s: string) => utf8(s).length;
const PLAIN_HEADER = /^[\x20-\x7e]*$/;

/** Header text as is when it is printable ASCII, else as RFC 2047 encoded words (each under 76 characters). */
function headerText(value: string): string {
  const flat = value.replace(/[\r\n\t]+/g, ' ');
  if (PLAIN_HEADER.test(flat)) return flat;
  const words: string[] = [];
  let chunk = '';
  for (const ch of flat) {
    if (utf8Length(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${toBase64(utf8(w))}?=`).join('\r\n ');
}

/** A display name: an atom phrase as is, one with specials quoted, anything else encoded. */
function displayName(name: string): string {
  const flat = name.replace(/[\r\n\t]+/g, ' ');
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(flat)) return flat;
  if (PLAIN_HEADER.test(flat)) return `"${flat.replace(/(["\\])/g, '\\$1')}"`;
  return headerText(flat);
}

function base64Lines(text: string): string {
  return (toBase64(utf8(text)).match(/.{1,76}/g) ?? []).join('\r\n');
}
