import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';
import { startTestRuntime, type TestRuntime } from './runtime';

/** Real headless Chromium against the app served over real HTTP, in sandbox mode. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
if (!hasChromium) {
  console.warn(
    `[browser tests skipped] no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH).`,
  );
}

export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/** A port nobody listens on right now, on the loopback address. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface ServedApp {
  rt: TestRuntime;
  url: string;
  close(): Promise<void>;
}

export async function serveSandbox(): Promise<ServedApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const rt = await startTestRuntime({ APP_URL: url, LOG_LEVEL: 'info' });
  const server = serve({ fetch: rt.app.fetch, port, hostname: '127.0.0.1' });
  return {
    rt,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rt.close();
          resolve();
        });
      }),
  };
}
