/**
 * `npm run bench`: runs the real pipeline (webhook → queue → sync → draft) in one process against
 * the sandbox fakes and measures Gmail quota, CPU, latency, prompt size, throughput and bundle size.
 * Prints a table (or, with --json, only the JSON) and writes bench/results.json.
 *
 *   npm run bench                  # everything (about a minute)
 *   npm run -s bench -- --json     # JSON only on stdout (-s keeps npm's own banner off it)
 *   npm run bench -- --emails 1000 # more emails in the CPU measurement (default 500)
 *   npm run bench -- --build       # rebuild dist/ even when it looks fresh
 *
 * Benchmarks never fail on speed: the exit code is non-zero only when a measurement could not run
 * (for example a sample email that should have been drafted was not).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureBundle } from './bench/bundle';
import { machineInfo } from './bench/machine';
import { measureCpu, measureLatency, measureThroughput, measureTokens, measureUnits, UNAVOIDABLE_ROUND_TRIPS } from './bench/phases';
import { formatTable, type Row } from './bench/table';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const GMAIL_FLOOR_PER_DRAFT = 2 + 5 + 10 + 10; // history.list + messages.get + threads.get + drafts.create
const LATENCY_MS = 20;

const args = process.argv.slice(2);
const jsonOnly = args.includes('--json');
const emailsArg = args.indexOf('--emails');
const cpuEmails = emailsArg >= 0 ? Math.max(500, Number(args[emailsArg + 1]) || 500) : 500;

const progress = (step: string) => process.stderr.write(`bench: ${step}…\n`);

progress('Gmail quota units per draft and per skip');
const units = await measureUnits();
progress('prompt tokens, real against naive');
const tokens = await measureTokens();
progress(`CPU over ${cpuEmails} emails with zero-latency fakes`);
const cpu = await measureCpu(cpuEmails);
progress(`push-to-draft latency with ${LATENCY_MS} ms per call`);
const latency = await measureLatency(LATENCY_MS);
progress('100 accounts pushing at once');
const throughput = await measureThroughput(100, LATENCY_MS);
progress('Workers bundle size');
const bundle = measureBundle(ROOT, { forceBuild: args.includes('--build') });

const results = {
  gmailUnitsPerDraft: units.gmailUnitsPerDraft,
  gmailUnitsPerDraftOngoing: units.gmailUnitsPerDraftOngoingThread,
  gmailUnitsPerSkip: units.gmailUnitsPerSkip,
  dbStatementsPerDraft: units.dbStatementsPerDraft,
  dbStatementsPerSkip: units.dbStatementsPerSkip,
  subrequestsPerDraft: units.subrequestsPerDraft,
  cpuMsPerEmail: cpu.cpuMsPerEmail,
  cpuMsPerEmailWithoutDb: cpu.cpuMsPerEmailWithoutDb,
  latencyRatio: latency.latencyRatio,
  llmInputTokensPerEmail: tokens.llmInputTokensPerEmail,
  llmTokenRatio: tokens.llmTokenRatio,
  accountsPerMinute: throughput.accountsPerMinute,
  bundleGzipBytes: bundle.bundleGzipBytes,
  machine: machineInfo(),
  details: {
    gmail: {
      floorUnitsPerDraft: GMAIL_FLOOR_PER_DRAFT,
      unitsPerDraftOngoingThread: units.gmailUnitsPerDraftOngoingThread,
      unitsPerSkipByKind: units.gmailUnitsPerSkipByKind,
      callsPerDraft: units.callsPerDraft,
      dbStatementsPerDraft: units.dbStatementsPerDraft,
    },
    cpu,
    latency: { ...latency, unavoidableRoundTrips: UNAVOIDABLE_ROUND_TRIPS },
    tokens: { ...tokens, tokenizer: 'gpt-tokenizer, gpt-4o-mini (o200k_base), chat format' },
    throughput,
    bundle,
  },
};

const outDir = join(ROOT, 'bench');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

if (jsonOnly) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  const kib = (n: number) => `${Math.round(n / 1024)} KiB`;
  const kinds = Object.entries(units.gmailUnitsPerSkipByKind).map(([k, v]) => `${k} ${v}`).join(', ');
  const rows: Row[] = [
    { metric: 'gmailUnitsPerDraft', value: String(units.gmailUnitsPerDraft), target: `≤ ${(GMAIL_FLOOR_PER_DRAFT * 1.1).toFixed(1)}`, note: `floor ${GMAIL_FLOOR_PER_DRAFT}; new thread; ${units.gmailUnitsPerDraftOngoingThread} in an ongoing thread` },
    { metric: 'gmailUnitsPerSkip', value: String(units.gmailUnitsPerSkip), target: '≤ 7', note: kinds },
    { metric: 'cpuMsPerEmail', value: String(cpu.cpuMsPerEmail), target: '≤ 5', note: `${cpu.cpuMsPerEmailWithoutDb} without the embedded database; ${cpu.cpuMsPerEmailWithFakes} with the fakes; ${cpu.emails} emails` },
    { metric: 'latencyRatio', value: String(latency.latencyRatio), target: '≤ 1.1', note: `push→draft ${latency.pushToDraftMs} ms (waiting ${latency.waitingOnCallsMs}, other ${latency.otherMs}) / floor ${latency.floorMs} ms` },
    { metric: 'llmInputTokensPerEmail', value: String(tokens.llmInputTokensPerEmail), note: `naive whole-thread prompt: ${tokens.naiveInputTokensPerEmail}` },
    { metric: 'llmTokenRatio', value: String(tokens.llmTokenRatio), target: '≤ 0.3' },
    { metric: 'accountsPerMinute', value: String(throughput.accountsPerMinute), note: `in-process queue, one sync at a time; ${throughput.accountsPerMinuteConcurrent} with every sync at once (Queues scaled out)` },
    { metric: 'bundleGzipBytes', value: String(bundle.bundleGzipBytes), note: `${kib(bundle.bundleGzipBytes)} gzip, ${kib(bundle.bundleBytes)} raw${bundle.rebuilt ? ', rebuilt' : ''}` },
  ];
  const m = results.machine;
  process.stdout.write(`${formatTable(rows)}\n\n`);
  process.stdout.write(`calls per draft: ${Object.entries(units.callsPerDraft).map(([k, v]) => `${k} ${v}`).join(', ')}; database statements per draft: ${units.dbStatementsPerDraft}, per skip: ${units.dbStatementsPerSkip}; subrequests per draft (Workers): ${units.subrequestsPerDraft}\n`);
  process.stdout.write(`machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}, load ${m.loadAverage}\n`);
  process.stdout.write('written: bench/results.json\n');
}
