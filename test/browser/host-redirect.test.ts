import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { freePort, hasChromium, launchChromium, SCREENSHOTS } from '../support/chromium';

/**
 * The newcomer types http://127.0.0.1:<port> while APP_URL is http://localhost:<port> (the default
 * `npm start` prints). Before the canonical-host redirect, the sign-in's state cookie was set on
 * 127.0.0.1 and Google's callback landed on localhost without it: "oauth_state". Now the first
 * page is already on localhost, and the sign-in ends signed in on the dashboard.
 */
describe.skipIf(!hasChromium)('sign-in started at 127.0.0.1 in Chromium', () => {
  let browser: Browser;
  let rt: TestRuntime;
  let port: number;
  let close: () => Promise<void>;

  beforeAll(async () => {
    port = await freePort();
    rt = await startTestRuntime({ APP_URL: `http://localhost:${port}`, LOG_LEVEL: 'info' });
    // Loopback only, like the other browser tests; Chromium reaches it as 127.0.0.1 and as localhost.
    const server = serve({ fetch: rt.app.fetch, port, hostname: '127.0.0.1' });
    close = () => new Promise<void>((done) => server.close(() => done()));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await close?.();
    rt?.close();
  });

  it('is sent to localhost before any cookie, and the Google sign-in ends signed in on the dashboard', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    try {
      await page.goto(`http://127.0.0.1:${port}/?from=typed`);
      expect(page.url()).toBe(`http://localhost:${port}/?from=typed`);
      await shot(page, 'host-redirect-01-home-at-localhost');

      await page.getByRole('link', { name: 'Sign in with Google' }).click();
      await page.waitForURL(/\/sandbox\/google\/o\/oauth2\/v2\/auth/);
      expect(new URL(page.url()).host).toBe(`localhost:${port}`);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(/\/app\?notice=signed_in/);

      expect(new URL(page.url()).host).toBe(`localhost:${port}`);
      const body = (await page.textContent('body')) ?? '';
      expect(body).toContain('Gmail connected: merchant@example.com');
      expect(body).not.toContain('oauth_state');
      await shot(page, 'host-redirect-02-dashboard-signed-in');

      // Every cookie the sign-in set belongs to localhost; 127.0.0.1 never got one.
      expect(await context.cookies(`http://127.0.0.1:${port}`)).toEqual([]);
      expect((await context.cookies(`http://localhost:${port}`)).length).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });
});

async function shot(page: import('playwright-core').Page, name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
