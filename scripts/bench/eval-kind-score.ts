import type { DraftKind } from '../../src/drafting/kinds';
import type { Order } from '../../src/stores/order';
import { senderOf, type Corpus, type EvalCase, type PolicyName } from './eval-corpus';
import type { CaseOutcome, LlmExchange } from './eval-run';
import { EVAL_POLICIES, EVAL_RETURN_WINDOW_DAYS } from './eval-policies';
import { score, type Miss, type Score } from './eval-score';

/**
 * Scores per kind of question, read from the draft text itself (never from what the writer says
 * it used): the kind recognised; the policy's links and figures quoted when a policy applies; no
 * link or figure from outside the mail, the sender's orders and the shop's name when no policy is
 * set; the right orders named and no other of the sender's; a stalled parcel met with an apology.
 */
export interface KindScores {
  kindRecognised: Score;
  policyQuoted: Score;
  noPolicyInvented: Score;
  rightOrder: Score;
  stalledFlagged: Score;
  /** The same five, per expected kind. */
  byKind: Partial<
    Record<
      DraftKind,
      Record<
        'kindRecognised' | 'policyQuoted' | 'noPolicyInvented' | 'rightOrder' | 'stalledFlagged',
        { correct: number; total: number }
      >
    >
  >;
  /** The model's input per drafted email, in tokens, with the policies set. */
  promptTokens: { mean: number; max: number };
}

/** The policy a kind of question is answered from, when the case names none. */
const POLICY_OF_KIND: Partial<Record<DraftKind, PolicyName>> = {
  returns: 'returns',
  damaged: 'damagedItems',
  address_change: 'orderChanges',
  cancellation: 'orderChanges',
};

/** Words of an apology, in the six languages: a stalled parcel's reply must say sorry. */
const APOLOGY = /(?<!\p{L})(sorry|désolée?s?|leid|sentimos|lamentamos|dispiace|spijt)(?!\p{L})/iu;
const URL = /\bhttps?:\/\/[^\s"»“”<>]+/g;

const words = (text: string) => new Set(text.match(/[\p{L}\p{N}]+/gu) ?? []);
const stripTrailing = (url: string) => url.replace(/[.,;:!?)]+$/, '');

/** What must be in a draft that quotes this policy: its links and figures, or the text itself when it has none. */
export function policyFacts(name: PolicyName): string[] {
  const text = EVAL_POLICIES[name];
  const links = (text.match(URL) ?? []).map(stripTrailing);
  const figures = text.replace(URL, ' ').match(/\d+/g) ?? [];
  const facts = [...links, ...figures];
  if (name === 'returns') facts.push(String(EVAL_RETURN_WINDOW_DAYS));
  return facts.length ? [...new Set(facts)] : [text];
}

/** Links and numbers in the draft that neither the mail, the sender's own orders nor the shop's name hold. */
export function inventedFacts(draft: string, c: EvalCase, ownOrders: Order[]): string[] {
  const sources = `${c.subject}\n${c.body}\n${JSON.stringify(ownOrders)}\nBench Shop Sam`;
  const ownLinks = new Set(ownOrders.flatMap((o) => o.tracking.map((t) => t.url)));
  const links = (draft.match(URL) ?? []).map(stripTrailing);
  const known = new Set(sources.match(/\d+/g) ?? []);
  const numbers = (draft.replace(URL, ' ').match(/\d+/g) ?? []).filter((n) => !known.has(n));
  return [...links.filter((l) => !ownLinks.has(l)), ...numbers];
}

