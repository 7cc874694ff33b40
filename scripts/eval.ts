/**
 * `npm run eval`: runs the labelled corpus (test/fixtures/eval/) through the real pipeline in the
 * sandbox and prints triage accuracy, order-match accuracy, drafts disclosing another customer's
 * order, reply-language accuracy, and the fact guard's catch rate against the fake LLM's liar mode
 * (plantFalseFacts); per kind of question (kind-score.ts): kind recognised, the policy quoted when
 * one applies, nothing invented when none is set, the right order among several, stalled parcels
 * flagged; and the model's input in tokens, with the naive-prompt ratio of the bench's long threads
 * (phases.ts). Writes bench/eval.json. Every miss is listed; the labels say what *should* happen,
 * not what the pipeline does today.
 *
 *   npm run eval
 *   npm run -s eval -- --json             # JSON only on stdout (-s keeps npm's own banner off it)
 *   npm run eval -- --liar-rate 0.5 --seeds 4
 *   npm run eval -- --store woocommerce
 *
 * Exits non-zero only if a draft discloses another customer's order (the one hard rule) or the
 * corpus cannot be run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATEGORIES, EVAL_LANGUAGES, loadCorpus } from './bench/eval-corpus';
import { runCorpus } from './bench/eval-run';
import { scoreKinds } from './bench/eval-kind-score';
import { finalExchange, scoreHonestRun, scoreLiarRuns, type Miss } from './bench/eval-score';
import { machineInfo } from './bench/machine';
import { measureTokens } from './bench/phases';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
};
const jsonOnly = args.includes('--json');
const liarRate = Math.min(1, Math.max(0, option('--liar-rate', 0.5)));
const seedCount = Math.max(1, Math.round(option('--seeds', 4)));
const store =
  args.includes('--store') && args[args.indexOf('--store') + 1] === 'woocommerce' ? 'woocommerce' : 'shopify';

const corpus = loadCorpus(join(ROOT, 'test/fixtures/eval'));
const progress = (step: string) => process.stderr.write(`eval: ${step}…\n`);

progress(`${corpus.cases.length} emails through the pipeline (${store}, honest LLM)`);
const honestOutcomes = await runCorpus(corpus, { store });
const honest = scoreHonestRun(corpus, honestOutcomes);
const kinds = scoreKinds(corpus, honestOutcomes, finalExchange);
progress('prompt tokens against the naive whole-thread prompt (the bench’s long threads)');
const tokens = await measureTokens();

const liarRuns = [];
for (let seed = 1; seed <= seedCount; seed++) {
  progress(`liar mode, ${Math.round(liarRate * 100)} % of replies with a planted fact, seed ${seed}/${seedCount}`);
  liarRuns.push({ seed, outcomes: await runCorpus(corpus, { store, plantFalseFacts: liarRate, llmSeed: seed }) });
}
const liar = scoreLiarRuns(liarRate, liarRuns);

const count = <T extends string>(keys: readonly T[], of: (k: T) => number) =>
  Object.fromEntries(keys.map((k) => [k, of(k)]));
const result = {
  triageAccuracy: honest.triage.accuracy,
  orderMatchAccuracy: honest.orderMatch.accuracy,
  otherCustomerDisclosures: honest.disclosures.count,
  factGuardCatchRate: liar.catchRate,
  replyLanguageAccuracy: honest.replyLanguage.accuracy,
  kindAccuracy: kinds.kindRecognised.accuracy,
  policyQuotedRate: kinds.policyQuoted.accuracy,
  noPolicyInventedRate: kinds.noPolicyInvented.accuracy,
  rightOrderRate: kinds.rightOrder.accuracy,
  stalledFlaggedRate: kinds.stalledFlagged.accuracy,
  llmInputTokensPerEmail: kinds.promptTokens.mean,
  llmTokenRatio: tokens.llmTokenRatio,
  corpus: {
    cases: corpus.cases.length,
    store,
    byLanguage: count(EVAL_LANGUAGES, (l) => corpus.cases.filter((c) => c.expect.language === l).length),
    byCategory: count(CATEGORIES, (k) => corpus.cases.filter((c) => c.category === k).length),
  },
  triage: honest.triage,
  orderMatch: honest.orderMatch,
  replyLanguage: honest.replyLanguage,
  disclosures: honest.disclosures,
  kinds,
  tokens,
  factGuard: liar,
  cases: corpus.cases.map((c) => {
    const o = honestOutcomes.find((x) => x.id === c.id)!;
    const last = o.llm[o.llm.length - 1];
    return {
      id: c.id,
      category: c.category,
      expected: c.expect,
      got: {
        draft: o.drafted,
        skipReason: o.skipReason,
        orderLookup: last?.orderLookup ?? null,
        order: o.drafted ? (last?.orderNumber ?? null) : null,
        orders: last?.orderNumbers ?? [],
        kind: o.drafted ? (last?.kind ?? null) : null,
        language: o.drafted ? (last?.language ?? null) : null,
      },
    };
  }),
  machine: machineInfo(),
};

mkdirSync(join(ROOT, 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'bench/eval.json'), `${JSON.stringify(result, null, 2)}\n`);

if (jsonOnly) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  const pct = (n: number) => `${(n * 100).toFixed(1)} %`;
  const line = (label: string, s: { correct: number; total: number; accuracy: number }) =>
    `${label.padEnd(30)} ${pct(s.accuracy).padStart(8)}  (${s.correct}/${s.total})`;
  const misses = (title: string, list: Miss[]) =>
    list.length
      ? [`  ${title}:`, ...list.map((m) => `    ${m.id.padEnd(34)} expected ${m.expected}, got ${m.got}`)]
      : [];
  const lieKinds = Object.entries(liar.byKind)
    .map(([k, v]) => `${k} ${v.caught}/${v.planted}`)
    .join(', ');
  const perKind = Object.entries(kinds.byKind).map(([kind, row]) => {
    const cell = (name: keyof typeof row) =>
      (row[name].total ? `${row[name].correct}/${row[name].total}` : '—').padStart(7);
    return `  ${kind.padEnd(16)}${cell('kindRecognised')}${cell('policyQuoted')}${cell('noPolicyInvented')}${cell('rightOrder')}${cell('stalledFlagged')}`;
  });
  const out = [
    `corpus: ${corpus.cases.length} emails, ${EVAL_LANGUAGES.join('/')}, store ${store}`,
    '',
    line('triage accuracy', honest.triage),
    line('order-match accuracy', honest.orderMatch),
    `${'other-customer disclosures'.padEnd(30)} ${String(honest.disclosures.count).padStart(8)}  (must be 0)`,
    line('reply-language accuracy', honest.replyLanguage),
    `${'fact-guard catch rate'.padEnd(30)} ${pct(liar.catchRate).padStart(8)}  (${liar.caught}/${liar.planted} planted lies; ${lieKinds})`,
    line('kind recognised', kinds.kindRecognised),
    line('policy quoted when set', kinds.policyQuoted),
    line('nothing invented, no policy', kinds.noPolicyInvented),
    line('right order(s) in the draft', kinds.rightOrder),
    line('stalled parcels flagged', kinds.stalledFlagged),
    `${'LLM input tokens per email'.padEnd(30)} ${String(kinds.promptTokens.mean).padStart(8)}  (max ${kinds.promptTokens.max}, policies set)`,
    `${'LLM token ratio'.padEnd(30)} ${String(tokens.llmTokenRatio).padStart(8)}  (≤ 0.3; ${tokens.llmInputTokensPerEmail} against a naive ${tokens.naiveInputTokensPerEmail}, bench long threads)`,
    '',
    `  per kind          kind  policy  no-inv.  order  stalled`,
    ...perKind,
    '',
    ...misses('triage misses', honest.triage.misses),
    ...misses('order-match misses', honest.orderMatch.misses),
    ...misses('language misses', honest.replyLanguage.misses),
    ...misses('kind misses', kinds.kindRecognised.misses),
    ...misses('policy not quoted', kinds.policyQuoted.misses),
    ...misses('invented with no policy', kinds.noPolicyInvented.misses),
    ...misses('wrong or missing order', kinds.rightOrder.misses),
    ...misses('stalled parcel not flagged', kinds.stalledFlagged.misses),
    ...honest.disclosures.cases.map((d) => `  DISCLOSURE ${d.id}: ${d.leaked.join(', ')}`),
    ...(liar.leaks.length
      ? [
          '  planted lies that reached a draft:',
          ...liar.leaks.map(
            (l) => `    ${l.id.padEnd(34)} seed ${l.seed} ${l.kind}: ${l.original || '(none)'} → ${l.invented}`,
          ),
        ]
      : []),
    '',
    'written: bench/eval.json',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

if (honest.disclosures.count > 0) process.exitCode = 1;
