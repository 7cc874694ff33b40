import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * Size of the Workers bundle that `npm run build` writes to dist/ (wrangler deploy --dry-run), counted
 * the way scripts/build.mjs prints it: every file but source maps, each gzipped. The build runs first
 * when dist/ is missing or older than the sources it was built from.
 */
export interface BundleResult {
  bundleBytes: number;
  bundleGzipBytes: number;
  rebuilt: boolean;
}

export function measureBundle(root: string, opts: { forceBuild?: boolean } = {}): BundleResult {
  const dist = join(root, 'dist');
  const rebuilt = !!opts.forceBuild || isStale(root, dist);
  if (rebuilt) {
    // Build output goes to stderr, so that `npm run bench -- --json` prints nothing but JSON.
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  }
  let raw = 0;
  let gzip = 0;
  for (const name of readdirSync(dist)) {
    const path = join(dist, name);
    if (!statSync(path).isFile() || name.endsWith('.map')) continue;
    raw += statSync(path).size;
    gzip += gzipSync(readFileSync(path)).length;
  }
  return { bundleBytes: raw, bundleGzipBytes: gzip, rebuilt };
}

function isStale(root: string, dist: string): boolean {
  const bundle = join(dist, 'worker.js');
  if (!existsSync(bundle)) return true;
  const built = statSync(bundle).mtimeMs;
  const inputs = [
    join(root, 'package-lock.json'),
    join(root, 'wrangler.toml'),
    ...filesUnder(join(root, 'src')),
    ...filesUnder(join(root, 'webhooks')),
  ];
  return inputs.some((f) => statSync(f).mtimeMs > built);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}
