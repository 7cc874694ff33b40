import { beforeEach, describe, expect, it } from 'vitest';
import { databaseFiles } from '../support/database-files';
import { browserClient } from '../support/browser-client';
import { runtimeForTest, type TestRuntime } from '../support/runtime';
import { signIn } from '../support/sign-in';

/** The settings page's "Store policies" form over HTTP: saved, shown back escaped, refused whole, exported, erased. */
describe('store policies in the settings', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  const account = async () => (await rt.services.db.query.accounts.findFirst())!;
  const unique = () => crypto.randomUUID().slice(0, 8);

  /** The text inside the textarea of that name, as the page sends it (still escaped). */
  const textarea = (html: string, name: string) =>
    new RegExp(`<textarea[^>]*name="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1];
  const input = (html: string, name: string) =>
    new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1];

  function form(csrf: string, values: Partial<Record<string, string>> = {}) {
    return {
      csrf,
      returnWindowDays: '',
      returns: '',
      shipping: '',
      orderChanges: '',
      damagedItems: '',
      faq: '',
      stalledAfterDays: '7',
      ...values,
    };
  }

  it('starts with nothing written, says what policies are for, and the dashboard invites them', async () => {
    const {
      browser,
      app: { html: dashboard },
    } = await signIn(rt);
    expect(dashboard).toContain('Write your store policies');
    const page = await browser.get('/app/settings');
    expect(page.html).toContain('Store policies');
    expect(page.html).toContain('word for word');
    expect(page.html).toContain('your team will confirm');
    expect(page.html).toContain('1,500 characters');
    for (const name of ['returns', 'shipping', 'orderChanges', 'damagedItems', 'faq'])
      expect(textarea(page.html, name)).toBe('');
    expect(input(page.html, 'returnWindowDays')).toBe('');
    expect(input(page.html, 'stalledAfterDays')).toBe('7');
    expect(await account()).toMatchObject({
      returnWindowDays: null,
      policyReturns: null,
      policyFaq: null,
      stalledAfterDays: 7,
    });
  });

  it('saves the policies and shows them back escaped, markup and all', async () => {
    const { browser, csrf } = await signIn(rt);
    const returns = `Returns within 45 days ${unique()}: <script>alert("x")</script> & <a href="https://evil.example">label</a>\r\nRefund in 5 days.`;
    const saved = await browser.post(
      '/app/settings/policies',
      form(csrf, { returnWindowDays: '45', returns, faq: '</textarea><b>bold</b>', stalledAfterDays: '12' }),
    );
    expect(saved.status).toBe(200);
    expect(saved.url).toContain('/app/settings?notice=policies_saved');
    expect(saved.html).toContain('Store policies saved.');
    expect(await account()).toMatchObject({
      returnWindowDays: 45,
      policyReturns: returns.replace('\r\n', '\n'),
      policyFaq: '</textarea><b>bold</b>',
      policyShipping: null,
      stalledAfterDays: 12,
    });

    expect(saved.html).not.toContain('<script>alert');
    expect(saved.html).not.toContain('<b>bold</b>');
    expect(saved.html).not.toContain('<a href="https://evil.example">');
    expect(textarea(saved.html, 'returns')).toBe(
      returns
        .replace('\r\n', '\n')
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;'),
    );
    expect(textarea(saved.html, 'faq')).toBe('&lt;/textarea&gt;&lt;b&gt;bold&lt;/b&gt;');
    expect(input(saved.html, 'returnWindowDays')).toBe('45');
    expect(input(saved.html, 'stalledAfterDays')).toBe('12');

    const dashboard = await browser.get('/app');
    expect(dashboard.html).toMatch(/class="done" id="policies-step"[\s\S]*Store policies written \(3 of 6\)/);

    // Editable: emptied again, they are gone.
    await browser.post('/app/settings/policies', form(csrf, { faq: 'Gift wrap on request.' }));
    expect(await account()).toMatchObject({
      returnWindowDays: null,
      policyReturns: null,
      policyFaq: 'Gift wrap on request.',
      stalledAfterDays: 7,
    });
  });

  it('refuses the whole form when any field is wrong: 400, a message per field, nothing saved, nothing typed lost', async () => {
    const { browser, csrf } = await signIn(rt);
    await browser.post('/app/settings/policies', form(csrf, { shipping: 'EU only.', returnWindowDays: '30' }));
    const before = await account();
    const typed = `Exchanges free ${unique()} <i>always</i>`;
    const refused = await browser.post(
      '/app/settings/policies',
      form(csrf, {
        returns: typed,
        returnWindowDays: '400',
        damagedItems: 'x'.repeat(1501),
        stalledAfterDays: '0',
        shipping: 'Worldwide.',
      }),
    );
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('Some store policies need another look; nothing was saved.');
    expect(refused.html).toContain('a whole number of days from 1 to 365');
    expect(refused.html).toContain('a whole number of days from 1 to 60');
    expect(refused.html).toContain('at most 1,500 characters (this has 1,501)');
    expect(textarea(refused.html, 'returns')).toBe(typed.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(textarea(refused.html, 'shipping')).toBe('Worldwide.');
    expect(input(refused.html, 'returnWindowDays')).toBe('400');
    expect(await account()).toEqual(before);

    // A post that is not the page's form (a field missing) is refused the same way.
    const { faq: _faq, ...missing } = form(csrf, { returns: 'x' });
    expect((await browser.post('/app/settings/policies', missing)).status).toBe(400);
    expect(await account()).toEqual(before);
  });

  it('needs the session and the CSRF token; takes a full form of 3-byte characters under its own size limit', async () => {
    const { browser, csrf } = await signIn(rt);
    expect((await browser.post('/app/settings/policies', form('wrong-token', { returns: 'x' }))).status).toBe(403);
    const stranger = browserClient(rt);
    expect((await stranger.post('/app/settings/policies', form(csrf, { returns: 'x' }))).url).toContain(
      'signin_required',
    );
    expect((await account()).policyReturns).toBeNull();

    // Every text at its limit in a script whose characters take 9 bytes each percent-encoded (~95 KB).
    const full = (n: number) => '返'.repeat(n);
    const big = form(csrf, {
      returns: full(1500),
      shipping: full(1500),
      orderChanges: full(1500),
      damagedItems: full(1500),
      faq: full(3000),
    });
    const saved = await browser.post('/app/settings/policies', big);
    expect(saved.url).toContain('notice=policies_saved');
    expect((await account()).policyFaq).toBe(full(3000));
    // Other forms keep the smaller ceiling.
    const tooBig = await browser.post('/app/settings', {
      csrf,
      shopName: full(4000),
      signOffName: '',
      signature: full(4000),
      tone: 'friendly',
      fallbackLanguage: 'en',
    });
    expect(tooBig.status).toBe(413);
  });

  it('exports the policies, and deleting the account erases them from the database file', async () => {
    const { browser, csrf, accountId } = await signIn(rt);
    const marker = `needle-${unique()}`;
    await browser.post(
      '/app/settings/policies',
      form(csrf, {
        returnWindowDays: '30',
        returns: `Returns ${marker}`,
        shipping: 'EU, 3 days',
        orderChanges: 'Until shipped',
        damagedItems: 'Send a photo',
        faq: `FAQ ${marker}`,
        stalledAfterDays: '9',
      }),
    );
    const data = (await (await browser.raw('/app/export')).json()) as { account: { policies: unknown } };
    expect(data.account.policies).toEqual({
      returnWindowDays: 30,
      returns: `Returns ${marker}`,
      shipping: 'EU, 3 days',
      orderChanges: 'Until shipped',
      damagedItems: 'Send a photo',
      faq: `FAQ ${marker}`,
      stalledAfterDays: 9,
    });
    expect(databaseFiles(rt.dbPath).some((f) => f.text.includes(marker))).toBe(true);

    const gone = await browser.post('/app/delete', { csrf, confirm: 'DELETE' });
    expect(gone.url).toContain('notice=account_deleted');
    expect(await rt.services.db.query.accounts.findMany()).toEqual([]);
    const leftovers = databaseFiles(rt.dbPath)
      .filter((f) => f.text.includes(marker))
      .map((f) => f.file);
    expect(leftovers, `account ${accountId}'s policies still on disk`).toEqual([]);
  });
});
