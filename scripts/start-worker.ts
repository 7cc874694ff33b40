import { resolve } from 'node:path';
import { LogLevel } from 'miniflare';
import { loadLocalEnv } from '../src/runtime/local-secrets';
import { startWorkerWorld, type WorkerWorld } from './worker-world';

/**
 * `npm run start:worker`: the sandbox on the production runtime. The Worker bundle exactly as
 * `wrangler deploy` would upload it runs in workerd (Miniflare) with wrangler.toml's queue and cron,
 * and the sandbox runs beside it in Node: the fakes, the control API and a libSQL-over-HTTP
 * endpoint over a local file standing in for Turso. Everything answers on PORT (default 8787),
 * with the same sandbox contract as `npm start` (POST /sandbox/reset, /sandbox/gmail/messages,
 * GET /sandbox/gmail/drafts, /sandbox/mail); /healthz answers {"ok":true,"mode":"sandbox","runtime":"workerd"}.
 *
 * The Worker itself runs live, as deployed, with every outside API pointed at the fakes: the
 * deployed entry can never be switched to the sandbox, so no separate sandbox entry is built
 * either; scripts/worker-world.ts explains the split. What that means for a newcomer: the pages are
 * the live ones (no sandbox banner or test-email button; the sandbox's own pages are under
 * /sandbox/…), and a store URL typed into the WooCommerce connect form must be public (use
 * /sandbox/reset for the sandbox store).
 *
 * Secrets come from .dev.vars like `npm start` (generated there on first start); the database is
 * data/draftline-workerd.db unless DATABASE_URL names another file: database. The Cron Trigger
 * runs every 5 minutes, as wrangler.toml says. Ctrl-C stops workerd, the fakes and the endpoint.
 */
async function main() {
  const env = loadLocalEnv('.dev.vars', process.env);
  const port = Number(env.PORT?.trim() || 8787);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`PORT: must be a port number (it is "${env.PORT}")`);
  const appUrl = (env.APP_URL?.trim() || `http://localhost:${port}`).replace(/\/+$/, '');
  const databaseUrl = env.DATABASE_URL?.trim() || 'file:./data/draftline-workerd.db';
  if (!databaseUrl.startsWith('file:'))
    fail(
      'DATABASE_URL: npm run start:worker serves a local file: database to the Worker over HTTP; give a file: URL or leave it unset',
    );
  const logLevel = (['debug', 'info', 'warn', 'error'] as const).find((l) => l === env.LOG_LEVEL) ?? 'info';

  let world: WorkerWorld;
  try {
    world = await startWorkerWorld({
      port,
      hostname: undefined,
      appUrl: () => appUrl,
      dbPath: resolve(databaseUrl.slice('file:'.length)),
      secrets: {
        TOKEN_ENCRYPTION_KEY: env.TOKEN_ENCRYPTION_KEY!,
        SESSION_SECRET: env.SESSION_SECRET!,
        HASH_KEY: env.HASH_KEY!,
      },
      logLevel,
      onWorkerLine: (line) => console.log(line),
      miniflareLogLevel: LogLevel.WARN,
      onMiniflareLine: (line) => console.error(line),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      fail(`Port ${port} is already in use; choose another: PORT=${port + 1} npm run start:worker`);
    if (e.code === 'EACCES')
      fail(`Port ${port} needs privileges this user does not have; choose another: PORT=8787 npm run start:worker`);
    throw err;
  }
  console.log(`Draftline (sandbox mode, production Worker in workerd) at ${appUrl}  ·  health: ${appUrl}/healthz`);

  // The Cron Trigger: wrangler.toml's schedule (every 5 minutes); a tick never overlaps the last one.
  const every = cronMinutes(world.crons[0]) * 60_000;
  let ticking = false;
  const cron = setInterval(() => {
    if (ticking) return;
    ticking = true;
    world
      .scheduled()
      .catch(() => console.error('cron tick failed'))
      .finally(() => (ticking = false));
  }, every);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(cron);
    await world.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/** Minutes between ticks for a `*\/N * * * *` schedule (what wrangler.toml uses); 5 otherwise. */
function cronMinutes(cron: string | undefined): number {
  const m = cron ? /^\*\/(\d+) \* \* \* \*$/.exec(cron.trim()) : null;
  return m ? Math.max(1, Number(m[1])) : 5;
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

void main();