export function scoreKinds(
  corpus: Corpus,
  outcomes: CaseOutcome[],
  finalExchange: (o: CaseOutcome) => LlmExchange | null,
): KindScores {
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const tallies = {
    kindRecognised: { ok: 0, total: 0, misses: [] as Miss[] },
    policyQuoted: { ok: 0, total: 0, misses: [] as Miss[] },
    noPolicyInvented: { ok: 0, total: 0, misses: [] as Miss[] },
    rightOrder: { ok: 0, total: 0, misses: [] as Miss[] },
    stalledFlagged: { ok: 0, total: 0, misses: [] as Miss[] },
  };
  const byKind: KindScores['byKind'] = {};
  const tokens: number[] = [];
  const count = (name: keyof typeof tallies, c: EvalCase, ok: boolean, expected: string, got: string) => {
    const t = tallies[name];
    t.total++;
    if (ok) t.ok++;
    else t.misses.push({ id: c.id, category: c.category, expected, got });
    const kind = c.expect.kind;
    if (!kind) return;
    const row = (byKind[kind] ??= {
      kindRecognised: { correct: 0, total: 0 },
      policyQuoted: { correct: 0, total: 0 },
      noPolicyInvented: { correct: 0, total: 0 },
      rightOrder: { correct: 0, total: 0 },
      stalledFlagged: { correct: 0, total: 0 },
    });
    row[name].total++;
    if (ok) row[name].correct++;
  };

  for (const c of corpus.cases) {
    if (!c.expect.draft) continue;
    const o = byId.get(c.id)!;
    const draft = o.draftText;
    const exchange = finalExchange(o);
    if (exchange && o.drafted) tokens.push(exchange.promptTokens);
    const none = `no draft (${o.skipReason ?? 'no counter'})`;
    const sender = senderOf(c);
    const own = corpus.orders.filter((x) => x.email.toLowerCase() === sender);
    const named = words(`${c.subject}\n${c.body}`);

    if (c.expect.kind)
      count(
        'kindRecognised',
        c,
        exchange?.kind === c.expect.kind,
        c.expect.kind,
        exchange?.kind ?? (o.drafted ? 'none' : none),
      );

    const policy = c.expect.policy ?? (c.expect.kind ? POLICY_OF_KIND[c.expect.kind] : undefined);
    if (policy && c.merchant === 'policies') {
      const missing = draft ? policyFacts(policy).filter((f) => !draft.includes(f)) : [];
      count(
        'policyQuoted',
        c,
        !!draft && missing.length === 0,
        `${policy} quoted`,
        draft ? `missing ${missing.join(', ')}` : none,
      );
    }
    if (c.merchant === 'no_policies') {
      const invented = draft ? inventedFacts(draft, c, own) : [];
      count(
        'noPolicyInvented',
        c,
        !!draft && invented.length === 0,
        'nothing invented',
        draft ? `invented ${invented.join(', ')}` : none,
      );
    }
    if (c.expect.order) {
      const wanted = [c.expect.order, ...(c.expect.alsoOrders ?? [])];
      const inDraft = draft ? words(draft) : new Set<string>();
      const missing = wanted.filter((n) => !inDraft.has(n));
      // Another of the sender's orders the mail did not name: the reply picked the wrong one.
      const wrong = own.map((x) => x.number).filter((n) => !wanted.includes(n) && inDraft.has(n) && !named.has(n));
      count(
        'rightOrder',
        c,
        !!draft && missing.length === 0 && wrong.length === 0,
        wanted.join('+'),
        draft
          ? `${missing.length ? `missing ${missing.join(', ')}` : ''}${wrong.length ? ` named ${wrong.join(', ')}` : ''}`.trim()
          : none,
      );
    }
    if (c.expect.stalled)
      count('stalledFlagged', c, !!draft && APOLOGY.test(draft), 'an apology', draft ? 'no apology' : none);
  }

  const done = (t: (typeof tallies)[keyof typeof tallies]) => score(t.ok, t.total, t.misses);
  return {
    kindRecognised: done(tallies.kindRecognised),
    policyQuoted: done(tallies.policyQuoted),
    noPolicyInvented: done(tallies.noPolicyInvented),
    rightOrder: done(tallies.rightOrder),
    stalledFlagged: done(tallies.stalledFlagged),
    byKind,
    promptTokens: {
      mean: tokens.length ? Math.round(tokens.reduce((a, b) => a + b, 0) / tokens.length) : 0,
      max: Math.max(0, ...tokens),
    },
  };
}
