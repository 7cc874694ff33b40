import { serve } from '@hono/node-server';
import { ConfigError, parseConfig } from './config';
import { migrateDb, openNodeDb } from './db/node';
import { createLogger } from './platform/log';
import { runScheduled } from './pipeline/schedule';
import { createLocalRuntime } from './runtime/local';
import { loadLocalEnv } from './runtime/local-secrets';

/** Local entry: `npm start`. Embedded libSQL file, in-process queue, a timer in place of Cron Triggers. */
async function main() {
  let config;
  try {
    config = parseConfig(loadLocalEnv('.dev.vars', process.env));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const { db, client } = openNodeDb(config.database.url, config.database.authToken);
  await migrateDb(db);

  const runtime = createLocalRuntime({ config, db });
  const logger = createLogger(config.logLevel);
  const server = serve({ fetch: runtime.app.fetch, port: config.port }, () => {
    logger.info('server.started', { port: config.port, mode: config.mode });
    console.log(`Draftline (${config.mode} mode) at ${config.appUrl}  ·  health: ${config.appUrl}/healthz`);
  });

  // Every 5 minutes, like the Cron Trigger in wrangler.toml.
  // A rejected run (say, the queue refusing a message) must not end the process: log it and wait
  // for the next tick, as the Cron Trigger would.
  const cron = setInterval(() => void runScheduled(runtime.services).catch(() => logger.error('cron.failed')), 5 * 60_000);
  const stop = () => {
    clearInterval(cron);
    server.close();
    client.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
