import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { accounts } from '../../src/db/schema';
import { type browserClient, field } from '../support/browser-client';
import { sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';
import { signIn } from '../support/sign-in';
import { openForm } from '../support/compliance';

/** Form posts from the setup pages (and the opt-out form) have a size ceiling: 413, nothing changed. */
describe('form body limit', () => {
  let rt: TestRuntime;
  let browser: ReturnType<typeof browserClient>;
  let csrf: string;
  let accountId: string;
  beforeEach(async () => {
    rt = await runtimeForTest();
    ({ browser, accountId } = await signIn(rt));
    csrf = field((await browser.get('/app/settings')).html, 'csrf');
  });

  const settings = (shopName: string) =>
    new URLSearchParams({
      csrf,
      shopName,
      signOffName: 'Sam',
      signature: '',
      tone: 'formal',
      fallbackLanguage: 'fr',
      draftKinds: 'returns',
    }).toString();
  const account = async () => (await rt.services.db.query.accounts.findFirst({ where: eq(accounts.id, accountId) }))!;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    browser.raw(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: rt.config.appUrl, ...headers },
      body,
    });

  // 70 KiB in a field the form would refuse anyway, and junk padding in one it ignores.
  const huge = 'x'.repeat(70 * 1024);

  it('saves an ordinary settings form (the control)', async () => {
    const res = await post('/app/settings', settings('Blue Mug Co.'));
    expect(res.status).toBe(303);
    expect((await account()).shopName).toBe('Blue Mug Co.');
  });

  it.each([
    ['counted while reading (no Content-Length)', {}],
    ['declared up front (Content-Length)', { 'content-length': String(settings(huge).length) }],
  ])(
    'answers 413 with the error page for an oversized settings post, %s, and saves nothing',
    async (_label, headers) => {
      const before = await account();
      const res = await post('/app/settings', settings(huge), headers);
      expect(res.status).toBe(413);
      const html = await res.text();
      expect(html).toContain('That was too large');
      expect(html).toContain('Nothing was saved.');
      expect(await account()).toEqual(before);
    },
  );

  it('answers 413 in the JSON envelope to a client that does not ask for HTML', async () => {
    const res = await post('/app/settings', settings(huge), { accept: 'application/json' });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large', requestId: expect.any(String) } });
  });

  it('refuses padding on the small forms: opt-outs, pause, WooCommerce keys, sign-out', async () => {
    const pad = `csrf=${encodeURIComponent(csrf)}&address=jane%40example.net&junk=${huge}`;
    expect((await post('/app/optouts', pad)).status).toBe(413);
    expect(await rt.services.db.query.optOuts.findMany()).toHaveLength(0);
    expect((await post('/app/pause', pad)).status).toBe(413);
    expect((await account()).paused).toBe(false);
    expect((await post('/connect/woocommerce/keys', pad)).status).toBe(413);
    expect((await post('/auth/sign-out', pad)).status).toBe(413);
    // Still signed in: the sign-out post was refused before it ran.
    expect((await browser.get('/app')).url).toBe(`${rt.config.appUrl}/app`);
  });

  it('answers 413 on the public opt-out form in the same envelope (its 4 KiB limit was already there)', async () => {
    const { accountId: shop } = await rt.reset('shopify', [sampleOrder()]);
    const { token } = await openForm(rt, shop);
    const res = await rt.request(`/opt-out/${shop}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: rt.config.appUrl,
        accept: 'application/json',
      },
      body: new URLSearchParams({ token, email: `${'a'.repeat(5000)}@example.net` }).toString(),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });
});
