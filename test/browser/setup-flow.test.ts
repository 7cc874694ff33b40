import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, SCREENSHOTS, serveSandbox, type ServedApp } from './chromium';

/**
 * A merchant's whole journey in headless Chromium, in sandbox mode: sign in → connect a store →
 * settings → a customer email arrives → the status page counts the draft → export → delete.
 * Screenshots of every page land in test-results/screenshots/.
 */
describe.skipIf(!hasChromium)('setup flow in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function shot(page: Page, name: string) {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  async function journey(store: 'shopify' | 'woocommerce', viewport: { width: number; height: number }) {
    const app: ServedApp = await serveSandbox();
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const prefix = `${store}-${viewport.width}`;
    try {
      await page.goto(app.url);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBeTruthy();
      await shot(page, `${prefix}-01-home`);

      await page.getByRole('link', { name: 'Sign in with Google' }).click();
      await page.waitForURL(/\/sandbox\/google\/o\/oauth2\/v2\/auth/);
      await shot(page, `${prefix}-02-google-consent`);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(/\/app\?notice=signed_in/);
      expect(await page.textContent('body')).toContain('Gmail connected: merchant@example.com');
      await shot(page, `${prefix}-03-dashboard-new`);

      await page.locator('#connect-store').click();
      await page.waitForURL(/\/app\/connect/);
      await shot(page, `${prefix}-04-connect-store`);
      if (store === 'shopify') {
        await page.getByRole('button', { name: 'Connect Shopify' }).click();
        await page.waitForURL(/\/admin\/oauth\/authorize/);
        await shot(page, `${prefix}-05-shopify-install`);
        await page.getByRole('button', { name: 'Install' }).click();
      } else {
        await page.getByRole('button', { name: 'Connect WooCommerce' }).click();
        await page.waitForURL(/\/wc-auth\/v1\/authorize/);
        await shot(page, `${prefix}-05-woocommerce-authorize`);
        await page.getByRole('button', { name: 'Approve' }).click();
      }
      await page.waitForURL(/\/app\?notice=store_connected/);
      expect(await page.textContent('body')).toContain(store === 'shopify' ? 'Shopify store connected' : 'WooCommerce store connected');
      await shot(page, `${prefix}-06-dashboard-connected`);

      await page.getByRole('link', { name: 'Settings' }).first().click();
      await page.getByLabel('Sign-off name').fill('Sam');
      await page.getByLabel('Shop name').fill('Blue Mug Co.');
      await page.getByLabel('Tone').selectOption('formal');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.waitForURL(/notice=settings_saved/);
      await shot(page, `${prefix}-07-settings`);

      await page.getByRole('link', { name: 'Status' }).first().click();
      await page.getByRole('button', { name: /Send to merchant@example.com/ }).click();
      await page.waitForURL(/\/app\?notice=sent/);
      expect(await page.textContent('#drafted-today')).toBe('1');
      await shot(page, `${prefix}-08-dashboard-drafted`);
      const drafts = (await (await context.request.get(`${app.url}/sandbox/gmail/drafts`)).json()) as { text: string }[];
      expect(drafts).toHaveLength(1);
      expect(drafts[0]!.text).toContain('1Z999AA10123456784');
      expect(drafts[0]!.text).toContain('Sam');

      const download = page.waitForEvent('download');
      await page.locator('#export').click();
      const file = await (await download).path();
      const exported = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(file!, 'utf8'))) as { gmail: { mailbox: string }; store: { kind: string } };
      expect(exported.gmail.mailbox).toBe('merchant@example.com');
      expect(exported.store.kind).toBe(store);

      await page.goto(`${app.url}/privacy`);
      await shot(page, `${prefix}-09-privacy`);

      await page.goto(`${app.url}/app`);
      await page.locator('#delete-account').click();
      await page.waitForURL(/\/app\/delete/);
      await shot(page, `${prefix}-10-delete-confirm`);
      await page.getByLabel(/Type DELETE to confirm/).fill('DELETE');
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await page.waitForURL(/notice=account_deleted/);
      await shot(page, `${prefix}-11-deleted`);
      expect(await app.rt.services.db.query.accounts.findMany()).toEqual([]);

      await page.goto(`${app.url}/no-such-page`);
      await shot(page, `${prefix}-12-not-found`);
      expect(await page.textContent('h1')).toBe('Page not found');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await app.close();
    }
  }

  it('walks the whole flow with Shopify on a desktop screen', async () => {
    await journey('shopify', { width: 1280, height: 800 });
  }, 60_000);

  it('walks the whole flow with WooCommerce on a phone screen', async () => {
    await journey('woocommerce', { width: 390, height: 844 });
  }, 60_000);
});
