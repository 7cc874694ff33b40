/**
 * Profiles the bench's CPU phase (scripts/bench/phases.ts `measureCpu`): the same world and the
 * same mail, one email at a time with zero-latency fakes, with V8's sampling profiler on only while
 * the measured emails run (not while modules load, the world is built or the warm-up runs).
 *
 *   npx tsx scripts/bench/profile-cpu.ts [--emails 500] [--out /tmp/prof]
 *   npx tsx scripts/bench/profile-report.ts /tmp/prof
 *
 * `--measure` runs the bench's own measureCpu instead and prints its figures (as `npm run bench`
 * does, several runs apart); under `node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof` it
 * profiles the whole run (the report then shows module loading and set-up too).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { conversation, customer, orderOf } from './conversations';
import { measureCpu } from './phases';
import { createWorld } from './world';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const emails = Math.max(1, Number(arg('--emails', '500')));
const warmup = 50;
const outDir = arg('--out', '/tmp/prof');
const MAILBOX = 'shop@bench.example';

if (args.includes('--measure')) {
  const runs = Number(arg('--runs', '1'));
  for (let r = 0; r < runs; r++) process.stdout.write(`${JSON.stringify(await measureCpu(emails))}\n`);
  process.exit(0);
}

const world = await createWorld();
const orders = Array.from({ length: emails + warmup }, (_, i) => orderOf(customer(i), i));
await world.addMerchant({ mailbox: MAILBOX, store: 'shopify', orders });
const mails = Array.from({ length: emails + warmup }, (_, i) => conversation(i, MAILBOX, 'cpu').messages.at(-1)!.raw);
for (let i = 0; i < warmup; i++) {
  world.arrive(MAILBOX, mails[i]!);
  await world.settle();
}

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 250 });
await session.post('Profiler.start');
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
for (let i = warmup; i < warmup + emails; i++) {
  world.arrive(MAILBOX, mails[i]!);
  await world.settle();
}
const cpu = process.cpuUsage(cpuStart);
const wall = performance.now() - wallStart;
const { profile } = await session.post('Profiler.stop');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `cpu-phase-${Date.now()}.cpuprofile`);
writeFileSync(file, JSON.stringify(profile));
process.stderr.write(`profile: ${file}\n`);
session.disconnect();
if (world.google.drafts(MAILBOX).length !== emails + warmup) throw new Error('profile: not every email was drafted');
world.close();
// Under the profiler: inflated, for orientation only (npm run bench gives the figures).
process.stdout.write(
  `${emails} emails, process CPU ${((cpu.user + cpu.system) / 1000 / emails).toFixed(2)} ms/email (fakes and database included), wall ${(wall / emails).toFixed(2)} ms/email\n`,
);
