import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PromptData } from '../../src/drafting/prompt-data';
import { writeReply } from '../../src/sandbox/fakes/openai-writer';
import { loadCorpus, senderOf, type Corpus, type EvalCase } from '../../scripts/bench/eval-corpus';
import { inventedFacts, policyFacts, scoreKinds } from '../../scripts/bench/eval-kind-score';
import { EVAL_POLICIES, EVAL_RETURN_WINDOW_DAYS } from '../../scripts/bench/eval-policies';
import type { CaseOutcome, LlmExchange } from '../../scripts/bench/eval-run';
import { finalExchange } from '../../scripts/bench/eval-score';

/**
 * The per-kind eval scores judge the draft text: a draft that leaves out the policy's link, names
 * the wrong order, invents a figure or ignores a stalled parcel is scored as a miss, whatever the
 * model claims about its answer.
 */
const corpus = loadCorpus(join(__dirname, '../fixtures/eval'));
const byId = (id: string) => corpus.cases.find((c) => c.id === id)!;

function outcome(c: EvalCase, draftText: string | null, exchange: Partial<LlmExchange> = {}): CaseOutcome {
  return {
    id: c.id,
    drafted: draftText !== null,
    draftText,
    skipReason: draftText === null ? 'skipped:fact_guard' : null,
    llm: [
      {
        orderLookup: 'matched',
        orderNumber: c.expect.order,
        orderNumbers: [],
        kind: c.expect.kind ?? null,
        promptTokens: 100,
        language: c.expect.language,
        replyText: draftText ?? '',
        needsReply: true,
        planted: null,
        ...exchange,
      },
    ],
  };
}

const only = (...cases: EvalCase[]): Corpus => ({ orders: corpus.orders, cases });

describe('eval corpus', () => {
  it('covers every new kind in all six languages, with and without policies', () => {
    for (const lang of ['en', 'fr', 'de', 'es', 'it', 'nl']) {
      const mine = corpus.cases.filter((c) => c.expect.language === lang);
      for (const kind of ['order_status', 'returns', 'damaged', 'address_change', 'cancellation', 'presales']) {
        expect(
          mine.some((c) => c.expect.kind === kind && c.merchant === 'policies'),
          `${lang} ${kind}`,
        ).toBe(true);
      }
      expect(mine.some((c) => c.merchant === 'no_policies')).toBe(true);
      expect(mine.some((c) => c.expect.stalled)).toBe(true);
      expect(mine.some((c) => (c.expect.alsoOrders ?? []).length > 0)).toBe(true);
    }
  });
});

describe('per-kind eval scores judge the draft text', () => {
  it('policy quoted: needs the policy’s link and figures in the draft', () => {
    const c = byId('en-return');
    const facts = policyFacts('returns');
    expect(facts).toContain('https://benchshop.example/returns');
    expect(facts).toContain('30');
    const quoted = scoreKinds(
      only(c),
      [outcome(c, `Order #1042. Our returns policy: "${EVAL_POLICIES.returns}"`)],
      finalExchange,
    );
    expect(quoted.policyQuoted).toMatchObject({ correct: 1, total: 1 });
    const vague = scoreKinds(only(c), [outcome(c, 'Order #1042: you can return it within 30 days.')], finalExchange);
    expect(vague.policyQuoted).toMatchObject({ correct: 0, total: 1 });
    expect(vague.policyQuoted.misses[0]!.got).toContain('https://benchshop.example/returns');
  });

  it('no policy set: any link or figure from outside the mail and the sender’s orders is invented', () => {
    const c = byId('en-return-no-policy');
    const own = corpus.orders.filter((o) => o.email === 'jane@example.net');
    expect(inventedFacts('Your order #1038 was placed on 2025-10-02. Our team will confirm.', c, own)).toEqual([]);
    expect(inventedFacts('You can return it within 30 days: https://shop.example/returns', c, own)).toEqual([
      'https://shop.example/returns',
      '30',
    ]);
    const s = scoreKinds(only(c), [outcome(c, 'You have 14 days to return it.')], finalExchange);
    expect(s.noPolicyInvented).toMatchObject({ correct: 0, total: 1 });
  });

  it('right order: every order expected, and none of the sender’s others the mail did not name', () => {
    const c = byId('en-recent-orders-no-number');
    expect(
      scoreKinds(only(c), [outcome(c, 'Your most recent order is #1063. We are sorry.')], finalExchange).rightOrder
        .correct,
    ).toBe(1);
    expect(scoreKinds(only(c), [outcome(c, 'Your order #1059 was delivered.')], finalExchange).rightOrder.correct).toBe(
      0,
    );
    expect(scoreKinds(only(c), [outcome(c, 'Orders #1063 and #1059.')], finalExchange).rightOrder.correct).toBe(0);
    const two = byId('en-two-orders-named');
    expect(scoreKinds(only(two), [outcome(two, 'Order #1059 was delivered.')], finalExchange).rightOrder.correct).toBe(
      0,
    );
    expect(
      scoreKinds(only(two), [outcome(two, 'Order #1059 was delivered; order #1063 is in transit.')], finalExchange)
        .rightOrder.correct,
    ).toBe(1);
  });

  it('kind recognised reads the model’s kind; stalled wants an apology in the draft; no draft is a miss', () => {
    const c = byId('fr-stalled');
    const sorry = scoreKinds(
      only(c),
      [outcome(c, 'Nous sommes désolés : le colis ne bouge plus. Commande n°2163.')],
      finalExchange,
    );
    expect(sorry.stalledFlagged.correct).toBe(1);
    expect(sorry.kindRecognised.correct).toBe(1);
    const flat = scoreKinds(
      only(c),
      [outcome(c, 'Votre commande n°2163 a été expédiée.', { kind: 'other' })],
      finalExchange,
    );
    expect(flat.stalledFlagged.correct).toBe(0);
    expect(flat.kindRecognised.correct).toBe(0);
    const none = scoreKinds(only(c), [outcome(c, null)], finalExchange);
    expect(none.stalledFlagged).toMatchObject({ correct: 0, total: 1 });
    expect(none.byKind.order_status?.stalledFlagged).toEqual({ correct: 0, total: 1 });
  });
});

