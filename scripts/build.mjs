// `npm run build`: the Workers bundle exactly as `wrangler deploy` would upload it, and its size.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', 'dist'], {
  stdio: 'inherit',
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
});
let raw = 0;
let gzip = 0;
for (const name of readdirSync('dist')) {
  const path = join('dist', name);
  if (!statSync(path).isFile() || name.endsWith('.map')) continue;
  raw += statSync(path).size;
  gzip += gzipSync(readFileSync(path)).length;
}
console.log(`Workers bundle: ${(raw / 1024).toFixed(0)} KiB raw, ${(gzip / 1024).toFixed(0)} KiB gzip`);
