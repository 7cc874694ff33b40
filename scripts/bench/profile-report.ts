/**
 * Reads a V8 .cpuprofile (scripts/bench/profile-cpu.ts or `node --cpu-prof`) and prints where the
 * time went. Each sample is charged to an owner, read from its stack leaf first, the way the
 * bench's measureCpu subtracts CPU: the embedded database (libsql and @libsql/client), the fakes
 * (src/sandbox, and Hono serving them for the bench router), the bench's own plumbing, or the app.
 * Then, for one owner (the app by default), the top functions by self and total time, and by file.
 *
 *   npx tsx scripts/bench/profile-report.ts <file-or-dir> [--top 30] [--owner app] [--per 500]
 *
 * --per N divides every figure by N (the emails profiled), giving ms per email.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: Frame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const flagged = new Set(['--top', '--owner', '--per'].flatMap((f) => [f, flag(f)]));
const target = args.find((a) => !flagged.has(a)) ?? '/tmp/prof';
const top = Number(flag('--top') ?? 30);
const wanted = flag('--owner') ?? 'app';
const per = Number(flag('--per') ?? 1);

// The newest profile when given a directory.
function profilePath(p: string): string {
  if (!statSync(p).isDirectory()) return p;
  const files = readdirSync(p).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) throw new Error(`no .cpuprofile in ${p}`);
  return join(p, files.sort((a, b) => statSync(join(p, b)).mtimeMs - statSync(join(p, a)).mtimeMs)[0]!);
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const path = (url: string) => url.replace(/^file:\/\//, '');
// The repository's own files (not its node_modules, whose packages have src/ folders too).
const own = (url: string, dir: string) => url.startsWith(`${ROOT}/${dir}`);
const isDb = (url: string) => /node_modules\/(libsql|@libsql)\//.test(url);
const isHono = (url: string) => /node_modules\/hono\//.test(url);
const lib = (url: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url)?.[1];
const short = (url: string) =>
  path(url).startsWith(`${ROOT}/`) ? path(url).slice(ROOT.length + 1) : path(url).replace(/^.*\/node_modules\//, '');
// tsx compiles a file to a few long lines: a column tells its anonymous functions apart.
const key = (f: Frame) =>
  `${f.functionName || '(anonymous)'} ${short(f.url) || '(native)'}${f.url ? `:${f.lineNumber + 1}${f.functionName ? '' : `:${f.columnNumber + 1}`}` : ''}`;

const profile = JSON.parse(readFileSync(profilePath(target), 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function stackOf(id: number): Frame[] {
  const frames: Frame[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur))
    frames.push(byId.get(cur)!.callFrame);
  return frames; // leaf first
}

/** Who a sample's time belongs to, from its stack (leaf first). */
function ownerOf(stack: Frame[]): string {
  const leaf = stack[0]!;
  if (['(garbage collector)', '(idle)', '(program)'].includes(leaf.functionName)) return leaf.functionName;
  let sawHono = false;
  for (const f of stack) {
    const url = path(f.url);
    if (isDb(url)) return 'database';
    if (own(url, 'src/sandbox/')) return 'fakes';
    if (own(url, 'scripts/bench/router.ts')) return sawHono ? 'fakes' : 'bench router';
    if (own(url, 'scripts/')) return sawHono ? 'app' : 'bench';
    if (own(url, 'src/')) return 'app';
    if (isHono(url)) sawHono = true;
  }
  // An async continuation inside a library, with no caller on the stack.
  const first = stack.find((f) => f.url);
  return `unowned ${first ? (lib(path(first.url)) ?? short(first.url)) : 'native'}`;
}

const owners = new Map<string, number>();
const self = new Map<string, number>();
const total = new Map<string, number>();
const files = new Map<string, number>();
const fileTotals = new Map<string, number>();
let all = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const us = profile.timeDeltas[i + 1] ?? 0; // a sample lasts until the next one
  const stack = stackOf(profile.samples[i]!);
  const owner = ownerOf(stack);
  all += us;
  owners.set(owner, (owners.get(owner) ?? 0) + us);
  if (owner !== wanted) continue;
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + us);
  add(self, key(stack[0]!));
  // The app file a sample's time is spent under, and the library (or runtime part) it called
  // into: everything that library did for it, natives and its own dependencies included.
  const k = stack.findIndex((f) => own(path(f.url), 'src/'));
  const entry =
    k > 0
      ? stack
          .slice(0, k)
          .reverse()
          .find((f) => f.url)
      : undefined;
  const entryName = entry ? (lib(path(entry.url)) ?? short(entry.url)) : k > 0 ? 'native' : 'own code';
  add(files, k >= 0 ? `${short(stack[k]!.url)} → ${entryName}` : `unowned ${entryName}`);
  add(fileTotals, k >= 0 ? short(stack[k]!.url) : '(no app frame on the stack)');
  const seen = new Set<string>(); // recursion counts once
  for (const f of stack) {
    const k = key(f);
    if (!seen.has(k)) add(total, k);
    seen.add(k);
  }
}

const fmt = (us: number) =>
  `${(us / 1000 / per).toFixed(per > 1 ? 3 : 1).padStart(9)} ms ${`${((us / all) * 100).toFixed(1)}%`.padStart(6)}`;
const print = (title: string, m: Map<string, number>, n = top) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) process.stdout.write(`${fmt(v)}  ${k}\n`);
};

process.stdout.write(
  `${profilePath(target)}: ${(all / 1000).toFixed(0)} ms sampled${per > 1 ? `, figures per email over ${per}` : ''}\n`,
);
print('by owner', owners, 50);
print(`${wanted}: top self time (leaf function, libraries included)`, self);
print(`${wanted}: top total time`, total);
print(`${wanted}: by app file, everything it called included`, fileTotals);
print(`${wanted}: by app file and what it called into (natives and the library's own dependencies included)`, files);
