import { request as httpRequest } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { issueOptOutToken, OPT_OUT_TOKEN_TTL_MS } from '../../src/compliance/opt-out';
import { clientKey, createRateLimiter } from '../../src/compliance/rate-limit';
import {
  clientAddress,
  cloudflareClientAddress,
  nodeSocketAddress,
  provideClientAddress,
} from '../../src/http/client-address';
import { openForm, shopOnlyAccount, submitForm } from '../support/compliance';
import { databaseFiles } from '../support/database-files';
import { APP_URL, sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/** The public opt-out form, security: forged posts, stale tokens, bad input, and the rate limit. */
describe('opt-out form: forgery and input', () => {
  let rt: TestRuntime;
  let accountId: string;
  let token: string;
  beforeEach(async () => {
    rt = await runtimeForTest();
    ({ accountId } = await rt.reset('shopify', [sampleOrder()]));
    ({ token } = await openForm(rt, accountId));
  });

  const stored = async () => (await rt.services.db.query.optOuts.findMany()).length;
  const ip = (n: number) => ({ 'cf-connecting-ip': `198.51.100.${n}` });

  it('accepts the genuine post (the control for the cases below)', async () => {
    expect((await submitForm(rt, accountId, { email: 'jane@example.net', token })).status).toBe(200);
    expect(await stored()).toBe(1);
  });

  it.each([
    ['from another site (Origin)', { origin: 'https://evil.example' }],
    ['from an opaque origin', { origin: 'null' }],
    ['with neither Origin nor Referer', {}],
    ['with a Referer from another site and no Origin', { referer: 'https://evil.example/page' }],
  ])('refuses a post %s with 403 and stores nothing', async (_label, headers) => {
    const res = await submitForm(rt, accountId, { email: 'jane@example.net', token }, { ...ip(1), ...headers });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('role="alert"');
    expect(await stored()).toBe(0);
  });

  it('accepts our own Referer when a browser sends no Origin', async () => {
    const res = await submitForm(
      rt,
      accountId,
      { email: 'jane@example.net', token },
      { ...ip(2), referer: `${APP_URL}/opt-out/${accountId}` },
    );
    expect(res.status).toBe(200);
    expect(await stored()).toBe(1);
  });

  it('refuses a token issued for another account, an expired one, a tampered one, or none', async () => {
    const now = Date.now();
    const secret = rt.config.secrets.sessionSecret;
    const tokens = [
      await issueOptOutToken(secret, 'acc_someoneelse00000000', now),
      await issueOptOutToken(secret, accountId, now - OPT_OUT_TOKEN_TTL_MS - 1000),
      await issueOptOutToken(secret, accountId, now + 10 * 60_000),
      await issueOptOutToken('another-secret-0123456789abcdef0123', accountId, now),
      token.replace(/\.(.{5})(.)/, (_m, head: string, ch: string) => `.${head}${ch === 'A' ? 'B' : 'A'}`),
      `${now + 1}.${token.split('.')[1]}`,
      '',
    ];
    for (const [i, t] of tokens.entries()) {
      const res = await submitForm(
        rt,
        accountId,
        { email: 'jane@example.net', token: t },
        { origin: APP_URL, ...ip(10 + i) },
      );
      expect(res.status, `token ${i}`).toBe(403);
    }
    expect(await stored()).toBe(0);
  });

  it('asks again for an address that is not one, tied to the field, without storing anything', async () => {
    const res = await submitForm(rt, accountId, { email: '<img src=x onerror=alert(1)>', token });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toMatch(/aria-invalid="true"/);
    expect(html).toMatch(/aria-describedby="email-hint form-problem"/);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x');
    expect(await stored()).toBe(0);
  });

  it('refuses a body over 4 KB', async () => {
    const res = await submitForm(rt, accountId, { email: `${'a'.repeat(5000)}@example.net`, token });
    expect(res.status).toBe(413);
  });

  it('answers 404 for an account id that cannot be one', async () => {
    expect((await rt.request(`/opt-out/${'x'.repeat(65)}`)).status).toBe(404);
    expect((await rt.request('/opt-out/acc%20x')).status).toBe(404);
  });
});

/** The app as src/worker.ts builds it: the client is whoever CF-Connecting-IP names. */
function asOnWorkers(rt: TestRuntime): TestRuntime {
  const app = createApp({ services: rt.services, sandbox: rt.sandbox?.routes, clientAddress: cloudflareClientAddress });
  return { ...rt, request: (path, init) => Promise.resolve(app.request(`${APP_URL}${path}`, init)) };
}

describe('opt-out form: rate limit', () => {
  let rt: TestRuntime;
  let accountId: string;
  beforeEach(async () => {
    rt = asOnWorkers(await runtimeForTest());
    ({ accountId } = await rt.reset('shopify', [sampleOrder()]));
  });

  it('lets 5 posts through per client, then answers 429 with Retry-After; other clients are unaffected', async () => {
    const { token } = await openForm(rt, accountId);
    const from = (addr: string) => ({ origin: APP_URL, 'cf-connecting-ip': addr });
    for (let i = 0; i < 5; i++)
      expect(
        (await submitForm(rt, accountId, { email: `p${i}@example.net`, token }, from('203.0.113.50'))).status,
      ).toBe(200);
    const limited = await submitForm(rt, accountId, { email: 'p6@example.net', token }, from('203.0.113.50'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('Too many attempts');
    expect(await rt.services.db.query.optOuts.findMany()).toHaveLength(5);
    expect((await submitForm(rt, accountId, { email: 'q@example.net', token }, from('203.0.113.51'))).status).toBe(200);

    // Nothing about the client is kept: no address in the database or the logs.
    for (const { text } of databaseFiles(rt.dbPath)) expect(text).not.toContain('203.0.113.5');
    for (const line of rt.logs) expect(line).not.toContain('203.0.113');
  });

  it('does not count forged posts, so they cannot use up the budget of genuine ones', async () => {
    const { token } = await openForm(rt, accountId);
    const from = { origin: APP_URL, 'cf-connecting-ip': '203.0.113.60' };
    for (let i = 0; i < 40; i++) {
      expect((await submitForm(rt, accountId, { email: `f${i}@example.net`, token: 'forged' }, from)).status).toBe(403);
    }
    expect((await submitForm(rt, accountId, { email: 'real@example.net', token }, from)).status).toBe(200);
    expect(await rt.services.db.query.optOuts.findMany()).toHaveLength(1);
  });

  it('cannot be escaped by rotating X-Forwarded-For or X-Real-IP behind one CF-Connecting-IP', async () => {
    const { token } = await openForm(rt, accountId);
    const statuses = [];
    for (let i = 0; i < 8; i++) {
      const headers = {
        origin: APP_URL,
        'cf-connecting-ip': '203.0.113.70',
        'x-forwarded-for': `10.0.0.${i}, 192.0.2.${i}`,
        'x-real-ip': `192.0.2.${i}`,
      };
      statuses.push((await submitForm(rt, accountId, { email: `x${i}@example.net`, token }, headers)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  });

  it('counts an IPv6 client by its /64, so hopping addresses inside it does not escape', async () => {
    const { token } = await openForm(rt, accountId);
    const from = (addr: string) => ({ origin: APP_URL, 'cf-connecting-ip': addr });
    const statuses = [];
    for (let i = 1; i <= 7; i++)
      statuses.push(
        (
          await submitForm(
            rt,
            accountId,
            { email: `h${i}@example.net`, token },
            from(`2001:db8:aa:bb::${i.toString(16)}`),
          )
        ).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect((await submitForm(rt, accountId, { email: 'n@example.net', token }, from('2001:db8:aa:bc::1'))).status).toBe(
      200,
    );
  });

  it('does not lump requests with no known address into one bucket that locks the form', async () => {
    const { token } = await openForm(rt, accountId);
    const nowhere = { origin: APP_URL }; // no CF-Connecting-IP: the runtime cannot name the client
    // Far more than one client's 5: address-less posts have 50 per account of their own.
    for (let i = 0; i < 50; i++)
      expect(
        (await submitForm(rt, accountId, { email: `u${i}@example.net`, token }, nowhere)).status,
        `post ${i}`,
      ).toBe(200);
    expect((await submitForm(rt, accountId, { email: 'u50@example.net', token }, nowhere)).status).toBe(429);
    // A client whose address is known is untouched by all that, and so is another account's form.
    expect(
      (
        await submitForm(
          rt,
          accountId,
          { email: 'known@example.net', token },
          { origin: APP_URL, 'cf-connecting-ip': '203.0.113.80' },
        )
      ).status,
    ).toBe(200);
    const other = await shopOnlyAccount(rt, 'other-shop.myshopify.com');
    const { token: otherToken } = await openForm(rt, other);
    expect((await submitForm(rt, other, { email: 'o@example.net', token: otherToken }, nowhere)).status).toBe(200);
  });
});

/** The app as src/node.ts serves it, on a real socket: the client is the TCP peer. */
describe('opt-out form: rate limit on Node', () => {
  let rt: TestRuntime;
  let accountId: string;
  let close: () => void;
  let port: number;
  beforeEach(async () => {
    rt = await runtimeForTest();
    ({ accountId } = await rt.reset('shopify', [sampleOrder()]));
    await new Promise<void>((resolve) => {
      const server = serve({ fetch: rt.app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
        port = info.port;
        resolve();
      });
      close = () => server.close();
    });
  });
  afterEach(() => close());

  /** POSTs the form from a given local address (the whole of 127.0.0.0/8 is loopback on Linux). */
  const post = (from: string, token: string, email: string, headers: Record<string, string> = {}) =>
    new Promise<number>((resolve, reject) => {
      const body = new URLSearchParams({ email, token }).toString();
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          localAddress: from,
          method: 'POST',
          path: `/opt-out/${accountId}`,
          headers: {
            host: new URL(APP_URL).host,
            origin: APP_URL,
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            ...headers,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('keys by the socket: rotating X-Forwarded-For, X-Real-IP or even CF-Connecting-IP does not escape', async () => {
    const { token } = await openForm(rt, accountId);
    const statuses = [];
    for (let i = 0; i < 8; i++) {
      statuses.push(
        await post('127.0.0.2', token, `s${i}@example.net`, {
          'x-forwarded-for': `198.51.100.${i}`,
          'x-real-ip': `198.51.100.${i}`,
          'cf-connecting-ip': `198.51.100.${i}`,
        }),
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  });

  it('one client sending no forwarding headers cannot lock out another', async () => {
    const { token } = await openForm(rt, accountId);
    for (let i = 0; i < 6; i++) await post('127.0.0.3', token, `a${i}@example.net`);
    expect(await post('127.0.0.3', token, 'a6@example.net')).toBe(429);
    expect(await post('127.0.0.4', token, 'b@example.net')).toBe(200);
  });
});

describe('rate limiter', () => {
  it('refills over time, caps every client together, and forgets the least recently seen', async () => {
    let t = 0;
    const limiter = createRateLimiter({
      capacity: 2,
      refillPerMinute: 1,
      globalCapacity: 3,
      globalRefillPerMinute: 60,
      maxClients: 2,
      now: () => t,
    });
    expect(await limiter.take('a')).toEqual({ ok: true });
    expect(await limiter.take('a')).toEqual({ ok: true });
    expect(await limiter.take('a')).toEqual({ ok: false, reason: 'rate_limited', retryAfterSeconds: 60 });
    t += 60_000;
    expect(await limiter.take('a')).toEqual({ ok: true });
    // The shared ceiling: b and c together may not pass 3 at one instant.
    t += 120_000;
    expect(await limiter.take('b')).toEqual({ ok: true });
    expect(await limiter.take('c')).toEqual({ ok: true });
    expect(await limiter.take('b')).toEqual({ ok: true });
    expect((await limiter.take('c')).ok).toBe(false);
  });

  it('gives requests with no known address their own, larger bucket per scope, apart from every client', async () => {
    const limiter = createRateLimiter({
      capacity: 1,
      refillPerMinute: 1,
      unknownCapacity: 3,
      unknownRefillPerMinute: 1,
      globalCapacity: 100,
      globalRefillPerMinute: 1,
      now: () => 0,
    });
    for (let i = 0; i < 3; i++) expect((await limiter.take(null, 'acc_a')).ok).toBe(true);
    expect((await limiter.take(null, 'acc_a')).ok).toBe(false);
    expect((await limiter.take(null, 'acc_b')).ok).toBe(true);
    expect((await limiter.take('198.51.100.1', 'acc_a')).ok).toBe(true);
    // An address that spells the scope cannot reach the unknown bucket, nor the other way round.
    expect((await limiter.take('unknown acc_a', 'acc_a')).ok).toBe(true);
  });

  it.each([
    ['198.51.100.7', '198.51.100.7'],
    ['::ffff:198.51.100.7', '198.51.100.7'],
    ['::ffff:c633:6407', '198.51.100.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['[2001:DB8:1:2::ffff]', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('counts %s as %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});

describe('client address: the runtime says, not the client', () => {
  const spoofed = { 'x-forwarded-for': '9.9.9.9, 8.8.8.8', 'x-real-ip': '7.7.7.7' };
  const appWith = (source?: typeof cloudflareClientAddress) => {
    const app = new Hono();
    if (source) app.use(provideClientAddress(source));
    return app.get('/', (c) => c.json({ address: clientAddress(c) }));
  };
  const seen = async (app: Hono, headers: Record<string, string>) =>
    ((await (await app.request('/', { headers })).json()) as { address: string | null }).address;

  it('on Workers is CF-Connecting-IP, whatever X-Forwarded-For and X-Real-IP say', async () => {
    expect(await seen(appWith(cloudflareClientAddress), { 'cf-connecting-ip': '1.1.1.1', ...spoofed })).toBe('1.1.1.1');
    expect(await seen(appWith(cloudflareClientAddress), spoofed)).toBeNull();
  });

  it('on Node is the socket, and never a header (none here: app.request has no socket)', async () => {
    expect(await seen(appWith(nodeSocketAddress), { 'cf-connecting-ip': '1.1.1.1', ...spoofed })).toBeNull();
  });

  it('is unknown when no runtime source was given', async () => {
    expect(await seen(appWith(), { 'cf-connecting-ip': '1.1.1.1', ...spoofed })).toBeNull();
  });
});
