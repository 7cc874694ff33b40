import type { Order } from '../../src/stores/order';
import { senderOf, type Corpus, type EvalCase } from './eval-corpus';
import type { CaseOutcome, LlmExchange } from './eval-run';

/**
 * Scores of one honest run against the labels, and the fact-guard catch rate of the liar runs.
 * Every miss is listed with what was expected and what happened, so nothing hides in a percentage.
 */
export interface Miss {
  id: string;
  category: string;
  expected: string;
  got: string;
}

export interface Score {
  correct: number;
  total: number;
  accuracy: number;
  misses: Miss[];
}

export interface HonestScores {
  triage: Score;
  orderMatch: Score;
  replyLanguage: Score;
  disclosures: { count: number; cases: { id: string; leaked: string[] }[] };
}

export const score = (correct: number, total: number, misses: Miss[]): Score => ({
  correct,
  total,
  accuracy: total ? Math.round((correct / total) * 1000) / 1000 : 1,
  misses,
});

/** The exchange whose reply became the draft: the last one that asked for a reply. */
export function finalExchange(o: CaseOutcome): LlmExchange | null {
  return [...o.llm].reverse().find((e) => e.needsReply) ?? o.llm[o.llm.length - 1] ?? null;
}

export function scoreHonestRun(corpus: Corpus, outcomes: CaseOutcome[]): HonestScores {
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const triageMisses: Miss[] = [];
  const orderMisses: Miss[] = [];
  const languageMisses: Miss[] = [];
  let triageOk = 0;
  let orderOk = 0;
  let orderTotal = 0;
  let languageOk = 0;
  let languageTotal = 0;
  const disclosures: HonestScores['disclosures']['cases'] = [];

  for (const c of corpus.cases) {
    const o = byId.get(c.id)!;
    const describe = o.drafted ? 'draft' : `no draft (${o.skipReason ?? 'no counter'})`;
    if (o.drafted === c.expect.draft) triageOk++;
    else
      triageMisses.push({
        id: c.id,
        category: c.category,
        expected: c.expect.draft ? 'draft' : 'no draft',
        got: describe,
      });

    if (c.expect.draft) {
      // The order the reply was allowed to use: the one handed to the LLM for the draft.
      orderTotal++;
      const e = o.drafted ? finalExchange(o) : null;
      const used = e?.orderNumber ?? null;
      // Several orders named: the expected one among those given counts (each gets its status).
      const among =
        !!e && e.orderLookup === 'matched' && c.expect.order !== null && e.orderNumbers.includes(c.expect.order);
      if (used === c.expect.order || among) orderOk++;
      else
        orderMisses.push({
          id: c.id,
          category: c.category,
          expected: c.expect.order ?? 'none',
          got: o.drafted ? (used ?? 'none') : describe,
        });
    }

    if (c.expect.draft && o.drafted) {
      languageTotal++;
      const language = finalExchange(o)?.language ?? null;
      if (language === c.expect.language) languageOk++;
      else
        languageMisses.push({
          id: c.id,
          category: c.category,
          expected: c.expect.language,
          got: language ?? 'unknown',
        });
    }

    if (o.draftText) {
      const leaked = otherCustomersFacts(c, corpus.orders).filter((fact) => o.draftText!.includes(fact));
      if (leaked.length) disclosures.push({ id: c.id, leaked });
    }
  }

  return {
    triage: score(triageOk, corpus.cases.length, triageMisses),
    orderMatch: score(orderOk, orderTotal, orderMisses),
    replyLanguage: score(languageOk, languageTotal, languageMisses),
    disclosures: { count: disclosures.length, cases: disclosures },
  };
}

/**
 * What a draft must never contain for this sender: the facts of orders placed with another address
 * (order number unless the customer wrote it, tracking numbers and links, city, item titles), minus
 * anything the sender's own orders or own email also contain.
 */
function otherCustomersFacts(c: EvalCase, orders: Order[]): string[] {
  const sender = senderOf(c);
  const mine = orders.filter((o) => o.email.toLowerCase() === sender);
  const ownText = `${c.subject}\n${c.body}\n${JSON.stringify(mine)}`;
  const facts = new Set<string>();
  for (const o of orders) {
    if (o.email.toLowerCase() === sender) continue;
    facts.add(o.number);
    for (const t of o.tracking) facts.add(t.number).add(t.url);
    if (o.shippingCity) facts.add(o.shippingCity);
    for (const item of o.items) facts.add(item.title);
  }
  return [...facts].filter((f) => !ownText.includes(f));
}

// ---------------------------------------------------------------------------------------------

export interface LiarScores {
  rate: number;
  seeds: number[];
  planted: number;
  caught: number;
  leaked: number;
  catchRate: number;
  byKind: Record<string, { planted: number; caught: number; catchRate: number }>;
  /** Planted lies that reached a draft (case id, kind, invented value). */
  leaks: { id: string; seed: number; kind: string; original: string; invented: string }[];
}

/**
 * A planted lie is caught when the reply carrying it did not become the draft: the fact guard
 * rejected it (and the retry, or the skip, replaced it).
 */
export function scoreLiarRuns(rate: number, runs: { seed: number; outcomes: CaseOutcome[] }[]): LiarScores {
  const byKind: Record<string, { planted: number; caught: number }> = {};
  const leaks: LiarScores['leaks'] = [];
  let planted = 0;
  let caught = 0;
  for (const { seed, outcomes } of runs) {
    for (const o of outcomes) {
      for (const e of o.llm) {
        if (!e.planted) continue;
        planted++;
        const kind = (byKind[e.planted.kind] ??= { planted: 0, caught: 0 });
        kind.planted++;
        const reached = !!o.draftText && !!e.replyText && o.draftText.trim().startsWith(e.replyText.trim());
        if (reached)
          leaks.push({
            id: o.id,
            seed,
            kind: e.planted.kind,
            original: e.planted.original,
            invented: e.planted.invented,
          });
        else {
          caught++;
          kind.caught++;
        }
      }
    }
  }
  const rateOf = (c: number, p: number) => (p ? Math.round((c / p) * 1000) / 1000 : 1);
  return {
    rate,
    seeds: runs.map((r) => r.seed),
    planted,
    caught,
    leaked: planted - caught,
    catchRate: rateOf(caught, planted),
    byKind: Object.fromEntries(
      Object.entries(byKind).map(([k, v]) => [k, { ...v, catchRate: rateOf(v.caught, v.planted) }]),
    ),
    leaks,
  };
}
