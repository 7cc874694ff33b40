import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, SCREENSHOTS, serveSandbox, type ServedApp } from '../support/chromium';

/**
 * A merchant's whole journey in headless Chromium, in sandbox mode: sign in → connect a store →
 * settings → a customer email arrives → the status page counts the draft → the sandbox mailbox
 * shows a customer's email written in its form with Draftline's draft in the same thread, and a
 * skipped one with its reason → export → delete.
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

  /** Nothing wider than the screen: no sideways scrolling, on a phone too. */
  async function noSideways(page: Page) {
    const { scroll, width } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: window.innerWidth,
    }));
    expect(scroll).toBeLessThanOrEqual(width);
  }

  async function shot(page: Page, name: string) {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  async function journey(store: 'shopify' | 'woocommerce', viewport: { width: number; height: number }) {
    const app: ServedApp = await serveSandbox();
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // A style or anything else the page's Content-Security-Policy blocked shows up here.
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      // The browser asks for /favicon.ico on its own; there is none.
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico'))
        consoleErrors.push(`${m.text()} ${m.location().url}`);
    });
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
      expect(await page.textContent('body')).toContain(
        store === 'shopify' ? 'Shopify store connected' : 'WooCommerce store connected',
      );
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
      const drafts = (await (await context.request.get(`${app.url}/sandbox/gmail/drafts`)).json()) as {
        text: string;
      }[];
      expect(drafts).toHaveLength(1);
      expect(drafts[0]!.text).toContain('1Z999AA10123456784');
      expect(drafts[0]!.text).toContain('Sam');

      // The sandbox mailbox, as the merchant would read it in Gmail: the dashboard's link, then an
      // email written in its form, and the customer's words with Draftline's draft under them.
      await page.locator('#open-mailbox').click();
      await page.waitForURL(/\/sandbox\/mail$/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sandbox mailbox');
      expect(await page.locator('section.mail.draft').count()).toBe(1);
      await shot(page, `${prefix}-09-mailbox`);
      await page.getByLabel('From', { exact: true }).fill('Jane Doe <jane@example.net>');
      await page.getByLabel('Subject', { exact: true }).fill('Has it left yet?');
      await page
        .getByLabel('Message', { exact: true })
        .fill('Hello,\n\nHas my order #1042 left the warehouse yet? The mugs are a present.\n\nJane');
      await page.getByRole('button', { name: 'Send as this customer' }).click();
      await page.waitForURL(/\/sandbox\/mail#thread-\w+$/);
      const thread = page.locator(new URL(page.url()).hash);
      expect(await thread.locator('h3').textContent()).toBe('Has it left yet?');
      const mails = thread.locator('section.mail');
      expect(await mails.count()).toBe(2);
      const customer = (await mails.nth(0).innerText()).replace(/\s+/g, ' ');
      expect(customer).toContain('Jane Doe <jane@example.net>');
      expect(customer).toContain('Has my order #1042 left the warehouse yet?');
      expect(customer).toContain('Draftline wrote the draft below.');
      expect(await mails.nth(1).getAttribute('class')).toBe('mail draft');
      const draft = await mails.nth(1).innerText();
      expect(draft).toMatch(/^Draft\b/);
      expect(draft).toContain('to jane@example.net');
      expect(draft).toContain('Subject: Re: Has it left yet?');
      expect(draft).toContain('1Z999AA10123456784');
      expect(draft.split('\n').length).toBeGreaterThan(4);
      await noSideways(page);
      await shot(page, `${prefix}-10-mailbox-drafted`);
      await thread.screenshot({ path: join(SCREENSHOTS, `${prefix}-10-mailbox-thread.png`) });

      // A prepared attack: no draft, and the reason in words.
      await page.getByLabel('Or send a prepared email').selectOption('hostile-nested');
      await page.getByRole('button', { name: 'Send prepared email' }).click();
      await page.waitForURL(/\/sandbox\/mail#thread-\w+$/);
      const skipped = page.locator(new URL(page.url()).hash);
      expect(await skipped.locator('section.mail').count()).toBe(1);
      expect(await skipped.innerText()).toContain('Skipped: Could not be read');
      await noSideways(page);
      await shot(page, `${prefix}-11-mailbox-skipped`);
      // What the screen shows on landing: the new thread, scrolled to.
      await page.screenshot({ path: join(SCREENSHOTS, `${prefix}-11-mailbox-skipped-screen.png`) });
      expect(consoleErrors).toEqual([]);

      await page.getByRole('link', { name: 'Dashboard' }).click();
      await page.waitForURL(/\/app$/);
      const download = page.waitForEvent('download');
      await page.locator('#export').click();
      const file = await (await download).path();
      const exported = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(file!, 'utf8'))) as {
        gmail: { mailbox: string };
        store: { kind: string };
      };
      expect(exported.gmail.mailbox).toBe('merchant@example.com');
      expect(exported.store.kind).toBe(store);

      await page.goto(`${app.url}/privacy`);
      await shot(page, `${prefix}-12-privacy`);

      await page.goto(`${app.url}/app`);
      await page.locator('#delete-account').click();
      await page.waitForURL(/\/app\/delete/);
      await shot(page, `${prefix}-13-delete-confirm`);
      await page.getByLabel(/Type DELETE to confirm/).fill('DELETE');
      await page.getByRole('button', { name: 'Delete my account' }).click();
      await page.waitForURL(/notice=account_deleted/);
      await shot(page, `${prefix}-14-deleted`);
      expect(await app.rt.services.db.query.accounts.findMany()).toEqual([]);

      await page.goto(`${app.url}/no-such-page`);
      await shot(page, `${prefix}-15-not-found`);
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
    await journey('woocommerce', { width: 375, height: 812 });
  }, 60_000);
});
