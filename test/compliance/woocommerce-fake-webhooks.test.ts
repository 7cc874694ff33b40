import { beforeEach, describe, expect, it } from 'vitest';
import { createWooCommerceFake } from '../../src/sandbox/fakes/woocommerce';
import { routeFetch } from '../../src/sandbox/fakes/route-fetch';

/**
 * The WooCommerce fake's webhook endpoints answer as WooCommerce's REST controller does (shapes,
 * status codes, error codes), so the code under test meets the real behaviour, mistakes included.
 */
const BASE = 'http://woo.test';
const auth = (key: string, secret: string) => ({ authorization: `Basic ${btoa(`${key}:${secret}`)}` });

describe('WooCommerce fake: /wp-json/wc/v3/webhooks', () => {
  let fake: ReturnType<typeof createWooCommerceFake>;
  let fetch: ReturnType<typeof routeFetch>;
  const pings: string[] = [];
  const call = (path: string, init: RequestInit & { key?: string } = {}) =>
    fetch(`${BASE}/wp-json/wc/v3/${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...auth(init.key ?? 'ck_rw', (init.key ?? 'ck_rw').replace('ck_', 'cs_')),
        ...(init.headers as Record<string, string>),
      },
    });
  const create = (body: unknown, key?: string) => call('webhooks', { method: 'POST', body: JSON.stringify(body), key });

  beforeEach(() => {
    pings.length = 0;
    fake = createWooCommerceFake({
      deliver: async (req) => {
        pings.push(`${req.url} ${await req.text()}`);
        return new Response('ok', { status: 200 });
      },
    });
    fake.addStore('ck_rw', 'cs_rw', []);
    fake.addStore('ck_ro', 'cs_ro', [], { permissions: 'read' });
    fetch = routeFetch(BASE, fake.app);
  });

  it('creates a webhook: 201, Location, the edit-context shape with its secret, then the ping', async () => {
    const res = await create({
      name: 'Draftline',
      topic: 'customer.deleted',
      delivery_url: 'https://app.example/webhooks/woocommerce',
      secret: 's3cret',
    });
    expect(res.status).toBe(201);
    const hook = (await res.json()) as Record<string, unknown>;
    expect(hook).toMatchObject({
      name: 'Draftline',
      status: 'active',
      topic: 'customer.deleted',
      resource: 'customer',
      event: 'deleted',
      hooks: ['delete_user'],
      delivery_url: 'https://app.example/webhooks/woocommerce',
      secret: 's3cret',
    });
    expect(res.headers.get('location')).toBe(`${BASE}/wp-json/wc/v3/webhooks/${hook.id}`);
    expect(pings).toEqual([`https://app.example/webhooks/woocommerce webhook_id=${hook.id}`]);
    // view context (GET) leaves the secret out
    const got = (await (await call(`webhooks/${hook.id}`)).json()) as Record<string, unknown>;
    expect(got.secret).toBeUndefined();
    expect(got).toMatchObject({ id: hook.id, status: 'active', date_created_gmt: expect.any(String) });
  });

  it.each([
    [{ delivery_url: 'https://a.example/' }, 'rest_missing_callback_param'],
    [{ topic: 'customer.exploded', delivery_url: 'https://a.example/' }, 'woocommerce_rest_shop_webhook_invalid_topic'],
    [
      { topic: 'customer.deleted', delivery_url: 'ftp://a.example/' },
      'woocommerce_rest_shop_webhook_invalid_delivery_url',
    ],
  ])('refuses an invalid create %# with 400 %s', async (body, code) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code, data: { status: 400 } });
  });

  it('a read-only key cannot create (401, WooCommerce’s own wording) but can list', async () => {
    const res = await create({ topic: 'customer.deleted', delivery_url: 'https://a.example/' }, 'ck_ro');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      code: 'woocommerce_rest_authentication_error',
      message: 'The API key provided does not have write permissions.',
      data: { status: 401 },
    });
    expect((await call('webhooks', { key: 'ck_ro' })).status).toBe(200);
  });

  it('lists with X-WP-Total and filters by status; stores do not see each other’s webhooks', async () => {
    await create({ topic: 'customer.deleted', delivery_url: 'https://a.example/' });
    const second = (await (await create({ topic: 'order.created', delivery_url: 'https://a.example/' })).json()) as {
      id: number;
    };
    fake.setWebhookStatus(second.id, 'disabled');
    const all = await call('webhooks');
    expect(all.headers.get('x-wp-total')).toBe('2');
    const disabled = (await (await call('webhooks?status=disabled')).json()) as { id: number }[];
    expect(disabled.map((w) => w.id)).toEqual([second.id]);
    expect(await (await call('webhooks', { key: 'ck_ro' })).json()).toEqual([]);
    expect((await call('webhooks?status=broken')).status).toBe(400);
  });

  it('updates status and secret; a missing id is 400 "ID is invalid." on GET and PUT', async () => {
    const hook = (await (await create({ topic: 'customer.deleted', delivery_url: 'https://a.example/' })).json()) as {
      id: number;
    };
    fake.setWebhookStatus(hook.id, 'disabled');
    const res = await call(`webhooks/${hook.id}`, {
      method: 'PUT',
      body: JSON.stringify({ status: 'active', secret: 'new' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'active', secret: 'new' });
    expect(
      (await call(`webhooks/${hook.id}`, { method: 'PUT', body: JSON.stringify({ status: 'sleeping' }) })).status,
    ).toBe(400);
    for (const init of [{}, { method: 'PUT', body: '{}' }]) {
      const missing = await call('webhooks/999999', init);
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({
        code: 'woocommerce_rest_shop_webhook_invalid_id',
        message: 'ID is invalid.',
      });
    }
  });

  it('deletes only with force=true (501 otherwise); a missing id is 404', async () => {
    const hook = (await (await create({ topic: 'customer.deleted', delivery_url: 'https://a.example/' })).json()) as {
      id: number;
    };
    const trash = await call(`webhooks/${hook.id}`, { method: 'DELETE' });
    expect(trash.status).toBe(501);
    expect(await trash.json()).toMatchObject({ code: 'woocommerce_rest_trash_not_supported' });
    expect((await call(`webhooks/${hook.id}?force=true`, { method: 'DELETE' })).status).toBe(200);
    expect((await call(`webhooks/${hook.id}?force=true`, { method: 'DELETE' })).status).toBe(404);
  });

  it('delivers signed, never retries, and disables a webhook after more than 5 failures in a row', async () => {
    const statuses: number[] = [];
    let answer = 500;
    const seen: Request[] = [];
    fake = createWooCommerceFake({
      deliver: async (req) => {
        if (!(await req.clone().text()).startsWith('webhook_id=')) seen.push(req);
        return new Response(null, { status: answer });
      },
    });
    fake.addStore('ck_rw', 'cs_rw', [], { homeUrl: 'https://shop.example/' });
    fetch = routeFetch(BASE, fake.app);
    const hook = (await (
      await create({ topic: 'customer.deleted', delivery_url: 'https://a.example/', secret: 'k' })
    ).json()) as { id: number };
    for (let i = 0; i < 6; i++) statuses.push(...(await fake.trigger('ck_rw', 'customer.deleted', { id: i })));
    expect(fake.webhooks('ck_rw')[0]).toMatchObject({ status: 'active', failure_count: 6 });
    await fake.trigger('ck_rw', 'customer.deleted', { id: 7 });
    expect(fake.webhooks('ck_rw')[0]!.status).toBe('disabled');
    expect(await fake.trigger('ck_rw', 'customer.deleted', { id: 8 })).toEqual([]);
    expect(statuses).toEqual(Array(6).fill(500));

    const req = seen[0]!;
    expect(req.headers.get('x-wc-webhook-source')).toBe('https://shop.example/');
    expect(req.headers.get('x-wc-webhook-topic')).toBe('customer.deleted');
    expect(req.headers.get('x-wc-webhook-id')).toBe(String(hook.id));
    const body = await req.text();
    expect(body).toBe('{"id":0}');
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode('k'),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const expected = btoa(
      String.fromCharCode(...new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)))),
    );
    expect(req.headers.get('x-wc-webhook-signature')).toBe(expected);

    // A success resets the count.
    answer = 200;
    fake.setWebhookStatus(hook.id, 'active');
    await fake.trigger('ck_rw', 'customer.deleted', { id: 9 });
    expect(fake.webhooks('ck_rw')[0]!.failure_count).toBe(0);
  });
});
