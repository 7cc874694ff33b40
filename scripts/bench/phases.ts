import { encodeChat } from 'gpt-tokenizer/model/gpt-4o-mini';
import { SYSTEM_PROMPT } from '../../src/drafting/prompt';
import {
  conversation,
  customer,
  modelDecidedSkip,
  orderOf,
  skipSamples,
  type Conversation,
  type SkipSample,
} from './conversations';
import type { RoutedCall, SideWork } from './router';
import { createWorld, type World } from './world';

/**
 * The benchmark's measurements, one function each. Every one builds its own world (app, database,
 * fakes), so that one measurement's state never skews another's.
 */
const MAILBOX = 'shop@bench.example';

async function worldWithCustomers(count: number, options: Parameters<typeof createWorld>[0] = {}) {
  const world = await createWorld(options);
  const orders = Array.from({ length: count }, (_, i) => orderOf(customer(i), i));
  await world.addMerchant({ mailbox: MAILBOX, store: 'shopify', orders });
  return world;
}

/** The customer's newest message of conversation `i` (it quotes the four before it). */
function newestMessage(c: Conversation): string {
  return c.messages[c.messages.length - 1]!.raw;
}

/** A skip sample arrives in the bench's mailbox, with the labels Gmail would give it. */
function arriveSample(world: World, sample: SkipSample): void {
  world.arrive(MAILBOX, sample.raw, sample.labelIds ? { labelIds: sample.labelIds } : undefined);
}

/** What the samples' threads hold before them, in the mailbox and synced (not measured). */
async function arriveEarlier(world: World, samples: SkipSample[]): Promise<void> {
  const earlier = samples.flatMap((s) => s.earlier ?? []);
  for (const m of earlier) world.arrive(MAILBOX, m.raw, { labelIds: m.labelIds });
  if (earlier.length) await world.settle();
}

function callsSince(world: World, from: number): RoutedCall[] {
  return world.router.calls.slice(from);
}

function tally(calls: RoutedCall[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c.name] = (out[c.name] ?? 0) + 1;
  return out;
}

const perEmail = (counts: Record<string, number>, n: number) =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Math.round((v / n) * 100) / 100]));

// ---------------------------------------------------------------------------------------------

export interface UnitsResult {
  /** A customer's new message in a thread of its own in the shop's mailbox (the common case). */
  gmailUnitsPerDraft: number;
  /** A customer answering in a thread the shop replied to from Gmail: the thread is read first. */
  gmailUnitsPerDraftOngoingThread: number;
  gmailUnitsPerSkip: number;
  gmailUnitsPerSkipByKind: Record<string, number>;
  callsPerDraft: Record<string, number>;
  /** Database calls per drafted email: each `execute` or `batch` is one round trip to Turso. */
  dbStatementsPerDraft: number;
  /** SQL statements inside those calls (a batch of three counts three): what Turso bills as rows read/written by. */
  dbSqlStatementsPerDraft: number;
  /** Database statements per skipped notification (push and sync), over the skip samples, each arriving alone. */
  dbStatementsPerSkip: number;
  dbStatementsPerSkipByKind: Record<string, number>;
  /** A skip only the model can decide (a thank-you under its own subject), beside the mix: units and statements. */
  modelDecidedSkip: { gmailUnits: number; dbStatements: number };
  /**
   * The same when a round's samples arrive together (a burst): their pushes meet in queue batches,
   * and the pushes of one batch for one mailbox are one sync (pipeline/consume.ts).
   */
  dbStatementsPerSkipInBurst: number;
  /**
   * What Workers would count per drafted email: every outside call plus every database statement
   * (an upper bound: statements sent in one batch are one request).
   */
  subrequestsPerDraft: number;
}