describe('the sandbox model against the per-kind scores, given the documents the eval merchants’ prompts hold', () => {
  // A stand-in for the drafting pipeline (find-order and facts): enough to build each case's PromptData.
  const TODAY = '2026-12-01';
  const DAY = 86_400_000;
  const addDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * DAY).toISOString().slice(0, 10);
  function documentFor(c: EvalCase): PromptData {
    const own = corpus.orders
      .filter((o) => o.email.toLowerCase() === senderOf(c))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const named = [...new Set(`${c.subject} ${c.body}`.match(/\d{4}/g) ?? [])].filter((n) =>
      corpus.orders.some((o) => o.number === n),
    );
    const mine = named.filter((n) => own.some((o) => o.number === n));
    const orders = named.length ? mine.map((n) => own.find((o) => o.number === n)!) : own.slice(0, 3);
    const policies = c.merchant === 'policies' ? { returnWindowDays: EVAL_RETURN_WINDOW_DAYS, ...EVAL_POLICIES } : {};
    return {
      customer: { name: null, message: c.body },
      orderLookup: named.length
        ? mine.length
          ? 'matched'
          : 'email_mismatch'
        : orders.length
          ? 'recent'
          : 'no_reference',
      orders: orders.map((o, i) => {
        const done = o.shipments.find((s) => s.deliveredAt)?.deliveredAt ?? null;
        const last = done && c.merchant === 'policies' ? addDays(done, EVAL_RETURN_WINDOW_DAYS) : null;
        const stalled = o.shipments.some(
          (s) =>
            s.status === 'in_transit' && !!s.lastEventAt && Date.parse(TODAY) - Date.parse(s.lastEventAt) > 7 * DAY,
        );
        const open = o.fulfillmentStatus === 'unfulfilled';
        return {
          ...o,
          newest: i === 0,
          shipments: o.shipments.map((s) => ({
            status: s.status,
            trackingNumber: s.tracking?.number ?? null,
            shippedAt: s.shippedAt,
            deliveredAt: s.deliveredAt,
            estimatedDeliveryAt: s.estimatedDeliveryAt,
          })),
          facts: {
            daysSinceShipped: null,
            stalled,
            lastReturnDay: last,
            returnWindowOpen: last ? last >= TODAY : null,
            canChangeAddress: open,
            canCancel: open,
          },
        };
      }),
      unmatchedNumbers: named.filter((n) => !mine.includes(n)),
      policies,
      merchant: { shopName: 'Bench Shop', tone: 'friendly', signOffName: 'Sam', fallbackLanguage: 'en' },
      today: TODAY,
    };
  }

  it('scores every kind, policy, order and stalled parcel of the corpus', () => {
    const cases = corpus.cases.filter((c) => c.expect.draft && c.expect.kind && !c.body.startsWith('<'));
    const outcomes = cases.map((c) => {
      const reply = writeReply(documentFor(c));
      return outcome(c, reply.replyText, { kind: reply.kind });
    });
    const s = scoreKinds(only(...cases), outcomes, finalExchange);
    const misses = [s.kindRecognised, s.policyQuoted, s.noPolicyInvented, s.rightOrder, s.stalledFlagged].flatMap(
      (x) => x.misses,
    );
    expect(misses).toEqual([]);
    expect(s.policyQuoted.total).toBeGreaterThanOrEqual(36);
    expect(s.stalledFlagged.total).toBe(18);
    expect(s.noPolicyInvented.total).toBe(18);
  });
});
