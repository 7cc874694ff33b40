import type { Order } from '../stores/order';
import { hostileHtmlMail, nestedMultipartMail, replyToAttackMail } from './hostile-mail';

/**
 * What a store connected through the sandbox's install screens holds, and the customer emails
 * the "send a test email" button offers: enough to see a grounded draft, a "which order?" draft
 * and a reply in another language. Dates are relative to now so the orders look recent.
 */
export function demoOrders(now: number): Order[] {
  const daysAgo = (n: number) => new Date(now - n * 86_400_000).toISOString();
  return [
    {
      number: '1042',
      email: 'jane@example.net',
      createdAt: daysAgo(4),
      financialStatus: 'paid',
      fulfillmentStatus: 'fulfilled',
      tracking: [{ company: 'UPS', number: '1Z999AA10123456784', url: 'https://www.ups.com/track?tracknum=1Z999AA10123456784' }],
      items: [{ title: 'Blue ceramic mug', quantity: 2 }],
      shippingCity: 'Lyon',
      shippingCountry: 'FR',
    },
    {
      number: '1043',
      email: 'marc@example.org',
      createdAt: daysAgo(1),
      financialStatus: 'paid',
      fulfillmentStatus: 'unfulfilled',
      tracking: [],
      items: [{ title: 'Linen tea towel', quantity: 3 }],
      shippingCity: 'Paris',
      shippingCountry: 'FR',
    },
  ];
}

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
    text: "Bonjour,\n\nQuand est-ce que ma commande sera expédiée ?\n\nMerci,\nMarc",
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
  return [
    `From: ${email.from}`,
    `To: ${to}`,
    `Subject: ${email.subject}`,
    `Date: ${new Date(now).toUTCString()}`,
    `Message-ID: ${id}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    email.text.replace(/\n/g, '\r\n'),
    '',
  ].join('\r\n');
}
