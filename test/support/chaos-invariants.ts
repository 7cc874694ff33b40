import { expect } from 'vitest';
import { sealedAs } from '../../src/db/sealed';
import { ATTACKER, CANARY, cursorMoves, type Chaos } from './chaos';
import { databaseFiles } from './database-files';
import { queueMessageProblem } from './queue-messages';

/**
 * What must hold after any storm, once the faults have cleared and retries and the cron have run:
 * 1. every email that deserves a draft has exactly one in its thread, and no other thread has any;
 * 2. the history cursor never moved back (every value it took, recorded by a database trigger),
 *    and it ended past every delivered mail;
 * 3. nothing is at rest: no canary (subject, body, names, addresses, order facts) in the database
 *    file and its -wal/-shm/-journal, the log lines, the queue messages or any error met; no secret
 *    (refresh token, access token, store credentials) in logs, queue messages or errors;
 * 4. the system is quiet: no lease held, no request left hanging without a timeout.
 * violations() lists what is wrong, so a test can also show the checks catch a planted fault.
 */
export const NEEDLES = Object.values(CANARY).flatMap((v) => [v, v.toLowerCase()]);
const ACCESS_TOKEN = /ya29\.[A-Za-z0-9_-]{10,}/;

export async function violations(c: Chaos): Promise<string[]> {
  return [
    ...draftViolations(c),
    ...(await cursorViolations(c)),
    ...(await leakViolations(c)),
    ...(await quietViolations(c)),
  ];
}

export async function expectInvariants(c: Chaos): Promise<void> {
  expect(await violations(c)).toEqual([]);
}

export function draftViolations(c: Chaos): string[] {
  const perThread = new Map<string, number>();
  for (const d of c.google.drafts(c.mailbox)) perThread.set(d.threadId, (perThread.get(d.threadId) ?? 0) + 1);
  const out: string[] = [];
  for (const thread of c.deserving) {
    const n = perThread.get(thread) ?? 0;
    if (n !== 1) out.push(`thread ${thread} has ${n} drafts, expected 1`);
  }
  for (const [thread, n] of perThread)
    if (!c.deserving.has(thread)) out.push(`thread ${thread} has ${n} drafts, expected none`);
  // Order data goes only to the address the order was matched with, whatever Reply-To said.
  for (const d of c.google.drafts(c.mailbox)) {
    const to = /^To: (.*)$/m.exec(d.raw)?.[1]?.trim();
    if (to !== CANARY.senderAddress)
      out.push(`draft in thread ${d.threadId} addressed to ${to === ATTACKER ? 'the attacker' : 'someone else'}`);
  }
  return out;
}

export async function cursorViolations(c: Chaos): Promise<string[]> {
  const moves = await cursorMoves(c.s, c.accountId);
  const out: string[] = [];
  let last: bigint | null = null;
  for (const value of moves) {
    if (value === null) {
      if (last !== null) out.push(`cursor went from ${last} back to null`);
      continue;
    }
    const v = BigInt(value);
    if (last !== null && v < last) out.push(`cursor moved back from ${last} to ${v}`);
    last = v;
  }
  const newest = c.delivered.reduce((m, h) => (BigInt(h) > m ? BigInt(h) : m), 0n);
  const final = (await c.connection())?.historyCursor;
  if (!final || BigInt(final) < newest) out.push(`cursor ${final} ends before the newest mail ${newest}`);
  return out;
}

export async function leakViolations(c: Chaos): Promise<string[]> {
  const out: string[] = [];
  for (const { file, text } of databaseFiles(c.rt.dbPath)) {
    for (const needle of NEEDLES) if (text.includes(needle)) out.push(`${needle} in ${file}`);
  }
  const secrets = await secretsOf(c);
  const places: [string, readonly string[]][] = [
    ['log', c.rt.logs],
    ['queue', c.rt.queueMessages],
    ['error', c.errors],
  ];
  for (const [where, lines] of places) {
    for (const line of lines) {
      for (const needle of [...NEEDLES, ...secrets])
        if (line.includes(needle)) out.push(`${needle.slice(0, 24)} in ${where}: ${line.slice(0, 200)}`);
      if (ACCESS_TOKEN.test(line)) out.push(`an access token in ${where}`);
    }
  }
  for (const message of c.rt.queueMessages) {
    const problem = queueMessageProblem(message);
    if (problem) out.push(problem);
  }
  return out;
}

/** The account's live secrets, opened from the database, to look for where they must not be. */
async function secretsOf(c: Chaos): Promise<string[]> {
  const out = [c.s.config.google.clientSecret];
  const gmail = await c.connection();
  if (gmail?.sealedRefreshToken)
    out.push(await c.s.sealer.open(gmail.sealedRefreshToken, sealedAs.gmailRefreshToken(c.accountId)));
  const store = await c.s.db.query.storeConnections.findFirst();
  if (store?.sealedCredentials) {
    const creds = JSON.parse(
      await c.s.sealer.open(store.sealedCredentials, sealedAs.storeCredentials(store.id)),
    ) as Record<string, string>;
    out.push(...Object.values(creds).filter((v) => v.length >= 12));
  }
  return out;
}

export async function quietViolations(c: Chaos): Promise<string[]> {
  const out: string[] = [];
  const gmail = await c.connection();
  if (gmail?.syncLeaseOwner) out.push(`lease still held by ${gmail.syncLeaseOwner}`);
  if (c.net.stuck()) out.push(`${c.net.stuck()} requests hang with no timeout`);
  return out;
}

/** queue.retry log lines for one failure class, with the delay the consumer asked for. */
export function retries(c: Chaos, errorClass?: string): { ms: number; errorClass: string; attempt: number }[] {
  return c
    .events('queue.retry')
    .filter((e) => !errorClass || e.errorClass === errorClass)
    .map((e) => ({ ms: Number(e.ms), errorClass: String(e.errorClass), attempt: Number(e.attempt) }));
}
