import { serve } from '@hono/node-server';
import { ConfigError, parseConfig } from './config';
import { DatabaseOpenError, databaseProblem, migrateDb, openNodeDb } from './db/node';
import { createLogger } from './platform/log';
import { runScheduled } from './pipeline/schedule';
import { createLocalRuntime } from './runtime/local';
import { loadLocalEnv } from './runtime/local-secrets';

/**
 * Ends the start with what went wrong, for the person who typed `npm start`: the message alone,
 * exit code 1, no stack trace (a trace would bury the one line that says what to change).
 */
function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** Local entry: `npm start`. Embedded libSQL file, in-process queue, a timer in place of Cron Triggers. */
async function main() {
  let config;
  const env = loadLocalEnv('.dev.vars', process.env);
  try {
    config = parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }

  let opened;
  try {
    opened = openNodeDb(config.database.url, config.database.authToken);
    await migrateDb(opened.db);
  } catch (err) {
    const problem = databaseProblem(config.database.url, err);
    if (problem instanceof DatabaseOpenError) fail(problem.message);
    throw err;
  }
  const { db, client } = opened;

  const runtime = createLocalRuntime({ config, db, runtime: 'node' });
  const logger = createLogger(config.logLevel);
  const server = serve({ fetch: runtime.app.fetch, port: config.port }, () => {
    logger.info('server.started', { port: config.port, mode: config.mode });
    console.log(banner(config.mode, config.appUrl, config.port));
  });
  // Listening failed (the port is taken, or needs privileges): one line naming the port and how
  // to choose another, instead of Node's unhandled 'error' event and its stack trace.
  server.on('error', (err: NodeJS.ErrnoException) => fail(listenProblem(config.port, err, !!env.APP_URL?.trim())));

  // Every 5 minutes, like the Cron Trigger in wrangler.toml.
  // A rejected run (say, the queue refusing a message) must not end the process: log it and wait
  // for the next tick, as the Cron Trigger would.
  const cron = setInterval(
    () => void runScheduled(runtime.services).catch(() => logger.error('cron.failed')),
    5 * 60_000,
  );
  const stop = () => {
    clearInterval(cron);
    server.close();
    client.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * The address to open. Without APP_URL that is http://localhost:$PORT (src/config.ts), where the
 * server listens; an APP_URL set to something else (a tunnel, a proxy) is shown with the local port.
 */
function banner(mode: string, appUrl: string, port: number): string {
  const url = new URL(appUrl);
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  const urlPort = url.port || (url.protocol === 'https:' ? '443' : '80');
  const where = local && urlPort === String(port) ? '' : `  ·  listening on port ${port}`;
  return `Draftline (${mode} mode) at ${appUrl}  ·  health: ${appUrl}/healthz${where}`;
}

function listenProblem(port: number, err: NodeJS.ErrnoException, appUrlSet: boolean): string {
  const next = port < 65535 ? port + 1 : 8787;
  const choose = `PORT=${next} npm start${appUrlSet ? ' (and change APP_URL to match)' : ''}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `Draftline cannot start: port ${port} is already in use (another Draftline, or another program). Choose another port: ${choose}`;
    case 'EACCES':
    case 'EPERM':
      return `Draftline cannot start: port ${port} needs more privileges than this user has. Choose another port: ${choose}`;
    default:
      return `Draftline cannot start: listening on port ${port} failed (${err.code ?? err.message}). Choose another port: ${choose}`;
  }
}

void main();
