import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueOptOutToken, OPT_OUT_TOKEN_TTL_MS } from '../../src/compliance/opt-out';
import { clientIpFrom, createRateLimiter } from '../../src/compliance/rate-limit';
import { databaseFiles, openForm, submitForm } from './support';
import { APP_URL, sampleOrder, startTestRuntime, type TestRuntime } from '../support/runtime';

/** The public opt-out form, security: forged posts, stale tokens, bad input, and the rate limit. */
describe('opt-out form: forgery and input', () => {
  let rt: TestRuntime;
  let accountId: string;
  let token: string;
  beforeEach(async () => {
    rt = await startTestRuntime();
    ({ accountId } = await rt.reset('shopify', [sampleOrder()]));
    ({ token } = await openForm(rt, accountId));
  });
  afterEach(() => rt.close());

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
    const res = await submitForm(rt, accountId, { email: 'jane@example.net', token }, { ...ip(2), referer: `${APP_URL}/opt-out/${accountId}` });
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
      const res = await submitForm(rt, accountId, { email: 'jane@example.net', token: t }, { origin: APP_URL, ...ip(10 + i) });
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

describe('opt-out form: rate limit', () => {
  let rt: TestRuntime;
  let accountId: string;
  beforeEach(async () => {
    rt = await startTestRuntime();
    ({ accountId } = await rt.reset('shopify', [sampleOrder()]));
  });
  afterEach(() => rt.close());

  it('lets 5 posts through per client, then answers 429 with Retry-After; other clients are unaffected', async () => {
    const { token } = await openForm(rt, accountId);
    const from = (addr: string) => ({ origin: APP_URL, 'cf-connecting-ip': addr });
    for (let i = 0; i < 5; i++) expect((await submitForm(rt, accountId, { email: `p${i}@example.net`, token }, from('203.0.113.50'))).status).toBe(200);
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
});

describe('rate limiter', () => {
  it('refills over time, caps every client together, and forgets the least recently seen', async () => {
    let t = 0;
    const limiter = createRateLimiter({ capacity: 2, refillPerMinute: 1, globalCapacity: 3, globalRefillPerMinute: 60, maxClients: 2, now: () => t });
    expect(await limiter.take('a')).toEqual({ allowed: true });
    expect(await limiter.take('a')).toEqual({ allowed: true });
    expect(await limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
    t += 60_000;
    expect(await limiter.take('a')).toEqual({ allowed: true });
    // The shared ceiling: b and c together may not pass 3 at one instant.
    t += 120_000;
    expect(await limiter.take('b')).toEqual({ allowed: true });
    expect(await limiter.take('c')).toEqual({ allowed: true });
    expect(await limiter.take('b')).toEqual({ allowed: true });
    expect((await limiter.take('c')).allowed).toBe(false);
  });

  it('keys clients by the address the platform reports', () => {
    const h = (headers: Record<string, string>) => (name: string) => headers[name];
    expect(clientIpFrom(h({ 'cf-connecting-ip': '1.1.1.1', 'x-forwarded-for': '9.9.9.9' }))).toBe('1.1.1.1');
    expect(clientIpFrom(h({ 'x-forwarded-for': 'spoofed, 2.2.2.2' }))).toBe('2.2.2.2');
    expect(clientIpFrom(h({}))).toBe('unknown');
  });
});
