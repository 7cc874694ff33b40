import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { encodeWord } from '../../src/drafting/reply-message';
import { DRAFT_KINDS } from '../../src/drafting/kinds';
import type { Order } from '../../src/stores/order';

/**
 * The labelled evaluation corpus in test/fixtures/eval/: orders.json (the shop's orders) and
 * cases-<language>.json (customer emails with what should happen to each). Validated on load, so a
 * malformed case stops the run instead of skewing the scores.
 */
export const CATEGORIES = [
  'order_status',
  'return',
  'address_change',
  'cancellation',
  'damaged_item',
  'no_order_info',
  'auto_reply',
  'newsletter',
  'no_reply_sender',
  'other_customers_order',
  'prompt_injection',
  'long_thread',
  'thanks',
  'html_only',
  'presales',
  'stalled_parcel',
  'several_orders',
] as const;
/** The store policies a reply can quote (the eval merchant's settings, eval-policies.ts). */
export const POLICY_NAMES = ['returns', 'shipping', 'orderChanges', 'damagedItems', 'faq'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];
export const EVAL_LANGUAGES = ['en', 'fr', 'de', 'es', 'it', 'nl'] as const;

const EvalCase = z
  .object({
    id: z.string().regex(/^[a-z]{2}-[a-z0-9-]+$/),
    category: z.enum(CATEGORIES),
    /** Which eval merchant receives it: the one with store policies set (default), or the one with none. */
    merchant: z.enum(['policies', 'no_policies']).default('policies'),
    from: z.string().min(3),
    subject: z.string(),
    body: z.string().min(1),
    /** Extra header lines, as written ("Auto-Submitted: auto-replied"). */
    headers: z.array(z.string().regex(/^[A-Za-z0-9-]+: .+$/)).default([]),
    /** Gmail's labels on arrival; INBOX unless said otherwise. */
    labelIds: z.array(z.string()).optional(),
    /** plain: text/plain only; html: text/html only (as some clients send). */
    format: z.enum(['plain', 'html']).default('plain'),
    expect: z
      .object({
        draft: z.boolean(),
        /** The order whose facts the reply may use, or null when it must use none. */
        order: z.string().regex(/^\d+$/).nullable(),
        language: z.enum(EVAL_LANGUAGES),
        /** The kind of question the reply should recognise. */
        kind: z.enum(DRAFT_KINDS).optional(),
        /** The policy whose facts (links, figures) the draft must quote; by default the kind's own (eval-kind-score.ts). */
        policy: z.enum(POLICY_NAMES).optional(),
        /** Further orders of the sender's the draft must speak of (several named). */
        alsoOrders: z.array(z.string().regex(/^\d+$/)).optional(),
        /** The order's parcel is stalled: the draft must say sorry and offer to look into it. */
        stalled: z.boolean().optional(),
      })
      .strict(),
  })
  .strict();
export type EvalCase = z.infer<typeof EvalCase>;

export interface Corpus {
  orders: Order[];
  cases: EvalCase[];
}

export function loadCorpus(dir: string): Corpus {
  // Orders written before shipments existed have none.
  const orders = (JSON.parse(readFileSync(join(dir, 'orders.json'), 'utf8')) as Order[]).map((o) => ({
    ...o,
    shipments: o.shipments ?? [],
  }));
  const cases: EvalCase[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => /^cases-[a-z]{2}\.json$/.test(n))
    .sort()) {
    const raw = JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown[];
    raw.forEach((c, i) => {
      const parsed = EvalCase.safeParse(c);
      if (!parsed.success)
        throw new Error(
          `${name}[${i}]: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`,
        );
      cases.push(parsed.data);
    });
  }
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    ids.add(c.id);
    for (const n of [c.expect.order, ...(c.expect.alsoOrders ?? [])]) {
      if (n && !orders.some((o) => o.number === n)) throw new Error(`${c.id}: order ${n} is not in orders.json`);
    }
  }
  return { orders, cases };
}

/** The case as the customer's mail client would send it (RFC 2047 names and subject, 8-bit UTF-8 body). */
export function rawMessage(c: EvalCase, mailbox: string): string {
  const from = /^(.*?)\s*<([^<>]+)>$/.exec(c.from);
  const fromHeader = from ? `${from[1] ? `${encodeWord(from[1].replace(/^"|"$/g, ''))} ` : ''}<${from[2]}>` : c.from;
  return [
    `From: ${fromHeader}`,
    `To: Bench Shop <${mailbox}>`,
    `Subject: ${encodeWord(c.subject)}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${c.id}@eval.example>`,
    ...c.headers,
    'MIME-Version: 1.0',
    `Content-Type: text/${c.format}; charset=UTF-8`,
    'Content-Transfer-Encoding: 8bit',
    '',
    c.body.replace(/\r?\n/g, '\r\n'),
    '',
  ].join('\r\n');
}

/** The sender's address, lower-cased. */
export function senderOf(c: EvalCase): string {
  return (/<([^<>]+)>\s*$/.exec(c.from)?.[1] ?? c.from).trim().toLowerCase();
}
