import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, SCREENSHOTS, serveSandbox } from '../support/chromium';

/**
 * The "Store policies" settings in headless Chromium: a newcomer's sandbox mailbox says where to
 * write them, the merchant fills them in (markup included), sees them shown back as typed text,
 * gets a refused field explained with nothing lost, and the dashboard counts them.
 * Screenshots land in test-results/screenshots/policies-*.png.
 */
describe.skipIf(!hasChromium)('store policies in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const POLICIES = {
    returns:
      'Returns within 30 days of delivery: start at https://shop.example/returns.\nWe pay return shipping. <script>alert(1)</script>',
    shipping: 'EU and UK. France 2–3 days (€4.90), elsewhere 3–6 days (€9.90).',
    orderChanges: 'Address changes and cancellations until the order ships.',
    damagedItems: 'Send a photo within 14 days: <b>replacement</b> or full refund.',
    faq: 'Dishwasher safe? Yes.\nGift wrap? Free, mention it in the notes.',
  };
  const LABELS: Record<keyof typeof POLICIES, RegExp> = {
    returns: /^Returns and refunds/,
    shipping: /^Shipping/,
    orderChanges: /^Order changes and cancellations/,
    damagedItems: /^Damaged or wrong items/,
    faq: /^Other questions customers often ask/,
  };

  async function noSideways(page: Page) {
    const { scroll, width } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: window.innerWidth,
    }));
    expect(scroll).toBeLessThanOrEqual(width);
  }

  async function walk(viewport: { width: number; height: number }) {
    const app = await serveSandbox();
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      // The refused form below answers 400 on purpose; the browser reports that status as a console error.
      const expected =
        m.location().url.endsWith('/favicon.ico') ||
        (m.location().url.endsWith('/app/settings/policies') && m.text().includes('status of 400'));
      if (m.type() === 'error' && !expected) problems.push(`${m.text()} ${m.location().url}`);
    });
    const shot = (name: string) =>
      page.screenshot({ path: join(SCREENSHOTS, `policies-${viewport.width}-${name}.png`), fullPage: true });
    try {
      await page.goto(app.url);
      await page.getByRole('link', { name: 'Sign in with Google' }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(/\/app\?notice=signed_in/);
      expect(await page.locator('#policies-step').innerText()).toBe(
        'Write your store policies, so replies can quote them',
      );

      // The sandbox mailbox tells a newcomer the shop has none, and where to write them.
      await page.goto(`${app.url}/sandbox/mail`);
      expect(await page.locator('#no-policies').innerText()).toContain('This shop has no store policies yet');
      await noSideways(page);
      await page.screenshot({ path: join(SCREENSHOTS, `policies-${viewport.width}-mailbox-hint.png`) });
      await page.locator('#no-policies').getByRole('link', { name: 'Settings › Store policies' }).click();
      await page.waitForURL(/\/app\/settings#store-policies$/);

      const section = page.locator('#store-policies');
      expect(await section.getByRole('heading', { level: 2 }).textContent()).toBe('Store policies');
      expect(await section.innerText()).toContain('word for word');
      for (const label of Object.values(LABELS)) expect(await section.getByLabel(label).inputValue()).toBe('');
      expect(await section.getByLabel(/^Return window, in days/).inputValue()).toBe('');
      expect(await section.getByLabel(/^A parcel is stalled after/).inputValue()).toBe('7');

      await section.getByLabel(/^Return window, in days/).fill('30');
      for (const [field, text] of Object.entries(POLICIES))
        await section.getByLabel(LABELS[field as keyof typeof POLICIES]).fill(text);
      await section.getByLabel(/^A parcel is stalled after/).fill('10');
      await page.getByRole('button', { name: 'Save policies' }).click();
      await page.waitForURL(/notice=policies_saved/);
      expect(await page.locator('.notice.ok').innerText()).toContain('Store policies saved.');

      // Shown back exactly as typed, as text: the markup is not on the page as elements.
      for (const [field, text] of Object.entries(POLICIES))
        expect(await section.getByLabel(LABELS[field as keyof typeof POLICIES]).inputValue()).toBe(text);
      expect(await section.getByLabel(/^Return window, in days/).inputValue()).toBe('30');
      expect(await section.getByLabel(/^A parcel is stalled after/).inputValue()).toBe('10');
      expect(await page.locator('main script, main b').count()).toBe(0);
      await noSideways(page);
      await shot('saved');
      await section.screenshot({ path: join(SCREENSHOTS, `policies-${viewport.width}-section.png`) });

      // A value the server refuses (the browser's own check switched off): the field says why, nothing is lost or saved.
      await section.getByLabel(LABELS.faq).fill('Changed, but not saved.');
      await section.getByLabel(/^A parcel is stalled after/).fill('90');
      await section.locator('form').evaluate((f: HTMLFormElement) => (f.noValidate = true));
      await page.getByRole('button', { name: 'Save policies' }).click();
      await page.waitForLoadState();
      expect(await page.locator('.notice.bad').innerText()).toContain(
        'Some store policies need another look; nothing was saved.',
      );
      expect(await page.locator('#stalled-after-error').innerText()).toBe('a whole number of days from 1 to 60');
      expect(await section.getByLabel(/^A parcel is stalled after/).getAttribute('aria-invalid')).toBe('true');
      expect(await section.getByLabel(LABELS.faq).getAttribute('aria-invalid')).toBeNull();
      expect(await section.getByLabel(LABELS.faq).inputValue()).toBe('Changed, but not saved.');
      await noSideways(page);
      await shot('refused');
      const account = (await app.rt.services.db.query.accounts.findFirst())!;
      expect(account).toMatchObject({ policyFaq: POLICIES.faq, stalledAfterDays: 10, returnWindowDays: 30 });

      await page.getByRole('link', { name: 'Status' }).first().click();
      expect(await page.locator('#policies-step').innerText()).toBe('Store policies written (6 of 6)');
      await page.goto(`${app.url}/sandbox/mail`);
      expect(await page.locator('#policies-set').innerText()).toContain('6 written');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
      await app.close();
    }
  }

  it('on a desktop screen', async () => {
    await walk({ width: 1280, height: 800 });
  }, 60_000);

  it('on a phone screen (375 px)', async () => {
    await walk({ width: 375, height: 812 });
  }, 60_000);
});
