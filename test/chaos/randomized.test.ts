import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Target } from '../support/fault-fetch';
import { startChaos, type Chaos } from '../support/chaos';
import { violations } from '../support/chaos-invariants';

/**
 * Faults of every kind mixed at random across several mails and rounds of triggers, then the
 * faults clear, the cron runs, and the invariants must hold. The seed is in the test's name and
 * in fast-check's report; CHAOS_SEED=<seed> replays a run, CHAOS_RUNS=<n> explores longer.
 */
const SEED = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUNS = process.env.CHAOS_RUNS ? Number(process.env.CHAOS_RUNS) : 6;

type Fault =
  | {
      kind: 'google';
      method: 'history.list' | 'messages.get' | 'threads.get' | 'drafts.create' | 'token';
      status: 429 | 500 | 503;
      count: number;
      retryAfter: number;
    }
  | { kind: 'net'; target: Target; fault: 'hang' | 'drop' | 'drop_after'; count: number }
  | { kind: 'crash' };
/** Hostile mail (poison, hostileHtml, replyToAttack) is mixed in with the faults. */
type Mail = 'question' | 'followUp' | 'newsletter' | 'poison' | 'hostileHtml' | 'replyToAttack';
type Trigger = { kind: 'queue' | 'sync' | 'push' | 'cron' } | { kind: 'storm'; size: number };
interface Round {
  mails: Mail[];
  faults: Fault[];
  triggers: Trigger[];
}

const gmailTarget = fc.constantFrom(
  'history.list',
  'messages.get',
  'threads.get',
  'drafts.create',
  'token',
) as fc.Arbitrary<'history.list' | 'messages.get' | 'threads.get' | 'drafts.create' | 'token'>;
const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({
    kind: fc.constant('google' as const),
    method: gmailTarget,
    status: fc.constantFrom(429 as const, 500 as const, 503 as const),
    count: fc.integer({ min: 1, max: 3 }),
    retryAfter: fc.integer({ min: 0, max: 120 }),
  }),
  fc.record({
    kind: fc.constant('net' as const),
    target: gmailTarget as fc.Arbitrary<Target>,
    fault: fc.constantFrom('hang' as const, 'drop' as const, 'drop_after' as const),
    count: fc.integer({ min: 1, max: 2 }),
  }),
  // The model and the store are retried in-process, three attempts: one fault each is recoverable.
  fc.record({
    kind: fc.constant('net' as const),
    target: fc.constantFrom<Target>('model', 'store'),
    fault: fc.constantFrom('hang' as const, 'drop' as const),
    count: fc.constant(1),
  }),
  fc.constant({ kind: 'crash' as const }),
);
const trigger: fc.Arbitrary<Trigger> = fc.oneof(
  fc.record({ kind: fc.constantFrom('queue' as const, 'sync' as const, 'push' as const, 'cron' as const) }),
  fc.record({ kind: fc.constant('storm' as const), size: fc.integer({ min: 5, max: 25 }) }),
);
const round: fc.Arbitrary<Round> = fc.record({
  mails: fc.array(
    fc.constantFrom<Mail>('question', 'question', 'followUp', 'newsletter', 'poison', 'hostileHtml', 'replyToAttack'),
    { minLength: 1, maxLength: 4 },
  ),
  faults: fc.array(fault, { maxLength: 3 }),
  triggers: fc.array(trigger, { minLength: 1, maxLength: 3 }),
});

async function play(c: Chaos, rounds: Round[]): Promise<void> {
  let last: ReturnType<Chaos['question']> | null = null;
  for (const r of rounds) {
    for (const f of r.faults) {
      // Access tokens live an hour and are reused: a token fault only bites once they have expired.
      if ((f.kind === 'google' && f.method === 'token') || (f.kind === 'net' && f.target === 'token'))
        c.google.expireAccessTokens();
      if (f.kind === 'google')
        c.google.failNext(f.method, { status: f.status, count: f.count, retryAfterSeconds: f.retryAfter });
      else if (f.kind === 'net') c.net.failNext(f.target, f.fault, f.count);
      else c.crashAfterDraft(1);
    }
    for (const m of r.mails) {
      if (m === 'followUp' && last) c.followUp(last);
      else if (m === 'newsletter') c.newsletter();
      else if (m === 'poison') c.poison();
      else if (m === 'hostileHtml') c.hostileHtml();
      else if (m === 'replyToAttack') c.replyToAttack();
      else last = c.question();
    }
    for (const t of r.triggers) {
      if (t.kind === 'queue') await c.trigger();
      else if (t.kind === 'sync') await c.sync();
      else if (t.kind === 'push') await c.replay(c.pushes.at(-1)!);
      else if (t.kind === 'cron') await c.cron();
      else if ('size' in t)
        await Promise.all(
          Array.from({ length: t.size }, (_, i) =>
            i % 3 === 0 ? c.sync() : i % 3 === 1 ? c.trigger() : c.replay(c.pushes.at(-1)!),
          ),
        );
    }
    await c.settle();
    // A client without a timeout would leave its request hanging here.
    expect(c.net.stuck()).toBe(0);
    // Model and store faults left unmet would pile up into the next round past the in-process retries.
    c.net.clear();
  }
  // The faults clear; the cron polls (more than once: a crash leaves a lease that only expires
  // later, and a burst longer than the queue's retries is dead-lettered until the next cron).
  c.calm();
  for (let i = 0; i < 3; i++) await c.cron();
}

describe('chaos: randomized faults across mails and rounds', () => {
  it(`keeps every invariant (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(round, { minLength: 1, maxLength: 3 }), async (rounds) => {
        const c = await startChaos({ timeoutMs: 100 });
        try {
          await play(c, rounds);
          const found = await violations(c);
          if (found.length && process.env.CHAOS_DEBUG)
            console.log(
              JSON.stringify(
                {
                  counters: await c.counters(),
                  events: c.events().map((e) => `${e.event} ${e.reason ?? ''} ${e.errorClass ?? ''}`),
                },
                null,
                1,
              ),
            );
          expect(found).toEqual([]);
          expect(c.google.drafts(c.mailbox).length).toBe(c.deserving.size);
        } finally {
          c.close();
        }
      }),
      { seed: SEED, path: process.env.CHAOS_PATH, numRuns: RUNS, endOnFailure: true },
    );
  }, 120_000);
});
