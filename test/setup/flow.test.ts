import { beforeEach, describe, expect, it } from 'vitest';
import { getGmailConnection, getStoreConnection } from '../../src/db/accounts';
import { storeConnections } from '../../src/db/schema';
import { type browserClient, field } from '../support/browser-client';
import { runtimeForTest, type TestRuntime } from '../support/runtime';
import { signIn } from '../support/sign-in';

type Browser = ReturnType<typeof browserClient>;

/** The merchant's happy path, through the same HTTP a browser uses (the Chromium walk-through is in test/browser). */
describe('setup flow: happy path', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  /** signIn, checking on the way that Google was asked for reading and composing, and nothing else. */
  async function signInCheckingConsent() {
    const { browser, consent, scopes, app } = await signIn(rt);
    expect(consent.url).toContain('/sandbox/google/o/oauth2/v2/auth');
    expect(consent.html).toContain('gmail.readonly');
    expect(scopes).toEqual([
      'https://www.googleapis.com/auth/gmail.readonly',
      'https://www.googleapis.com/auth/gmail.compose',
    ]);
    return { browser, app };
  }

  /** The settings form, posted with the page's own token. */
  async function saveSettings(browser: Browser, fields: Record<string, string | string[]>) {
    const settings = await browser.get('/app/settings');
    return browser.post('/app/settings', { csrf: field(settings.html, 'csrf'), ...fields });
  }

  /** Connect the sandbox's Shopify store as the merchant does: the form, then Install on the store's screen. */
  async function connectShopify(browser: Browser) {
    const connect = await browser.get('/app/connect');
    const install = await browser.post('/connect/shopify', {
      csrf: field(connect.html, 'csrf'),
      shop: 'sandbox-shop.myshopify.com',
    });
    expect(install.url).toContain('/sandbox/shopify/sandbox-shop.myshopify.com/admin/oauth/authorize');
    expect(install.html).toContain('View orders');
    return browser.post(install.url, {
      redirect_uri: field(install.html, 'redirect_uri'),
      state: field(install.html, 'state'),
      scope: field(install.html, 'scope'),
      action: 'install',
    });
  }

  it('signs in with Google, connects Shopify, saves settings and sees a draft counted', async () => {
    const { browser, app } = await signInCheckingConsent();
    expect(app.url).toBe(`${rt.config.appUrl}/app?notice=signed_in`);
    expect(app.html).toContain('Gmail connected: merchant@example.com');
    const session = [...browser.cookies.keys()];
    expect(session).toContain('dl_session');
    expect(session).not.toContain('dl_oauth_google');

    const done = await connectShopify(browser);
    expect(done.url).toBe(`${rt.config.appUrl}/app?notice=store_connected`);
    expect(done.html).toContain('Shopify store connected: sandbox-shop.myshopify.com');

    const saved = await saveSettings(browser, {
      shopName: 'Blue Mug Co.',
      signOffName: 'Sam',
      signature: 'Blue Mug Co. · bluemug.example',
      tone: 'formal',
      fallbackLanguage: 'fr',
      draftKinds: ['order_status', 'returns'],
    });
    expect(saved.url).toContain('notice=settings_saved');
    expect(saved.html).toContain('value="Blue Mug Co."');
    expect(saved.html).toMatch(/<option value="formal" selected/);

    const status = await browser.post('/sandbox/try-email', { email: 'where-is-1042' });
    expect(status.url).toContain('/app?notice=sent');
    // The notice promises no draft: the mail may well get none (paused, opted out, unreadable).
    expect(status.html).toContain('the reply draft under it, or why it wrote none');
    expect(status.html).toMatch(/id="drafted-today">1</);
    const drafts = await rt.drafts();
    expect(drafts).toHaveLength(1);
    expect(drafts[0]!.text).toContain('1Z999AA10123456784');
  });

  it('connects WooCommerce through the store’s authorize screen (keys delivered server to server)', async () => {
    const { browser, app } = await signInCheckingConsent();
    const authorize = await browser.post('/connect/woocommerce', {
      csrf: field(app.html, 'csrf'),
      storeUrl: `${rt.config.appUrl}/sandbox/woocommerce`,
    });
    expect(authorize.url).toContain('/sandbox/woocommerce/wc-auth/v1/authorize');
    expect(authorize.html).toContain('would like to connect to your store');
    const form: Record<string, string> = {};
    // As WooCommerce's own screen: Read/Write spelled out, webhooks and "manage" included.
    expect(authorize.html).toContain('<strong>Read/Write</strong>');
    expect(authorize.html).toContain('<li>Create webhooks</li>');
    expect(authorize.html).toContain('<li>View and manage orders and sales reports</li>');
    for (const name of ['app_name', 'scope', 'user_id', 'return_url', 'callback_url'])
      form[name] = field(authorize.html, name);
    const done = await browser.post(authorize.url, { ...form, action: 'approve' });
    expect(done.url).toBe(`${rt.config.appUrl}/app?notice=store_connected`);
    expect(done.html).toContain('WooCommerce store connected');

    await browser.post('/sandbox/try-email', { email: 'where-is-1042' });
    const drafts = await rt.drafts();
    expect(drafts).toHaveLength(1);
    expect(drafts[0]!.text).toContain('1042');
  });

  it('exports the account as JSON with secrets redacted, then deletes everything', async () => {
    const { browser, app } = await signInCheckingConsent();
    const accountId = (await rt.services.db.query.accounts.findFirst())!.id;
    const exported = await browser.raw('/app/export');
    expect(exported.headers.get('content-disposition')).toMatch(/attachment; filename="draftline-export-/);
    const data = (await exported.json()) as {
      gmail: { mailbox: string; refreshToken: string };
      consentRecords: unknown[];
    };
    expect(data.gmail.mailbox).toBe('merchant@example.com');
    expect(data.gmail.refreshToken).toBe('[sealed secret, not exported]');
    expect(JSON.stringify(data)).not.toMatch(/v1\.k1\./);
    expect(data.consentRecords).toHaveLength(1);

    const confirm = await browser.get('/app/delete');
    expect(confirm.html).toContain('Type <strong>DELETE</strong> to confirm');
    const gone = await browser.post('/app/delete', { csrf: field(app.html, 'csrf'), confirm: 'DELETE' });
    expect(gone.url).toContain('/?notice=account_deleted');
    expect(await getGmailConnection(rt.services.db, accountId)).toBeUndefined();
    expect(await rt.services.db.query.accounts.findMany()).toEqual([]);
    expect(await rt.services.db.query.consentRecords.findMany()).toEqual([]);
    const records = await rt.services.db.query.complianceRequests.findMany();
    expect(records).toEqual([
      expect.objectContaining({
        source: 'merchant',
        topic: 'account/delete',
        accountId: null,
        storeDomain: null,
        outcome: 'deleted',
      }),
    ]);
    expect(rt.sandbox!.fakes.google.watchOf('merchant@example.com')).toBeNull();
    expect((await browser.get('/app')).url).toContain('/?notice=signin_required');
  });

  it('disconnects Gmail (watch stopped, grant revoked, token deleted) and the store', async () => {
    const { browser, app } = await signInCheckingConsent();
    const accountId = (await rt.services.db.query.accounts.findFirst())!.id;
    const csrf = field(app.html, 'csrf');
    const refused = await browser.post('/connect/woocommerce/keys', {
      csrf,
      storeUrl: `${rt.config.appUrl}/sandbox/woocommerce`,
      consumerKey: `ck_${'a'.repeat(32)}`,
      consumerSecret: `cs_${'b'.repeat(32)}`,
    });
    // Unknown keys are refused by the store: nothing connected, and the page says so (400).
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('Your store refused those keys.');
    expect(await getStoreConnection(rt.services.db, accountId)).toBeUndefined();
    // Keys not in WooCommerce's shape are not sent to the store at all.
    const malformed = await browser.post('/connect/woocommerce/keys', {
      csrf,
      storeUrl: `${rt.config.appUrl}/sandbox/woocommerce`,
      consumerKey: 'ck_bad',
      consumerSecret: 'cs_bad',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.html).toContain('Those are not WooCommerce API keys.');

    const page = await browser.post('/app/disconnect/gmail', { csrf });
    expect(page.url).toContain('notice=gmail_disconnected');
    expect(await getGmailConnection(rt.services.db, accountId)).toMatchObject({
      sealedRefreshToken: null,
      historyCursor: null,
      status: 'disconnected',
    });
    expect(rt.sandbox!.fakes.google.watchOf('merchant@example.com')).toBeNull();
    const consent = await rt.services.db.query.consentRecords.findFirst();
    expect(consent?.withdrawnAt).toBeTypeOf('number');
  });

  it('signing in again with a store connected does not ask for the store again', async () => {
    const { browser } = await signInCheckingConsent();
    await connectShopify(browser);
    const again = await signIn(rt, browser);
    expect(again.app.url).toBe(`${rt.config.appUrl}/app?notice=signed_in_with_store`);
    expect(again.app.html).not.toContain('Next, connect your store.');
    // A store that can no longer draft (uninstalled: its row stays 48 hours) is a next step again.
    await rt.services.db.update(storeConnections).set({ status: 'uninstalled', sealedCredentials: null });
    const later = await signIn(rt, browser);
    expect(later.app.url).toBe(`${rt.config.appUrl}/app?notice=signed_in`);
    expect(later.app.html).toContain('Next, connect your store.');
  });

  it('a grant given again replaces the one before: one open consent record per kind, the replaced ones ended', async () => {
    const { browser } = await signInCheckingConsent();
    await connectShopify(browser);
    await signIn(rt, browser);
    // Switching stores ends the Shopify grant: its credentials are gone with its connection.
    const connect = await browser.get('/app/connect');
    expect(connect.html).toContain(
      'Your Shopify store sandbox-shop.myshopify.com is connected. Connecting a store here replaces it',
    );
    const authorize = await browser.post('/connect/woocommerce', {
      csrf: field(connect.html, 'csrf'),
      storeUrl: `${rt.config.appUrl}/sandbox/woocommerce`,
    });
    const form: Record<string, string> = { action: 'approve' };
    for (const name of ['app_name', 'scope', 'user_id', 'return_url', 'callback_url'])
      form[name] = field(authorize.html, name);
    expect((await browser.post(authorize.url, form)).html).toContain('WooCommerce store connected');
    const records = await rt.services.db.query.consentRecords.findMany({ orderBy: (c, { asc }) => asc(c.grantedAt) });
    const open = records.filter((r) => r.withdrawnAt === null);
    expect(open.map((r) => r.kind).sort()).toEqual(['google_scopes', 'store_access']);
    expect(open.find((r) => r.kind === 'store_access')!.detail).toMatch(/^woocommerce /);
    expect(
      records
        .filter((r) => r.withdrawnAt !== null)
        .map((r) => r.kind)
        .sort(),
    ).toEqual(['google_scopes', 'store_access']);
  });

  it('says drafting is off when it is: paused, or no kind of mail ticked', async () => {
    const { browser } = await signInCheckingConsent();
    const done = await connectShopify(browser);
    expect(done.html).toContain('Draftline is writing reply drafts for new customer emails.');
    const csrf = field(done.html, 'csrf');
    const paused = await browser.post('/app/pause', { csrf });
    expect(paused.html).toContain('Drafting is paused: new customer emails get no reply draft until you resume.');
    expect(paused.html).not.toContain('Draftline is writing reply drafts');
    await browser.post('/app/resume', { csrf });

    const saved = await saveSettings(browser, {
      shopName: 'Blue Mug Co.',
      signOffName: '',
      signature: '',
      tone: 'formal',
      fallbackLanguage: 'en',
    });
    expect(saved.url).toContain('notice=settings_saved');
    expect(saved.html).toContain('no kind of mail is ticked');
    expect(saved.html).not.toContain('Drafting is on: new customer emails get a reply draft.');
    const dashboard = await browser.get('/app');
    expect(dashboard.html).toContain('No kind of mail is switched on');
    expect(dashboard.html).not.toContain('Draftline is writing reply drafts');
  });

  it('pauses and resumes drafting, and keeps the opt-out list as hashes only', async () => {
    const { browser, app } = await signInCheckingConsent();
    const csrf = field(app.html, 'csrf');
    expect((await browser.post('/app/pause', { csrf })).html).toContain('Drafting is paused.');
    expect((await rt.services.db.query.accounts.findFirst())!.paused).toBe(true);
    await browser.post('/app/resume', { csrf });
    expect((await rt.services.db.query.accounts.findFirst())!.paused).toBe(false);

    const added = await browser.post('/app/optouts', { csrf, action: 'add', address: ' Jane@Example.NET ' });
    expect(added.html).toContain('1 address is');
    const rows = await rt.services.db.query.optOuts.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.addressHash).toMatch(/^[0-9a-f]{64}$/);
    const removed = await browser.post('/app/optouts', { csrf, action: 'remove', address: 'jane@example.net' });
    expect(removed.url).toContain('notice=optout_removed');
    expect(await rt.services.db.query.optOuts.findMany()).toEqual([]);
  });
});
