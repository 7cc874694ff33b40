import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { countOptOuts, optOutUrl } from '../../src/compliance/opt-out';
import { hashAddress } from '../../src/crypto/hmac';
import { countersFor } from '../../src/db/counters';
import { optOuts } from '../../src/db/schema';
import { utcDay } from '../../src/platform/ids';
import { openForm, submitForm } from '../support/compliance';
import { databaseFiles } from '../support/database-files';
import { APP_URL, customerMail, sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/** The public opt-out page, happy paths: the form, what it stores, and the pipeline honouring it. */
/** The page as a person sees it: tokens and the account id in the form's action removed. */
const comparable = (html: string, accountId: string) =>
  html.replace(/name="token" value="[^"]+"/, 'name="token" value=""').replaceAll(accountId, 'ACCOUNT');

describe('opt-out page', () => {
  let rt: TestRuntime;
  let accountId: string;
  beforeEach(async () => {
    rt = await runtimeForTest();
    ({ accountId } = await rt.reset('shopify', [sampleOrder()]));
  });

  it('shows an accessible form in the shared page frame', async () => {
    const { res, html, token } = await openForm(rt, accountId);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(html).toMatch(/^<!doctype html><html lang="en">/);
    expect(html).toContain('<a class="skip" href="#main">');
    expect(html).toContain('<main id="main">');
    expect(html).toMatch(/<label for="email">/);
    expect(html).toMatch(/<input[^>]*type="email"[^>]*id="email"[^>]*name="email"[^>]*autocomplete="email"/);
    expect(html).toMatch(/aria-describedby="email-hint"/);
    expect(html).toMatch(/<form[^>]*method="post"[^>]*action="\/opt-out\//);
    expect(html).toContain('<button type="submit">');
    expect(token).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
  });

  it('stores only the keyed hash of the normalised address and confirms', async () => {
    const { token } = await openForm(rt, accountId);
    const res = await submitForm(rt, accountId, { email: '  Jane.Doe@Example.NET ', token });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('role="status"');
    expect(html).toMatch(/<h1[^>]*tabindex="-1"[^>]*autofocus/);
    expect(html).not.toContain('Jane.Doe');

    const rows = await rt.services.db.query.optOuts.findMany({ where: eq(optOuts.accountId, accountId) });
    expect(rows.map((r) => r.addressHash)).toEqual([
      await hashAddress(rt.config.secrets.hashKey, 'jane.doe@example.net'),
    ]);
    for (const { file, text } of databaseFiles(rt.dbPath))
      expect(text.toLowerCase().includes('jane.doe'), file).toBe(false);
    for (const line of rt.logs) expect(line.toLowerCase()).not.toContain('jane.doe');
  });

  it('a second submission of the same address changes nothing', async () => {
    for (const email of ['jane@example.net', 'JANE@example.net']) {
      const { token } = await openForm(rt, accountId);
      expect((await submitForm(rt, accountId, { email, token })).status).toBe(200);
    }
    expect(await countOptOuts(rt.services.db, accountId)).toBe(1);
  });

  it('gives the merchant the link to hand out, which serves the form', async () => {
    const url = optOutUrl(`${APP_URL}/`, accountId);
    expect(url).toBe(`${APP_URL}/opt-out/${accountId}`);
    expect((await rt.request(url.slice(APP_URL.length))).status).toBe(200);
    expect(await countOptOuts(rt.services.db, accountId)).toBe(0);
  });

  it('answers an unknown account exactly like a known one, and stores nothing for it', async () => {
    const unknown = 'acc_doesnotexist000000';
    const known = await openForm(rt, accountId);
    const stranger = await openForm(rt, unknown);
    expect(stranger.res.status).toBe(known.res.status);
    expect(comparable(stranger.html, unknown)).toBe(comparable(known.html, accountId));

    const a = await submitForm(rt, accountId, { email: 'jane@example.net', token: known.token });
    const b = await submitForm(rt, unknown, { email: 'jane@example.net', token: stranger.token });
    expect(b.status).toBe(a.status);
    expect(comparable(await b.text(), unknown)).toBe(comparable(await a.text(), accountId));
    const rows = await rt.services.db.query.optOuts.findMany();
    expect(rows.map((r) => r.accountId)).toEqual([accountId]);
  });

  it('the pipeline then skips that sender before any order lookup or LLM call; others still get drafts', async () => {
    const { token } = await openForm(rt, accountId);
    await submitForm(rt, accountId, { email: 'jane@example.net', token });
    const shopify = rt.sandbox!.fakes.shopify;
    const openai = rt.sandbox!.fakes.openai;
    const storeCalls = shopify.calls('sandbox-shop.myshopify.com');
    const llmCalls = openai.calls();

    await rt.sendMail(
      customerMail({
        from: 'Jane <Jane@Example.net>',
        subject: 'Order 1042',
        body: 'Where is order #1042?',
        messageId: '<o1@example.net>',
      }),
    );
    expect(await rt.drafts()).toEqual([]);
    expect(shopify.calls('sandbox-shop.myshopify.com')).toBe(storeCalls);
    expect(openai.calls()).toBe(llmCalls);
    const counts = await countersFor(rt.services.db, accountId, utcDay(Date.now()));
    expect(counts['skipped:opted_out']).toBe(1);

    // Control: someone who did not opt out is answered as before.
    await rt.sendMail(
      customerMail({
        from: 'kim@example.org',
        subject: 'Hello',
        body: 'Do you ship to Lyon?',
        messageId: '<o2@example.org>',
      }),
    );
    expect(await rt.drafts()).toHaveLength(1);
  });
});
