import { encodeChat } from 'gpt-tokenizer/model/gpt-4o-mini';
import { SYSTEM_PROMPT } from '../../src/drafting/prompt';
import { conversation, customer, orderOf, skipSamples, type Conversation } from './conversations';
import type { RoutedCall } from './router';
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
  dbStatementsPerDraft: number;
  /** Database statements per skipped notification (push and sync), over the skip samples. */
  dbStatementsPerSkip: number;
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
    for (let i = 0; i < drafts; i++) {
      world.arrive(MAILBOX, newestMessage(conversation(i, MAILBOX, 'u')));
      await world.settle();
    }
    const drafted = world.google.drafts(MAILBOX).length;
    if (drafted !== drafts) throw new Error(`units: expected ${drafts} drafts, got ${drafted}`);
    const draftUnits = world.google.units(MAILBOX) - startUnits;
    const callsPerDraft = perEmail(tally(callsSince(world, startCalls)), drafts);
    const dbStatementsPerDraft = (world.dbStatements() - startDb) / drafts;

    // Ongoing threads: the earlier messages are in the mailbox (the shop's as SENT, the customer's
    // archived), then the customer's newest message arrives in the inbox.
    const ongoing = Math.min(20, drafts);
    let ongoingUnits = 0;
    for (let i = 0; i < ongoing; i++) {
      const c = conversation(i, MAILBOX, 'o');
      for (const m of c.messages.slice(0, -1)) world.arrive(MAILBOX, m.raw, { labelIds: m.fromShop ? ['SENT'] : ['CATEGORY_PERSONAL'] });
      await world.settle();
      const before = world.google.units(MAILBOX);
      world.arrive(MAILBOX, newestMessage(c));
      await world.settle();
      ongoingUnits += world.google.units(MAILBOX) - before;
    }
    if (world.google.drafts(MAILBOX).length !== drafts + ongoing) throw new Error('units: an ongoing thread was not drafted');

    const byKind: Record<string, number[]> = {};
    const skipDbStart = world.dbStatements();
    let skips = 0;
    for (let round = 0; round < skipRounds; round++) {
      for (const sample of skipSamples(round, MAILBOX)) {
        const before = world.google.units(MAILBOX);
        world.arrive(MAILBOX, sample.raw, sample.labelIds ? { labelIds: sample.labelIds } : undefined);
        await world.settle();
        (byKind[sample.kind] ??= []).push(world.google.units(MAILBOX) - before);
        skips++;
      }
    }
    if (world.google.drafts(MAILBOX).length !== drafts + ongoing) throw new Error('units: a skip sample was drafted');
    const dbStatementsPerSkip = (world.dbStatements() - skipDbStart) / skips;
    const gmailUnitsPerSkipByKind = Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, mean(v)]));
    return {
      gmailUnitsPerDraft: round2(draftUnits / drafts),
      gmailUnitsPerDraftOngoingThread: round2(ongoingUnits / ongoing),
      gmailUnitsPerSkip: round2(mean(Object.values(gmailUnitsPerSkipByKind))),
      gmailUnitsPerSkipByKind,
      callsPerDraft,
      dbStatementsPerDraft: round2(dbStatementsPerDraft),
      dbStatementsPerSkip: round2(dbStatementsPerSkip),
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

/** The round trips a drafted email cannot do without, one after the other. */
export const UNAVOIDABLE_ROUND_TRIPS = ['history.list', 'messages.get', 'threads.get', 'orders', 'chat', 'drafts.create'] as const;

export interface LatencyResult {
  latencyMsPerCall: number;
  /** Median time from Gmail storing the message (and pushing) to the draft existing. */
  pushToDraftMs: number;
  /** The unavoidable round trips, one after the other, at the set latency. */
  floorMs: number;
  latencyRatio: number;
  /** Of pushToDraftMs: time spent waiting on the fakes (median), and everything else (CPU, database). */
  waitingOnCallsMs: number;
  otherMs: number;
  roundTripsPerDraft: Record<string, number>;
}

/** Push-to-draft wall time with every fake answering after `latencyMs`, against the sequential floor. */
export async function measureLatency(latencyMs = 20, emails = 30, warmup = 3): Promise<LatencyResult> {
  const world = await worldWithCustomers(emails + warmup);
  try {
    world.router.latencyMs.google = latencyMs;
    world.router.latencyMs.store = latencyMs;
    world.router.latencyMs.llm = latencyMs;
    const times: number[] = [];
    const waiting: number[] = [];
    let startCalls = 0;
    for (let i = 0; i < emails + warmup; i++) {
      const raw = newestMessage(conversation(i, MAILBOX, 'lat'));
      if (i === warmup) startCalls = world.router.calls.length;
      const before = world.router.calls.length;
      const t0 = performance.now();
      world.arrive(MAILBOX, raw);
      await world.settle();
      if (i >= warmup) {
        times.push(performance.now() - t0);
        // One email at a time; calls made side by side overlap, so the wait is the union of their spans.
        waiting.push(coveredMs(callsSince(world, before)));
      }
    }
    if (world.google.drafts(MAILBOX).length !== emails + warmup) throw new Error('latency: not every email was drafted');
    const floorMs = UNAVOIDABLE_ROUND_TRIPS.length * latencyMs;
    const pushToDraftMs = median(times);
    return {
      latencyMsPerCall: latencyMs,
      pushToDraftMs: round2(pushToDraftMs),
      floorMs,
      latencyRatio: round2(pushToDraftMs / floorMs),
      waitingOnCallsMs: round2(median(waiting)),
      otherMs: round2(pushToDraftMs - median(waiting)),
      roundTripsPerDraft: perEmail(tally(callsSince(world, startCalls)), emails),
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
      if (!request || sent.length !== before + 1) throw new Error(`tokens: expected one LLM call for conversation ${i}, got ${sent.length - before}`);
      real += encodeChat(request, 'gpt-4o-mini').length;
      // Everything the real prompt holds (orders, facts, policies, settings), the thread in place of the customer's words.
      const { customer: _customer, ...data } = JSON.parse(request[request.length - 1]!.content) as Record<string, unknown>;
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

/** Wall time during which at least one call was in flight. */
function coveredMs(calls: RoutedCall[]): number {
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
