import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pageSecurityHeaders } from '../../src/http/security-headers';
import { hasChromium, launchChromium, serveSandbox, type ServedApp } from '../support/chromium';
import { browserClient, type Page } from '../support/browser-client';
import { LIVE_ENV, runtimeForTest, type TestRuntime } from '../support/runtime';
import { signIn } from '../support/sign-in';

/**
 * Content-Security-Policy and Permissions-Policy: on every HTML page the app serves (the sandbox's
 * fake consent screens included), strict enough that an injected <script>, <style>, <base>, frame
 * or form target does nothing, and loose enough that every page still looks and works as before.
 */

function directives(res: { headers: Headers }): Map<string, string[]> {
  const header = res.headers.get('content-security-policy');
  expect(header, 'Content-Security-Policy').toBeTruthy();
  return new Map(
    header!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const inlineStyles = (html: string) => [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);

function expectStrictPolicy(page: { headers: Headers; html: string }, label: string) {
  const csp = directives(page);
  expect(csp.get('default-src'), label).toEqual(["'none'"]);
  expect(csp.get('script-src'), label).toEqual(["'none'"]);
  expect(csp.get('img-src'), label).toEqual(["'self'", 'data:']);
  expect(csp.get('frame-ancestors'), label).toEqual(["'none'"]);
  expect(csp.get('base-uri'), label).toEqual(["'none'"]);
  expect(csp.get('form-action')?.[0], label).toBe("'self'");
  expect(page.html, label).not.toMatch(/<script/i);
  const permissions = page.headers.get('permissions-policy') ?? '';
  for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'interest-cohort']) {
    expect(permissions, `${label}: ${feature}`).toContain(`${feature}=()`);
  }
  return csp;
}

describe('security headers on every page (sandbox)', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
    await rt.reset('shopify', []);
  });

  /** Every kind of HTML page: public, signed in, errors, and the sandbox's fake consent screens. */
  async function crawl() {
    const browser = browserClient(rt);
    const app: [string, Page][] = [];
    const fakes: [string, Page][] = [];
    app.push(['home', await browser.get('/')]);
    app.push(['privacy', await browser.get('/privacy')]);
    app.push(['404 page', await browser.get('/no-such-page')]);

    const { consent, app: dashboard, csrf, accountId } = await signIn(rt, browser);
    fakes.push(['Google consent (fake)', consent]);
    app.push(['status', dashboard]);
    for (const path of [
      '/app/settings',
      '/app/connect',
      '/app/disconnect/gmail',
      '/app/delete',
      `/opt-out/${accountId}`,
      '/?notice=signed_out',
    ]) {
      app.push([path, await browser.get(path)]);
    }
    app.push(['403 page (no CSRF token)', await browser.post('/app/pause', {})]);
    fakes.push([
      'Shopify install (fake)',
      await browser.post('/connect/shopify', { csrf, shop: 'sandbox-shop.myshopify.com' }),
    ]);
    fakes.push([
      'WooCommerce authorize (fake)',
      await browser.post('/connect/woocommerce', { csrf, storeUrl: `${rt.config.appUrl}/sandbox/woocommerce` }),
    ]);
    return { app, fakes };
  }

  it('every page of the app has both headers; its only <style> is allowed by hash, and nothing else is', async () => {
    const { app } = await crawl();
    for (const [label, page] of app) {
      expect(page.headers.get('content-type'), label).toMatch(/^text\/html/);
      const csp = expectStrictPolicy(page, label);
      const styles = inlineStyles(page.html);
      expect(styles, label).toHaveLength(1);
      expect(csp.get('style-src'), label).toEqual([sha256(styles[0]!)]);
      expect(csp.get('style-src'), label).not.toContain("'unsafe-inline'");
      expect(csp.get('style-src-attr'), label).toEqual(["'unsafe-inline'"]);
    }
    expect(app.find(([l]) => l === '/app/connect')![1].url).toContain('/app/connect');
  });

  it('forms post only to the app itself, except on the connect page, whose forms redirect to the store', async () => {
    const { app } = await crawl();
    for (const [label, page] of app) {
      const expected = label === '/app/connect' ? ["'self'", 'https:', 'http:'] : ["'self'"];
      expect(directives(page).get('form-action'), label).toEqual(expected);
    }
  });

  it('the sandbox fake consent screens have both headers too; they keep their own inline styles and may post back to the app', async () => {
    const { fakes } = await crawl();
    expect(fakes.map(([, p]) => new URL(p.url).pathname)).toEqual([
      '/sandbox/google/o/oauth2/v2/auth',
      '/sandbox/shopify/sandbox-shop.myshopify.com/admin/oauth/authorize',
      '/sandbox/woocommerce/wc-auth/v1/authorize',
    ]);
    for (const [label, page] of fakes) {
      expect(page.status, label).toBe(200);
      const csp = expectStrictPolicy(page, label);
      expect(csp.get('style-src'), label).toEqual(["'unsafe-inline'"]);
      expect(csp.get('form-action'), label).toEqual(["'self'", rt.config.appUrl]);
    }
  });

  it('JSON answers are unchanged: same body and content type (the headers ride along harmlessly)', async () => {
    const health = await rt.request('/healthz');
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await health.json()).toEqual({ ok: true, mode: 'sandbox' });

    const refused = await rt.request('/webhooks/shopify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unauthorized');

    const missing = await rt.request('/no-such-thing', { headers: { accept: 'application/json' } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');

    const drafts = await rt.request('/sandbox/gmail/drafts');
    expect(await drafts.json()).toEqual([]);
    for (const res of [health, refused, missing, drafts]) {
      expect(directives(res).get('default-src')).toEqual(["'none'"]);
      expect(res.headers.get('permissions-policy')).toContain('camera=()');
    }
  });
});