/** Gmail quota units per drafted and per skipped notification, as the Google fake bills them. */
export async function measureUnits(drafts = 60, skipRounds = 6): Promise<UnitsResult> {
  const world = await worldWithCustomers(drafts);
  try {
    const startUnits = world.google.units(MAILBOX);
    const startCalls = world.router.calls.length;
    const startDb = world.dbStatements();
    const startSql = world.dbSqlStatements();
    for (let i = 0; i < drafts; i++) {
      world.arrive(MAILBOX, newestMessage(conversation(i, MAILBOX, 'u')));
      await world.settle();
    }
    const drafted = world.google.drafts(MAILBOX).length;
    if (drafted !== drafts) throw new Error(`units: expected ${drafts} drafts, got ${drafted}`);
    const draftUnits = world.google.units(MAILBOX) - startUnits;
    const callsPerDraft = perEmail(tally(callsSince(world, startCalls)), drafts);
    const dbStatementsPerDraft = (world.dbStatements() - startDb) / drafts;
    const dbSqlStatementsPerDraft = (world.dbSqlStatements() - startSql) / drafts;

    // Ongoing threads: the earlier messages are in the mailbox (the shop's as SENT, the customer's
    // archived), then the customer's newest message arrives in the inbox.
    const ongoing = Math.min(20, drafts);
    let ongoingUnits = 0;
    for (let i = 0; i < ongoing; i++) {
      const c = conversation(i, MAILBOX, 'o');
      for (const m of c.messages.slice(0, -1))
        world.arrive(MAILBOX, m.raw, { labelIds: m.fromShop ? ['SENT'] : ['CATEGORY_PERSONAL'] });
      await world.settle();
      const before = world.google.units(MAILBOX);
      world.arrive(MAILBOX, newestMessage(c));
      await world.settle();
      ongoingUnits += world.google.units(MAILBOX) - before;
    }
    if (world.google.drafts(MAILBOX).length !== drafts + ongoing)
      throw new Error('units: an ongoing thread was not drafted');

    const byKind: Record<string, number[]> = {};
    const dbByKind: Record<string, number[]> = {};
    let skipDb = 0;
    let skips = 0;
    for (let round = 0; round < skipRounds; round++) {
      for (const sample of skipSamples(round, MAILBOX)) {
        await arriveEarlier(world, [sample]);
        const before = world.google.units(MAILBOX);
        const dbBefore = world.dbStatements();
        arriveSample(world, sample);
        await world.settle();
        (byKind[sample.kind] ??= []).push(world.google.units(MAILBOX) - before);
        (dbByKind[sample.kind] ??= []).push(world.dbStatements() - dbBefore);
        skipDb += world.dbStatements() - dbBefore;
        skips++;
      }
    }
    const dbStatementsPerSkip = skipDb / skips;
    const modelUnits: number[] = [];
    const modelDb: number[] = [];
    for (let round = 0; round < skipRounds; round++) {
      const before = world.google.units(MAILBOX);
      const dbBefore = world.dbStatements();
      world.arrive(MAILBOX, modelDecidedSkip(round, MAILBOX));
      await world.settle();
      modelUnits.push(world.google.units(MAILBOX) - before);
      modelDb.push(world.dbStatements() - dbBefore);
    }
    let burstDb = 0;
    let burstSkips = 0;
    for (let round = skipRounds; round < 2 * skipRounds; round++) {
      const samples = skipSamples(round, MAILBOX);
      await arriveEarlier(world, samples);
      const dbBefore = world.dbStatements();
      for (const sample of samples) {
        arriveSample(world, sample);
        burstSkips++;
      }
      await world.settle();
      burstDb += world.dbStatements() - dbBefore;
    }
    const dbStatementsPerSkipInBurst = burstDb / burstSkips;
    if (world.google.drafts(MAILBOX).length !== drafts + ongoing) throw new Error('units: a skip sample was drafted');
    const gmailUnitsPerSkipByKind = Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, mean(v)]));
    return {
      gmailUnitsPerDraft: round2(draftUnits / drafts),
      gmailUnitsPerDraftOngoingThread: round2(ongoingUnits / ongoing),
      gmailUnitsPerSkip: round2(mean(Object.values(gmailUnitsPerSkipByKind))),
      gmailUnitsPerSkipByKind,
      callsPerDraft,
      dbStatementsPerDraft: round2(dbStatementsPerDraft),
      dbSqlStatementsPerDraft: round2(dbSqlStatementsPerDraft),
      dbStatementsPerSkip: round2(dbStatementsPerSkip),
      dbStatementsPerSkipByKind: Object.fromEntries(Object.entries(dbByKind).map(([k, v]) => [k, round2(mean(v))])),
      modelDecidedSkip: { gmailUnits: round2(mean(modelUnits)), dbStatements: round2(mean(modelDb)) },
      dbStatementsPerSkipInBurst: round2(dbStatementsPerSkipInBurst),
      subrequestsPerDraft: round2(Object.values(callsPerDraft).reduce((a, b) => a + b, 0) + dbStatementsPerDraft),
    };
  } finally {
    world.close();
  }
}

// ---------------------------------------------------------------------------------------------

