import { countersFor } from '../../src/db/counters';
import { parseMail } from '../../src/drafting/parse-mail';
import { utcDay } from '../../src/platform/ids';
import type { Order } from '../../src/stores/order';
import type { PlantedFact } from '../../src/sandbox/fakes/openai-writer';
import { rawMessage, type Corpus, type EvalCase } from './eval-corpus';
import { createWorld } from './world';

/**
 * Runs each corpus email through the real pipeline (push → webhook → queue → sync → draft) in a
 * fresh sandbox world, one at a time, and records what happened: whether a draft was written and
 * its text, why not otherwise (the pipeline's own skip counter), and what the LLM was given and
 * answered (captured at the fake).
 */
const MAILBOX = 'shop@eval.example';

export interface LlmExchange {
  orderLookup: string;
  orderNumber: string | null;
  language: string | null;
  replyText: string;
  needsReply: boolean;
  planted: PlantedFact | null;
}

export interface CaseOutcome {
  id: string;
  drafted: boolean;
  draftText: string | null;
  skipReason: string | null;
  llm: LlmExchange[];
}

export async function runCorpus(corpus: Corpus, options: { plantFalseFacts?: number; llmSeed?: number; store?: 'shopify' | 'woocommerce' } = {}): Promise<CaseOutcome[]> {
  const world = await createWorld({ plantFalseFacts: options.plantFalseFacts, llmSeed: options.llmSeed });
  let exchanges: LlmExchange[] = [];
  let plantedSeen = 0;
  world.router.onChat = (request, response) => {
    const planted = world.openai.planted();
    const fresh = planted.length > plantedSeen ? planted[planted.length - 1]! : null;
    plantedSeen = planted.length;
    const messages = (request as { messages: { role: string; content: string }[] }).messages;
    const input = JSON.parse(messages[messages.length - 1]!.content) as { orderLookup: string; order: { number: string } | null };
    const content = (response as { choices?: { message?: { content?: string } }[] } | null)?.choices?.[0]?.message?.content;
    const reply = content ? (JSON.parse(content) as { language: string; replyText: string; needsReply: boolean }) : null;
    exchanges.push({
      orderLookup: input.orderLookup,
      orderNumber: input.orderLookup === 'matched' ? (input.order?.number ?? null) : null,
      language: reply?.language ?? null,
      replyText: reply?.replyText ?? '',
      needsReply: reply?.needsReply ?? false,
      planted: fresh,
    });
  };

  try {
    const { accountId } = await world.addMerchant({ mailbox: MAILBOX, store: options.store ?? 'shopify', orders: corpus.orders as Order[] });
    const outcomes: CaseOutcome[] = [];
    for (const c of corpus.cases) {
      exchanges = [];
      const draftsBefore = world.google.drafts(MAILBOX).length;
      const countersBefore = await countersFor(world.services.db, accountId, utcDay(Date.now()));
      world.arrive(MAILBOX, rawMessage(c, MAILBOX), c.labelIds ? { labelIds: c.labelIds } : undefined);
      await world.settle();
      const drafts = world.google.drafts(MAILBOX);
      const countersAfter = await countersFor(world.services.db, accountId, utcDay(Date.now()));
      const draft = drafts.length > draftsBefore ? drafts[drafts.length - 1]! : null;
      outcomes.push({
        id: c.id,
        drafted: !!draft,
        draftText: draft ? (await parseMail(new TextEncoder().encode(draft.raw))).text.replace(/\r\n/g, '\n') : null,
        skipReason: changedCounter(countersBefore, countersAfter),
        llm: exchanges,
      });
    }
    return outcomes;
  } finally {
    world.close();
  }
}

/** The skip or error counter this one email moved ("skipped:auto_reply"), if any. */
function changedCounter(before: Record<string, number>, after: Record<string, number>): string | null {
  for (const [name, count] of Object.entries(after)) {
    if ((name.startsWith('skipped:') || name.startsWith('error:')) && count > (before[name] ?? 0)) return name;
  }
  return null;
}

export type { EvalCase };
