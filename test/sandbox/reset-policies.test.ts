import { beforeEach, describe, expect, it } from 'vitest';
import { DEMO_POLICIES } from '../../src/sandbox/demo';
import { sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/** POST /sandbox/reset's "policies" (README sandbox contract), and the mailbox view's hint and example button. */
describe('sandbox reset with store policies', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  const reset = (body: Record<string, unknown>) =>
    rt.request('/sandbox/reset', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ store: 'shopify', orders: [sampleOrder()], ...body }),
    });
  const account = async () => (await rt.services.db.query.accounts.findFirst())!;
  const mailPage = async () => (await rt.request('/sandbox/mail', { headers: { accept: 'text/html' } })).text();

  it('writes the policies given to the sandbox merchant’s account, validated like the form', async () => {
    const shipping = `EU in 3 days ${crypto.randomUUID()}`;
    const res = await reset({
      policies: {
        returnWindowDays: 30,
        returns: ' Free returns.\r\nLabel at https://shop.example/r ',
        shipping,
        orderChanges: 'Until shipped.',
        damagedItems: 'Photo, then a replacement.',
        faq: 'Stoneware.',
      },
    });
    expect(res.status).toBe(200);
    const { accountId } = (await res.json()) as { accountId: string };
    expect(await account()).toMatchObject({
      id: accountId,
      returnWindowDays: 30,
      policyReturns: 'Free returns.\nLabel at https://shop.example/r',
      policyShipping: shipping,
      policyOrderChanges: 'Until shipped.',
      policyDamagedItems: 'Photo, then a replacement.',
      policyFaq: 'Stoneware.',
      stalledAfterDays: 7,
    });
    expect(await mailPage()).toContain('6 written');

    // Every field optional: the rest stays unset.
    await reset({ policies: { faq: 'Gift wrap free.', stalledAfterDays: 3 } });
    expect(await account()).toMatchObject({
      returnWindowDays: null,
      policyReturns: null,
      policyFaq: 'Gift wrap free.',
      stalledAfterDays: 3,
    });
  });

  it('without "policies" nothing is set, and the mailbox view says where to set them', async () => {
    await reset({ policies: { returns: 'Old.' } });
    expect((await reset({})).status).toBe(200);
    expect(await account()).toMatchObject({
      returnWindowDays: null,
      policyReturns: null,
      policyShipping: null,
      policyOrderChanges: null,
      policyDamagedItems: null,
      policyFaq: null,
      stalledAfterDays: 7,
    });
    const page = await mailPage();
    expect(page).toContain('This shop has no store policies yet');
    expect(page).toContain('href="/app/settings#store-policies"');
    expect(page).toContain('id="use-example-policies"');
  });

  it('refuses bad policies with 400 naming the field, and leaves the sandbox as it was', async () => {
    await reset({ policies: { returns: 'Kept.' } });
    const before = await account();
    for (const [policies, field] of [
      [{ returnWindowDays: 0 }, 'returnWindowDays'],
      [{ returnWindowDays: 366 }, 'returnWindowDays'],
      [{ returnWindowDays: 30.5 }, 'returnWindowDays'],
      [{ returnWindowDays: 'thirty' }, 'returnWindowDays'],
      [{ stalledAfterDays: 61 }, 'stalledAfterDays'],
      [{ returns: 'x'.repeat(1501) }, 'returns'],
      [{ faq: 'x'.repeat(3001) }, 'faq'],
      [{ shipping: 42 }, 'shipping'],
      [{ damagedItems: 'bell\u0007' }, 'damagedItems'],
      [{ return_window_days: 30 }, 'return_window_days'],
      ['all of them', ''],
    ] as const) {
      const res = await reset({ policies });
      expect(res.status, JSON.stringify(policies)).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_body');
      expect(body.error.message).toMatch(/^policies/);
      expect(body.error.message).toContain(field);
    }
    expect(await account()).toEqual(before);
  });

  it('"Use example policies" fills a realistic set only while none is written, and only from the app’s own pages', async () => {
    await reset({});
    const post = (origin: string) =>
      rt.request('/sandbox/example-policies', { method: 'POST', headers: { origin, accept: 'text/html' } });
    expect((await post('https://evil.example')).status).toBe(403);
    expect((await account()).policyReturns).toBeNull();

    const res = await post(rt.config.appUrl);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/sandbox/mail');
    expect(await account()).toMatchObject({
      returnWindowDays: DEMO_POLICIES.returnWindowDays,
      policyReturns: DEMO_POLICIES.returns,
      policyFaq: DEMO_POLICIES.faq,
    });
    expect(await mailPage()).not.toContain('id="use-example-policies"');

    await reset({ policies: { returns: 'Mine.' } });
    await post(rt.config.appUrl);
    expect(await account()).toMatchObject({ policyReturns: 'Mine.', policyShipping: null, returnWindowDays: null });
  });
});