export interface CpuResult {
  emails: number;
  /** The app's CPU per email: the process minus the fakes, with the embedded database. */
  cpuMsPerEmail: number;
  /** The same without the embedded database's own work (on Workers the database is remote). */
  cpuMsPerEmailWithoutDb: number;
  /** Everything the process spent, fakes included. */
  cpuMsPerEmailWithFakes: number;
  wallMsPerEmail: number;
}

/**
 * CPU per drafted email with zero-latency fakes, one email at a time: process.cpuUsage over the
 * run, minus what the fakes spent inside their handlers (they share the process).
 */
export async function measureCpu(emails = 500, warmup = 50): Promise<CpuResult> {
  const world = await worldWithCustomers(emails + warmup);
  try {
    const mails = Array.from({ length: emails + warmup }, (_, i) => newestMessage(conversation(i, MAILBOX, 'cpu')));
    for (let i = 0; i < warmup; i++) {
      world.arrive(MAILBOX, mails[i]!);
      await world.settle();
    }
    const startCalls = world.router.calls.length;
    const startDb = world.dbCpuMicros();
    let fakeMicros = 0;
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = warmup; i < warmup + emails; i++) {
      const before = process.cpuUsage();
      world.arrive(MAILBOX, mails[i]!); // Gmail storing the message is the fake's work
      const inserted = process.cpuUsage(before);
      fakeMicros += inserted.user + inserted.system;
      await world.settle();
    }
    const cpu = process.cpuUsage(cpuStart);
    const wall = performance.now() - wallStart;
    fakeMicros += callsSince(world, startCalls).reduce((sum, c) => sum + c.fakeCpuMicros, 0);
    const drafted = world.google.drafts(MAILBOX).length;
    if (drafted !== emails + warmup) throw new Error(`cpu: expected ${emails + warmup} drafts, got ${drafted}`);
    const total = cpu.user + cpu.system;
    const dbMicros = world.dbCpuMicros() - startDb;
    return {
      emails,
      cpuMsPerEmail: round2((total - fakeMicros) / 1000 / emails),
      cpuMsPerEmailWithoutDb: round2((total - fakeMicros - dbMicros) / 1000 / emails),
      cpuMsPerEmailWithFakes: round2(total / 1000 / emails),
      wallMsPerEmail: round2(wall / emails),
    };
  } finally {
    world.close();
  }
}

// ---------------------------------------------------------------------------------------------

/** The outside round trips a drafted email cannot do without, one after the other (the floor). */
export const UNAVOIDABLE_ROUND_TRIPS = [
  'history.list',
  'messages.get',
  'threads.get',
  'orders',
  'chat',
  'drafts.create',
] as const;

export interface LatencyResult {
  /** Simulated round-trip time of every call: Google, the store, the LLM and each database call. */
  latencyMsPerCall: number;
  /** Median time from Gmail storing the message (and pushing) to drafts.create having answered: the draft exists. */
  pushToDraftMs: number;
  /** Median time from the push to the sync being done (its writes after the draft included). */
  pushToSettledMs: number;
  /** The unavoidable outside round trips, one after the other, at the set latency (no database round trip in it). */
  floorMs: number;
  /** pushToDraftMs / floorMs. */
  latencyRatio: number;
  /**
   * Of pushToDraftMs (medians): waiting on the outside calls (the union of their spans, so calls
   * side by side count once); waiting on the database while no outside call was in flight (what
   * the database adds to the path); and everything else (the app's CPU, the embedded engine).
   */
  waitingOnCallsMs: number;
  waitingOnDbMs: number;
  otherMs: number;
  /** Database calls per draft before the draft exists, and after it (the sync's last writes). */
  dbCallsBeforeDraft: number;
  dbCallsAfterDraft: number;
  /** Outside calls per draft by name, and `database`: database calls (each one round trip). */
  roundTripsPerDraft: Record<string, number>;
  /**
   * The other side's work in the calls before the draft (median per email, CPU of the fakes and the
   * embedded engine): inside the latency by default, so it is shown here rather than hidden.
   */
  otherSideWorkBeforeDraftMs: number;
  /** How the other side's work was counted (router.ts SideWork). */
  sideWork: SideWork;
}

/**
 * Push-to-draft wall time, one email at a time, with every outside call and every database call
 * taking `latencyMs` (a database call awaited on its own costs a round trip; one side by side with
 * another call overlaps it), against the floor: the unavoidable outside round trips one after the
 * other. latencyRatio = median(push → draft exists) / floorMs.
 */