describe('security headers in live mode', () => {
  const live = LIVE_ENV;

  it('pages have both headers; nothing under /sandbox gets the fakes’ looser policy', async () => {
    const rt = await runtimeForTest(live);
    for (const path of ['/', '/privacy', '/sandbox/google/o/oauth2/v2/auth']) {
      const res = await rt.app.request(`https://draftline.example.com${path}`, { headers: { accept: 'text/html' } });
      const html = await res.text();
      const csp = expectStrictPolicy({ headers: res.headers, html }, path);
      expect(csp.get('style-src'), path).toEqual([sha256(inlineStyles(html)[0]!)]);
      expect(csp.get('form-action'), path).toEqual(["'self'"]);
    }
  });

  it('the connect page allows https store targets only (Shopify’s *.myshopify.com, any WooCommerce store over https)', async () => {
    const app = new Hono()
      .use(pageSecurityHeaders({ mode: 'live', appUrl: 'https://draftline.example.com' }))
      .get('/app/connect', (c) => c.html('<p>x</p>'));
    const res = await app.request('https://draftline.example.com/app/connect');
    expect(directives(res).get('form-action')).toEqual(["'self'", 'https:']);
  });
});

describe.skipIf(!hasChromium)('security headers in Chromium', () => {
  let browser: Browser;
  let served: ServedApp;
  beforeAll(async () => {
    browser = await launchChromium();
    served = await serveSandbox();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('pages keep their styles, violate nothing, and the connect form still reaches a store on another origin', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      // A CSP violation, or a Permissions-Policy feature Chromium does not know (it warns on each page).
      if (/Content Security Policy|Permissions-Policy/i.test(m.text())) violations.push(m.text());
    });
    try {
      await page.goto(served.url);
      // The inlined stylesheet applies (body background), and so do style attributes.
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(245, 246, 248)');
      expect(
        await page
          .locator('p.hint[style]')
          .first()
          .evaluate((el) => getComputedStyle(el).marginTop),
      ).toBe('12px');

      await page.getByRole('link', { name: 'Sign in with Google' }).click();
      await page.waitForURL(/\/sandbox\/google\/o\/oauth2\/v2\/auth/);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(/\/app\?notice=signed_in/);
      await page.goto(`${served.url}/app/connect`);

      // 127.0.0.1 and localhost are different origins: the POST to /connect/woocommerce redirects
      // off-site, which Chromium checks against form-action.
      const port = new URL(served.url).port;
      await page.locator('#store-url').fill(`http://localhost:${port}/sandbox/woocommerce`);
      await page.getByRole('button', { name: 'Connect WooCommerce' }).click();
      await page.waitForURL(/localhost:\d+\/sandbox\/woocommerce\/wc-auth\/v1\/authorize/, { timeout: 8_000 });
      expect(await page.getByRole('button', { name: 'Approve' }).isVisible()).toBe(true);
      expect(violations).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
