import { encodeChat } from 'gpt-tokenizer/model/gpt-4o-mini';
import { countersFor } from '../../src/db/counters';
import { parseMail } from '../../src/drafting/parse-mail';
import { utcDay } from '../../src/platform/ids';
import type { Order } from '../../src/stores/order';
import { writerInputSchema, type PlantedFact } from '../../src/sandbox/fakes/openai-writer';
import { rawMessage, type Corpus, type EvalCase } from './eval-corpus';
import { setEvalPolicies } from './eval-policies';
import { createWorld } from './world';

/**
 * Runs each corpus email through the real pipeline (push → webhook → queue → sync → draft) in a
 * fresh sandbox world, one at a time, and records what happened: whether a draft was written and
 * its text, why not otherwise (the pipeline's own skip counter), and what the LLM was given and
 * answered (captured at the fake).
 */
const MAILBOX: Record<EvalCase['merchant'], string> = {
  policies: 'shop@eval.example',
  no_policies: 'plain-shop@eval.example',
};

export interface LlmExchange {
  orderLookup: string;
  /** The order the reply was to answer about: the first named, or the newest of the recent ones. */
  orderNumber: string | null;
  /** Every order the model was given. */
  orderNumbers: string[];
  /** The kind the model named (null when its answer had none). */
  kind: string | null;
  /** The model's input, in tokens of gpt-4o-mini's tokenizer (every message). */
  promptTokens: number;
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

export async function runCorpus(
  corpus: Corpus,
  options: { plantFalseFacts?: number; llmSeed?: number; store?: 'shopify' | 'woocommerce' } = {},
): Promise<CaseOutcome[]> {
  const world = await createWorld({ plantFalseFacts: options.plantFalseFacts, llmSeed: options.llmSeed });
  let exchanges: LlmExchange[] = [];
  let plantedSeen = 0;
  world.router.onChat = (request, response) => {
    const planted = world.openai.planted();
    const fresh = planted.length > plantedSeen ? planted[planted.length - 1]! : null;
    plantedSeen = planted.length;
    const messages = (request as { messages: { role: 'system' | 'user' | 'assistant'; content: string }[] }).messages;
    // The document the model read (PromptData, or the single-order one before it), as the fake reads it.
    const input = writerInputSchema.parse(JSON.parse(messages[messages.length - 1]!.content));
    const content = (response as { choices?: { message?: { content?: string } }[] } | null)?.choices?.[0]?.message
      ?.content;
    const reply = content
      ? (JSON.parse(content) as { language: string; replyText: string; needsReply: boolean; kind?: string })
      : null;
    const answered =
      input.orderLookup === 'matched'
        ? input.orders[0]
        : input.orderLookup === 'recent'
          ? (input.orders.find((o) => o.newest) ?? input.orders[0])
          : undefined;
    exchanges.push({
      orderLookup: input.orderLookup,
      orderNumber: answered?.number ?? null,
      orderNumbers: input.orders.map((o) => o.number),
      kind: reply?.kind ?? null,
      promptTokens: encodeChat(messages, 'gpt-4o-mini').length,
      language: reply?.language ?? null,
      replyText: reply?.replyText ?? '',
      needsReply: reply?.needsReply ?? false,
      planted: fresh,
    });
  };

  try {
    // Two merchants with the same store: one with store policies set, one with none.
    const store = options.store ?? 'shopify';
    const policies = await world.addMerchant({ mailbox: MAILBOX.policies, store, orders: corpus.orders as Order[] });
    await setEvalPolicies(world.services, policies.accountId);
    const plain = await world.addMerchant({ mailbox: MAILBOX.no_policies, store, orders: corpus.orders as Order[] });
    const accountOf = { policies: policies.accountId, no_policies: plain.accountId };
    const outcomes: CaseOutcome[] = [];
    for (const c of corpus.cases) {
      exchanges = [];
      const mailbox = MAILBOX[c.merchant];
      const accountId = accountOf[c.merchant];
      const draftsBefore = world.google.drafts(mailbox).length;
      const countersBefore = await countersFor(world.services.db, accountId, utcDay(Date.now()));
      world.arrive(mailbox, rawMessage(c, mailbox), c.labelIds ? { labelIds: c.labelIds } : undefined);
      await world.settle();
      const drafts = world.google.drafts(mailbox);
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