export async function measureLatency(
  latencyMs = 20,
  emails = 30,
  warmup = 3,
  o: { dbLatencyMs?: number; sideWork?: SideWork } = {},
): Promise<LatencyResult> {
  const world = await worldWithCustomers(emails + warmup);
  try {
    world.router.work = o.sideWork ?? 'inside';
    world.router.latencyMs.google = latencyMs;
    world.router.latencyMs.store = latencyMs;
    world.router.latencyMs.llm = latencyMs;
    // Another database latency only to see what the database costs (0: the embedded file's own time).
    world.dbLatency.ms = o.dbLatencyMs ?? latencyMs;
    const toDraft: number[] = [];
    const toSettled: number[] = [];
    const onCalls: number[] = [];
    const onDb: number[] = [];
    const sideWork: number[] = [];
    let dbBefore = 0;
    let dbAfter = 0;
    let dbCalls = 0;
    let startCalls = 0;
    for (let i = 0; i < emails + warmup; i++) {
      const raw = newestMessage(conversation(i, MAILBOX, 'lat'));
      if (i === warmup) startCalls = world.router.calls.length;
      const callsFrom = world.router.calls.length;
      const dbFrom = world.dbCalls.length;
      const t0 = performance.now();
      world.arrive(MAILBOX, raw);
      await world.settle();
      const settled = performance.now();
      if (i < warmup) continue;
      const calls = callsSince(world, callsFrom);
      const db = world.dbCalls.slice(dbFrom);
      const draft = calls.find((c) => c.name === 'drafts.create');
      if (!draft) throw new Error(`latency: email ${i} was not drafted`);
      // One email at a time, so every span here is this email's; only what happens before the draft
      // exists is on the path the merchant waits for.
      const callsMs = coveredMs(clip(calls, t0, draft.end));
      toDraft.push(draft.end - t0);
      toSettled.push(settled - t0);
      onCalls.push(callsMs);
      onDb.push(coveredMs(clip([...calls, ...db], t0, draft.end)) - callsMs);
      const dbOnPath = db.filter((d) => d.start < draft.end);
      const micros =
        calls.filter((c) => c.start < draft.end).reduce((n, c) => n + c.fakeCpuMicros, 0) +
        dbOnPath.reduce((n, d) => n + d.cpuMicros, 0);
      sideWork.push(micros / 1000);
      dbBefore += dbOnPath.length;
      dbAfter += db.length - dbOnPath.length;
      dbCalls += db.length;
    }
    if (world.google.drafts(MAILBOX).length !== emails + warmup)
      throw new Error('latency: not every email was drafted');
    const floorMs = UNAVOIDABLE_ROUND_TRIPS.length * latencyMs;
    const pushToDraftMs = median(toDraft);
    return {
      latencyMsPerCall: latencyMs,
      pushToDraftMs: round2(pushToDraftMs),
      pushToSettledMs: round2(median(toSettled)),
      floorMs,
      latencyRatio: round2(pushToDraftMs / floorMs),
      waitingOnCallsMs: round2(median(onCalls)),
      waitingOnDbMs: round2(median(onDb)),
      otherMs: round2(pushToDraftMs - median(onCalls) - median(onDb)),
      dbCallsBeforeDraft: round2(dbBefore / emails),
      dbCallsAfterDraft: round2(dbAfter / emails),
      roundTripsPerDraft: {
        ...perEmail(tally(callsSince(world, startCalls)), emails),
        database: round2(dbCalls / emails),
      },
      otherSideWorkBeforeDraftMs: round2(median(sideWork)),
      sideWork: world.router.work,
    };
  } finally {
    world.close();
  }
}

// ---------------------------------------------------------------------------------------------

export interface TokenResult {
  conversations: number;
  llmInputTokensPerEmail: number;
  naiveInputTokensPerEmail: number;
  llmTokenRatio: number;
}

type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/**
 * Prompt tokens (gpt-4o-mini's tokenizer) of what the OpenAI client really sends, captured at the
 * fake, against a naive prompt: the same instructions, order and settings, with the whole raw thread
 * (every message of it, as Gmail stores it) in place of the customer's latest words.
 */
