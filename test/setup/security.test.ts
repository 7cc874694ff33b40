import { beforeEach, describe, expect, it } from 'vitest';
import { completeGoogleSignIn } from '../../src/accounts/sign-in';
import { getStoreConnection } from '../../src/db/accounts';
import { SANDBOX_SHOP } from '../../src/sandbox';
import { signQuery } from '../../src/sandbox/fakes/shopify-oauth';
import { browserClient, field } from '../support/browser-client';
import { runtimeForTest, type TestRuntime } from '../support/runtime';
import { googleConsent, signIn } from '../support/sign-in';

/** Every refusal in the setup flow: forged or replayed state, partial grants, bad HMACs, CSRF, nonces. */
describe('setup flow: refusals', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  const nothingStored = async () => {
    expect(await rt.services.db.query.accounts.findMany()).toEqual([]);
    expect(await rt.services.db.query.gmailConnections.findMany()).toEqual([]);
    expect(await rt.services.db.query.consentRecords.findMany()).toEqual([]);
  };

  async function consentScreen(browser = browserClient(rt)) {
    return { browser, ...(await googleConsent(browser)) };
  }

  /** Clicks Allow on the consent screen but stops at Google's redirect back to us. */
  function allowWithoutFollowing(browser: ReturnType<typeof browserClient>, requestId: string, scopes: string[]) {
    return browser.raw('/sandbox/google/o/oauth2/v2/auth', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ['request_id', requestId],
        ['action', 'allow'],
        ...scopes.map((s) => ['scope', s]),
      ]).toString(),
    });
  }

  /** Allow on the consent screen with gmail.compose unticked. */
  function allowReadOnly(browser: ReturnType<typeof browserClient>, requestId: string) {
    return browser.post('/sandbox/google/o/oauth2/v2/auth', {
      request_id: requestId,
      action: 'allow',
      scope: 'https://www.googleapis.com/auth/gmail.readonly',
    });
  }

  describe('Google sign-in', () => {
    it('explains a declined consent and stores nothing', async () => {
      const { browser, requestId } = await consentScreen();
      const page = await browser.post('/sandbox/google/o/oauth2/v2/auth', { request_id: requestId, action: 'cancel' });
      expect(page.url).toContain('/?notice=declined');
      expect(page.html).toContain('Sign-in cancelled.');
      await nothingStored();
    });

    it('refuses a grant with one scope unticked, stores nothing and revokes the partial grant', async () => {
      const { browser, requestId } = await consentScreen();
      const page = await allowReadOnly(browser, requestId);
      expect(page.url).toContain('/?notice=partial_scopes');
      expect(page.html).toContain('Draftline needs both Gmail permissions.');
      await nothingStored();
      expect(rt.sandbox!.fakes.google.calls('merchant@example.com')).not.toHaveProperty(['getProfile']);
      expect(rt.sandbox!.fakes.google.revocations()).toBe(1);
    });

    it('a merchant still signed in who unticks a scope on connecting Gmail again hears why on the dashboard', async () => {
      const { browser, csrf } = await signIn(rt);
      // Disconnecting revokes the grant, so Google asks for both permissions again.
      await browser.post('/app/disconnect/gmail', { csrf });
      const { requestId } = await consentScreen(browser);
      const page = await allowReadOnly(browser, requestId);
      expect(page.url).toContain('/app?notice=partial_scopes');
      expect(page.html).toContain('Draftline needs both Gmail permissions.');
      expect(page.html).toContain('action="/auth/sign-out"');
    });

    it('refuses a callback whose state does not match the cookie (forged)', async () => {
      const { browser } = await consentScreen();
      const page = await browser.get('/auth/google/callback?state=forged&code=abc');
      expect(page.url).toContain('/?notice=oauth_state');
      await nothingStored();
    });

    it('refuses a callback from another browser (no state cookie)', async () => {
      const { browser, scopes, requestId } = await consentScreen();
      const answer = await allowWithoutFollowing(browser, requestId, scopes);
      const callback = answer.headers.get('location')!;
      const attacker = browserClient(rt);
      expect((await attacker.get(callback)).url).toContain('/?notice=oauth_state');
      await nothingStored();
    });

    it('refuses a replayed callback: the state works once', async () => {
      const { browser, scopes, requestId } = await consentScreen();
      const answer = await allowWithoutFollowing(browser, requestId, scopes);
      const callback = answer.headers.get('location')!;
      const cookieBefore = browser.cookies.get('dl_oauth_google')!;
      expect((await browser.get(callback)).url).toContain('/app?notice=signed_in');
      // The browser's state cookie is gone after the first use.
      // Signed in by then, so the refusal is told on the dashboard.
      expect((await browser.get(callback)).url).toContain('/app?notice=oauth_state');
      // An attacker who also kept the old cookie gets past the state check, but Google's code is single-use.
      browser.cookies.set('dl_oauth_google', cookieBefore);
      expect((await browser.get(callback)).url).toContain('/app?notice=google_error');
      expect(await rt.services.db.query.consentRecords.findMany()).toHaveLength(1);
    });

    it('refuses a grant without a refresh token and stores nothing', async () => {
      const { browser, scopes, requestId } = await consentScreen();
      const answer = await allowWithoutFollowing(browser, requestId, scopes);
      const code = new URL(answer.headers.get('location')!).searchParams.get('code')!;
      const signed = decodeURIComponent(browser.cookies.get('dl_oauth_google')!);
      const payload = JSON.parse(Buffer.from(signed.slice(0, signed.lastIndexOf('.')), 'base64url').toString()) as {
        data: { codeVerifier: string };
      };
      const withoutRefresh: typeof fetch = async (input, init) => {
        const res = await rt.services.fetch(input as string, init);
        if (!String(input).endsWith('/token')) return res;
        const { refresh_token: _dropped, ...rest } = (await res.json()) as Record<string, unknown>;
        return Response.json(rest, { status: res.status });
      };
      const s = { ...rt.services, googleOAuth: { ...rt.services.googleOAuth, fetch: withoutRefresh } };
      expect(await completeGoogleSignIn(s, { code, codeVerifier: 'x'.repeat(43) })).toEqual({
        ok: false,
        reason: 'exchange_failed',
      }); // PKCE holds
      const again = await consentScreen(browser);
      const answer2 = await allowWithoutFollowing(browser, again.requestId, scopes);
      const code2 = new URL(answer2.headers.get('location')!).searchParams.get('code')!;
      const signed2 = decodeURIComponent(browser.cookies.get('dl_oauth_google')!);
      const verifier = (
        JSON.parse(Buffer.from(signed2.slice(0, signed2.lastIndexOf('.')), 'base64url').toString()) as typeof payload
      ).data.codeVerifier;
      expect(await completeGoogleSignIn(s, { code: code2, codeVerifier: verifier })).toEqual({
        ok: false,
        reason: 'no_refresh_token',
      });
      await nothingStored();
    });

    it('issues a fresh session (new id and CSRF token) at every sign-in', async () => {
      const first = await signIn(rt);
      const again = await consentScreen(first.browser);
      const app = await first.browser.post('/sandbox/google/o/oauth2/v2/auth', {
        request_id: again.requestId,
        action: 'allow',
        scope: again.scopes,
      });
      expect(field(app.html, 'csrf')).not.toBe(first.csrf);
      expect(await rt.services.db.query.accounts.findMany()).toHaveLength(1);
    });
  });

  describe('sessions and CSRF', () => {
    it('sends a request without a session, or with a forged one, to sign in', async () => {
      const browser = browserClient(rt);
      expect((await browser.get('/app')).url).toContain('/?notice=signin_required');
      browser.cookies.set('dl_session', 'eyJhY2NvdW50SWQiOiJhY2NfeCJ9.forged');
      expect((await browser.get('/app/settings')).url).toContain('/?notice=signin_required');
    });

    it('refuses a state-changing form without the CSRF token, or from another origin', async () => {
      const { browser, csrf } = await signIn(rt);
      const noToken = await browser.post('/app/pause', {});
      expect(noToken.status).toBe(403);
      expect(noToken.html).toContain('This form has expired.');
      const otherOrigin = await browser.post('/app/pause', { csrf }, { origin: 'https://evil.example' });
      expect(otherOrigin.status).toBe(403);
      expect((await rt.services.db.query.accounts.findFirst())!.paused).toBe(false);
    });

    it('disconnecting Gmail ends the account’s sessions in every other browser; this one carries on', async () => {
      const here = await signIn(rt);
      const elsewhere = await signIn(rt, browserClient(rt));
      expect(elsewhere.accountId).toBe(here.accountId);
      expect((await elsewhere.browser.get('/app')).url).toBe(`${rt.config.appUrl}/app`);

      const page = await here.browser.post('/app/disconnect/gmail', { csrf: here.csrf });
      expect(page.url).toContain('/app?notice=gmail_disconnected');
      expect(page.status).toBe(200);
      expect((await elsewhere.browser.get('/app')).url).toContain('/?notice=signin_required');
      expect((await here.browser.get('/app/settings')).status).toBe(200);
    });

    it('marks cookies Secure when served over https', async () => {
      const https = await runtimeForTest({ APP_URL: 'https://draftline.example' });
      const res = await https.app.request('https://draftline.example/auth/google/start');
      expect(res.headers.get('set-cookie')).toMatch(/dl_oauth_google=.*HttpOnly;.*Secure; SameSite=Lax/);
    });

    it('refuses account deletion without the typed confirmation', async () => {
      const { browser, csrf } = await signIn(rt);
      for (const confirm of ['yes', 'delete']) {
        const page = await browser.post('/app/delete', { csrf, confirm });
        expect(page.status, confirm).toBe(400);
        expect(page.html).toContain('Nothing was deleted.');
        expect(page.html).toContain('Type DELETE, in capital letters, to confirm.');
      }
      expect(await rt.services.db.query.accounts.findMany()).toHaveLength(1);
    });

    it('the address a refused form was shown at leads back to the form when opened again', async () => {
      const { browser } = await signIn(rt);
      expect((await browser.get('/app/optouts')).url).toBe(`${rt.config.appUrl}/app/settings#optouts`);
      expect((await browser.get('/app/settings/policies')).url).toBe(`${rt.config.appUrl}/app/settings#store-policies`);
    });

    it('a refused opt-out change says so at the top of the page, with the reason, and changes nothing', async () => {
      const { browser, csrf } = await signIn(rt);
      for (const address of ['not-an-email', '']) {
        const page = await browser.post('/app/optouts', { csrf, action: 'add', address });
        expect(page.status, address).toBe(400);
        const banner = page.html.indexOf('The opt-out list was not changed.');
        expect(banner).toBeGreaterThan(-1);
        expect(banner).toBeLessThan(page.html.indexOf('<h1>Settings</h1>'));
        expect(page.html).toMatch(/id="optout-address"[^>]*aria-invalid="true"/);
      }
      expect(await rt.services.db.query.optOuts.findMany()).toEqual([]);
    });
  });

  describe('Shopify install', () => {
    it('refuses a shop domain that is not *.myshopify.com', async () => {
      const { browser, csrf } = await signIn(rt);
      const overlong = `${'a'.repeat(64)}.myshopify.com`;
      for (const shop of [
        'evil.com',
        'shop.myshopify.com.evil.com',
        '-bad.myshopify.com',
        'a/b.myshopify.com',
        overlong,
      ]) {
        const page = await browser.post('/connect/shopify', { csrf, shop });
        // Refused in place (400): the banner, and the field still holds what was typed (cut to 255).
        expect(page.status, shop).toBe(400);
        expect(page.html).toContain('That is not a Shopify shop address.');
        expect(page.html).toContain(`value="${shop.slice(0, 255).replace(/&/g, '&amp;')}"`);
      }
      expect(
        await getStoreConnection(rt.services.db, (await rt.services.db.query.accounts.findFirst())!.id),
      ).toBeUndefined();
    });

    it('a link from elsewhere (GET ?shop=) with a bad shop is refused without showing its text', async () => {
      const { browser } = await signIn(rt);
      const page = await browser.get('/connect/shopify?shop=Session%20expired%20-%20call%20%2B1-555-0100');
      expect(page.url).toContain('notice=shop_invalid');
      expect(page.html).not.toContain('Session expired - call +1-555-0100');
    });

    async function installCallback(browser: ReturnType<typeof browserClient>, csrf: string) {
      const install = await browser.post('/connect/shopify', { csrf, shop: SANDBOX_SHOP });
      const answer = await browser.raw(install.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          redirect_uri: field(install.html, 'redirect_uri'),
          state: field(install.html, 'state'),
          scope: field(install.html, 'scope'),
          action: 'install',
        }).toString(),
      });
      return new URL(answer.headers.get('location')!);
    }

    it('refuses a callback with a bad HMAC', async () => {
      const { browser, csrf, accountId } = await signIn(rt);
      const callback = await installCallback(browser, csrf);
      callback.searchParams.set(
        'hmac',
        callback.searchParams.get('hmac')!.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')),
      );
      expect((await browser.get(callback.toString())).url).toContain('notice=shopify_failed');
      expect(await getStoreConnection(rt.services.db, accountId)).toBeUndefined();
    });

    it('refuses a correctly signed callback with a stale timestamp', async () => {
      const { browser, csrf, accountId } = await signIn(rt);
      const callback = await installCallback(browser, csrf);
      const query = Object.fromEntries(callback.searchParams);
      delete query.hmac;
      query.timestamp = String(Math.floor(Date.now() / 1000) - 3600);
      const stale = new URL(callback.pathname, callback.origin);
      for (const [k, v] of Object.entries(query)) stale.searchParams.set(k, v);
      stale.searchParams.set('hmac', await signQuery(rt.config.shopify.apiSecret, query));
      expect((await browser.get(stale.toString())).url).toContain('notice=shopify_failed');
      expect(await getStoreConnection(rt.services.db, accountId)).toBeUndefined();
    });

    it('refuses a callback for another shop than the one this browser started', async () => {
      const { browser, csrf, accountId } = await signIn(rt);
      const callback = await installCallback(browser, csrf);
      const query = Object.fromEntries(callback.searchParams);
      delete query.hmac;
      query.shop = 'other-shop.myshopify.com';
      const swapped = new URL(callback.pathname, callback.origin);
      for (const [k, v] of Object.entries(query)) swapped.searchParams.set(k, v);
      swapped.searchParams.set('hmac', await signQuery(rt.config.shopify.apiSecret, query));
      expect((await browser.get(swapped.toString())).url).toContain('notice=shopify_failed');
      expect(await getStoreConnection(rt.services.db, accountId)).toBeUndefined();
    });
  });

  describe('WooCommerce store address', () => {
    it('refuses an address that is no http(s) URL in place (400), keeping what was typed', async () => {
      const { browser, csrf } = await signIn(rt);
      for (const storeUrl of ['not a url', 'ftp://shop.example.com']) {
        const page = await browser.post('/connect/woocommerce', { csrf, storeUrl });
        expect(page.status, storeUrl).toBe(400);
        expect(page.html).toContain('That store address cannot be used.');
        expect(page.html).toContain(`value="${storeUrl}"`);
        expect(page.headers.get('cache-control')).toBe('no-store');
      }
    });

    it('never shows back a password typed into the address', async () => {
      const { browser, csrf } = await signIn(rt);
      const page = await browser.post('/connect/woocommerce', {
        csrf,
        storeUrl: 'https://owner:hunter2@shop.example.com',
      });
      expect(page.status).toBe(400);
      expect(page.html).not.toContain('hunter2');
      expect(page.html).toContain('value="https://shop.example.com"');
    });

    it('hostile typed values stay inside the value attribute', async () => {
      const { browser, csrf } = await signIn(rt);
      const evil = `x" autofocus onfocus="alert(1)"><script>alert(2)</script>'`;
      for (const page of [
        await browser.post('/connect/shopify', { csrf, shop: evil }),
        await browser.post('/connect/woocommerce', { csrf, storeUrl: evil }),
      ]) {
        expect(page.status).toBe(400);
        expect(page.html).not.toContain('<script>alert(2)');
        expect(page.html).not.toContain('" autofocus onfocus="');
      }
    });
  });

  describe('WooCommerce key delivery', () => {
    async function authorizeForm() {
      const { browser, csrf, accountId } = await signIn(rt);
      const page = await browser.post('/connect/woocommerce', {
        csrf,
        storeUrl: `${rt.config.appUrl}/sandbox/woocommerce`,
      });
      return { browser, accountId, nonce: field(page.html, 'user_id') };
    }
    const deliver = (body: unknown) =>
      rt.request('/connect/woocommerce/callback', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const keys = (nonce: string) => ({
      key_id: 1,
      user_id: nonce,
      consumer_key: `ck_${'a'.repeat(40)}`,
      consumer_secret: `cs_${'b'.repeat(40)}`,
      key_permissions: 'read',
    });

    it('refuses malformed deliveries with 400 and unknown nonces with 403', async () => {
      const { accountId } = await authorizeForm();
      expect((await deliver({ hello: 'world' })).status).toBe(400);
      const res = await deliver(keys('not-a-nonce'));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: { code: 'unknown_nonce', message: expect.any(String), requestId: expect.any(String) },
      });
      expect(await getStoreConnection(rt.services.db, accountId)).toBeUndefined();
    });

    it('accepts verified keys once: a replayed nonce is refused', async () => {
      const { accountId, nonce } = await authorizeForm();
      rt.sandbox!.fakes.woocommerce.addStore(`ck_${'a'.repeat(40)}`, `cs_${'b'.repeat(40)}`, []);
      expect((await deliver(keys(nonce))).status).toBe(200);
      expect((await getStoreConnection(rt.services.db, accountId))?.kind).toBe('woocommerce');
      expect((await deliver(keys(nonce))).status).toBe(403);
    });

    it('answers a key delivery at once, before any call back to the store, and burns the nonce', async () => {
      // WooCommerce deletes the keys on anything but 200, and a call back into the store inside its
      // blocking POST can deadlock a one-worker host: keys are checked when the merchant returns.
      const { accountId, nonce } = await authorizeForm();
      expect((await deliver(keys(nonce))).status).toBe(200);
      // Staged, not set up: no webhook registered, since that would be a call into the store.
      expect((await getStoreConnection(rt.services.db, accountId))?.webhookStatus ?? null).toBeNull();
      expect((await deliver(keys(nonce))).status).not.toBe(200);
    });

    it('shows the decline when the store owner denies', async () => {
      const { browser } = await signIn(rt);
      const page = await browser.get('/connect/woocommerce/return?success=0&user_id=x');
      expect(page.url).toContain('notice=store_declined');
    });
  });

  describe('disconnect when Google fails', () => {
    it('deletes our token even when Google does not confirm the revocation, and says so', async () => {
      const { browser, csrf, accountId } = await signIn(rt);
      rt.sandbox!.fakes.google.failNext('revoke', { status: 503 });
      const page = await browser.post('/app/disconnect/gmail', { csrf });
      expect(page.url).toContain('notice=gmail_disconnected_unconfirmed');
      expect(page.html).toContain('Google did not confirm');
      expect(await rt.services.db.query.gmailConnections.findFirst()).toMatchObject({
        accountId,
        sealedRefreshToken: null,
        status: 'disconnected',
      });
    });
  });

  describe('error pages', () => {
    it('answers unknown pages with the HTML 404 page for browsers and JSON otherwise', async () => {
      const html = await browserClient(rt).get('/nope');
      expect(html.status).toBe(404);
      expect(html.html).toContain('Page not found');
      const json = await rt.request('/nope');
      expect(await json.json()).toMatchObject({ error: { code: 'not_found' } });
    });
  });
});
