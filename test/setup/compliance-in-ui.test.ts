import { beforeEach, describe, expect, it } from 'vitest';
import { getStoreConnection } from '../../src/db/accounts';
import { sealedAs } from '../../src/db/sealed';
import { dataRequestPayload, deliverShopify, uninstalledPayload } from '../support/compliance';
import { type browserClient, field } from '../support/browser-client';
import { runtimeForTest, type TestRuntime } from '../support/runtime';
import { signIn } from '../support/sign-in';
import { SANDBOX_SHOP } from '../../src/sandbox';

/** Where the setup flow meets the compliance side: data requests on the status page, webhooks on connect and disconnect. */
describe('setup flow: compliance in the merchant’s pages', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  async function connectShopify(browser: ReturnType<typeof browserClient>, csrf: string) {
    const install = await browser.post('/connect/shopify', { csrf, shop: SANDBOX_SHOP });
    return browser.post(install.url, {
      redirect_uri: field(install.html, 'redirect_uri'),
      state: field(install.html, 'state'),
      scope: field(install.html, 'scope'),
      action: 'install',
    });
  }

  it('shows a Shopify data request and its answer on the status page, naming no customer', async () => {
    const { browser, csrf } = await signIn(rt);
    await connectShopify(browser, csrf);
    expect(
      (
        await deliverShopify(rt, dataRequestPayload('someone@customer.example'), {
          topic: 'customers/data_request',
          webhookId: 'wh-123',
        })
      ).status,
    ).toBe(200);
    const page = await browser.get('/app');
    expect(page.html).toContain('Data requests');
    expect(page.html).toContain('Shopify: a customer asked what data is held');
    expect(page.html).toContain('Shopify request wh-123');
    expect(page.html).toContain('Draftline held nothing about this');
    expect(page.html).not.toContain('someone@customer.example');
    const privacy = await browser.get('/privacy');
    expect(privacy.html).toContain('Records of processing for your account');
    expect(privacy.html).toContain('shopify · customers/data_request');
    // What is kept is the refresh token, as the export and README say; disconnecting keeps the account.
    expect(privacy.html).toContain('Google&#39;s refresh token');
    expect(privacy.html).toContain('the account and its settings stay until you delete it');
  });

  it('resumes drafting when a merchant reinstalls the Shopify app after uninstalling it', async () => {
    const { browser, csrf, accountId } = await signIn(rt);
    await connectShopify(browser, csrf);
    expect((await deliverShopify(rt, uninstalledPayload(), { topic: 'app/uninstalled' })).status).toBe(200);
    expect((await rt.services.db.query.accounts.findFirst())!.paused).toBe(true);
    expect((await getStoreConnection(rt.services.db, accountId))?.status).toBe('uninstalled');
    const again = await connectShopify(browser, csrf);
    expect(again.url).toContain('notice=store_connected');
    expect((await rt.services.db.query.accounts.findFirst())!.paused).toBe(false);
  });

  it('registers the customer-deletion webhook when WooCommerce is connected, and removes it on disconnect', async () => {
    const { browser, csrf, accountId } = await signIn(rt);
    const authorize = await browser.post('/connect/woocommerce', {
      csrf,
      storeUrl: `${rt.config.appUrl}/sandbox/woocommerce`,
    });
    expect(new URL(authorize.url).searchParams.get('scope')).toBe('read_write');
    const form: Record<string, string> = {};
    for (const name of ['app_name', 'scope', 'user_id', 'return_url', 'callback_url'])
      form[name] = field(authorize.html, name);
    const page = await browser.post(authorize.url, { ...form, action: 'approve' });
    expect(page.html).toMatch(/Store webhooks<\/dt><dd>active/);
    const store = (await getStoreConnection(rt.services.db, accountId))!;
    const ids = JSON.parse(store.webhookIds!) as number[];
    expect(ids.length).toBeGreaterThan(0);
    const { consumerKey } = JSON.parse(
      await rt.services.sealer.open(store.sealedCredentials!, sealedAs.storeCredentials(store.id)),
    ) as { consumerKey: string };
    expect(rt.sandbox!.fakes.woocommerce.webhooks(consumerKey).map((w) => w.id)).toEqual(ids);

    await browser.post('/app/disconnect/store', { csrf });
    expect(await getStoreConnection(rt.services.db, accountId)).toBeUndefined();
    expect(rt.sandbox!.fakes.woocommerce.webhooks(consumerKey)).toEqual([]);
  });
});