export async function measureTokens(conversations = 24): Promise<TokenResult> {
  const world = await worldWithCustomers(conversations);
  const sent: ChatMessage[][] = [];
  world.router.onChat = (request) => sent.push((request as { messages: ChatMessage[] }).messages);
  try {
    let real = 0;
    let naive = 0;
    for (let i = 0; i < conversations; i++) {
      const c = conversation(i, MAILBOX, 'tok');
      const before = sent.length;
      world.arrive(MAILBOX, newestMessage(c));
      await world.settle();
      const request = sent[before];
      if (!request || sent.length !== before + 1)
        throw new Error(`tokens: expected one LLM call for conversation ${i}, got ${sent.length - before}`);
      real += encodeChat(request, 'gpt-4o-mini').length;
      // Everything the real prompt holds (orders, facts, policies, settings), the thread in place of the customer's words.
      const { customer: _customer, ...data } = JSON.parse(request[request.length - 1]!.content) as Record<
        string,
        unknown
      >;
      const thread = c.messages.map((m) => m.raw).join('\n');
      naive += encodeChat(
        [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: JSON.stringify({ thread, ...data }) },
        ],
        'gpt-4o-mini',
      ).length;
    }
    return {
      conversations,
      llmInputTokensPerEmail: Math.round(real / conversations),
      naiveInputTokensPerEmail: Math.round(naive / conversations),
      llmTokenRatio: round3(real / naive),
    };
  } finally {
    world.close();
  }
}

// ---------------------------------------------------------------------------------------------

export interface ThroughputResult {
  accounts: number;
  latencyMsPerCall: number;
  serialSeconds: number;
  accountsPerMinute: number;
  concurrentSeconds: number;
  accountsPerMinuteConcurrent: number;
}

/** 100 merchants, one customer email each, all pushed at once; until every draft exists. */
export async function measureThroughput(accounts = 100, latencyMs = 20): Promise<ThroughputResult> {
  const serial = await burst('serial', accounts, latencyMs);
  const concurrent = await burst('concurrent', accounts, latencyMs);
  return {
    accounts,
    latencyMsPerCall: latencyMs,
    serialSeconds: round2(serial / 1000),
    accountsPerMinute: Math.round((accounts / serial) * 60_000),
    concurrentSeconds: round2(concurrent / 1000),
    accountsPerMinuteConcurrent: Math.round((accounts / concurrent) * 60_000),
  };
}

async function burst(queue: 'serial' | 'concurrent', accounts: number, latencyMs: number): Promise<number> {
  const world = await createWorld({ queue });
  try {
    const mailboxes: string[] = [];
    for (let a = 0; a < accounts; a++) {
      const mailbox = `shop${a}@bench.example`;
      await world.addMerchant({ mailbox, store: 'shopify', orders: [orderOf(customer(a), a)] });
      mailboxes.push(mailbox);
    }
    const mails = mailboxes.map((mailbox, a) => newestMessage(conversation(a, mailbox, 'tp')));
    world.router.latencyMs.google = latencyMs;
    world.router.latencyMs.store = latencyMs;
    world.router.latencyMs.llm = latencyMs;
    // Scaled-out consumers are Workers, whose database (Turso) is a round trip away; the serial
    // queue is `npm start`'s, whose database is the embedded file next to it.
    if (queue === 'concurrent') world.dbLatency.ms = latencyMs;
    const t0 = performance.now();
    mailboxes.forEach((mailbox, a) => world.arrive(mailbox, mails[a]!));
    await world.settle();
    const elapsed = performance.now() - t0;
    const drafted = mailboxes.reduce((n, m) => n + world.google.drafts(m).length, 0);
    if (drafted !== accounts) throw new Error(`throughput (${queue}): expected ${accounts} drafts, got ${drafted}`);
    return elapsed;
  } finally {
    world.close();
  }
}

// ---------------------------------------------------------------------------------------------

/** The spans cut to the window [from, to]; spans wholly outside it are dropped. */
function clip(spans: { start: number; end: number }[], from: number, to: number): { start: number; end: number }[] {
  return spans
    .filter((c) => c.end > from && c.start < to)
    .map((c) => ({ start: Math.max(c.start, from), end: Math.min(c.end, to) }));
}

/** Wall time during which at least one call was in flight. */
function coveredMs(calls: { start: number; end: number }[]): number {
  const spans = calls.map((c) => [c.start, c.end] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [from, to] = [-Infinity, -Infinity];
  for (const [start, end] of spans) {
    if (start > to) {
      if (to > from) total += to - from;
      [from, to] = [start, end];
    } else if (end > to) to = end;
  }
  if (to > from) total += to - from;
  return total;
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const round3 = (n: number) => Math.round(n * 1000) / 1000;
