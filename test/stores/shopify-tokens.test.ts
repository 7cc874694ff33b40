import { readFileSync, existsSync } from 'node:fs';
import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { connectShopify } from '../../src/accounts/connect-store';
import { countersFor } from '../../src/db/counters';
import { getStoreConnection } from '../../src/db/accounts';
import { storeConnections } from '../../src/db/schema';
import { eq } from 'drizzle-orm';
import { syncAccount } from '../../src/pipeline/sync';
import { utcDay } from '../../src/platform/ids';
import { createLogger } from '../../src/platform/log';
import { routeFetch } from '../../src/sandbox/fakes/route-fetch';
import { createShopifyFake, INVALID_TOKEN_BODY, NON_EXPIRING_TOKENS_END } from '../../src/sandbox/fakes/shopify';
import { createShopifyOAuthFake } from '../../src/sandbox/fakes/shopify-oauth';
import { openStoreCredentials, sealedAs } from '../../src/db/sealed';
import { shopifyConnectionRecord } from '../../src/db/store-connections';
import type { Services } from '../../src/services';
import { StoreApiError } from '../../src/stores/errors';
import { openShopifyOrderSource, REFRESH_MARGIN_MS } from '../../src/stores/shopify';
import { exchangeInstallCode, type ShopifyCredentials } from '../../src/stores/shopify-install';
import { question, pipelineForTest, type PipelineRuntime } from '../support/pipeline';
import { signIn } from '../support/sign-in';
import { SANDBOX_SHOP as SHOP } from '../../src/sandbox';
import { sampleOrder } from '../support/runtime';

/**
 * Shopify's expiring offline tokens, as documented:
 * https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens
 * (1 h access token, refresh token, non-expiring tokens refused from 2027-01-01),
 * https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh (expires_in,
 * refresh_token, refresh_token_expires_in; refresh a few minutes early) and
 * https://shopify.dev/docs/apps/build/authentication-authorization/migrate-to-expiring-offline-access-tokens
 * (token exchange for the non-expiring ones).
 */
const SHOPIFY = 'http://shopify.test';
const HOUR = 3_600_000;

/** A fake Shopify (Admin API and install) on its own clock, reached through an in-process fetch. */
function shopifyWorld(rt: PipelineRuntime['rt'], startAt = Date.UTC(2026, 11, 1, 12)) {
  const clock = { now: startAt };
  const now = () => clock.now;
  const { apiKey, apiSecret } = rt.config.shopify;
  const fake = createShopifyFake({ apiKey, apiSecret, now });
  const orders = [sampleOrder({ createdAt: new Date(startAt - 3 * 86_400_000).toISOString() })];
  const oauth = createShopifyOAuthFake({
    apiKey,
    apiSecret,
    now,
    tokens: fake.tokens,
    onInstall: (shop, token) => fake.addShop(shop, token, orders),
  });
  const app = new Hono();
  app.route('/', fake.app);
  app.route('/', oauth.app);
  const routed = routeFetch(SHOPIFY, app);
  const tokenBodies: Record<string, unknown>[] = [];
  const fetch: typeof routed = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.endsWith('/admin/oauth/access_token') && typeof init?.body === 'string')
      tokenBodies.push(JSON.parse(init.body));
    return routed(input, init);
  };
  const logs: string[] = [];
  const logger = createLogger('debug', (line) => logs.push(line));
  const deps = {
    db: rt.services.db,
    sealer: rt.services.sealer,
    logger,
    fetch,
    now,
    config: { shopify: { ...rt.config.shopify, apiUrl: SHOPIFY } },
  };
  fake.addShop(SHOP, null, orders);
  return { clock, fake, oauth, fetch, deps, logs, tokenBodies, orders };
}

async function storeRow(p: PipelineRuntime) {
  return (await getStoreConnection(p.rt.services.db, p.accountId))!;
}

async function storedCredentials(p: PipelineRuntime): Promise<ShopifyCredentials> {
  return (await openStoreCredentials(
    p.rt.services,
    (await storeRow(p)) as { id: string; sealedCredentials: string },
  )) as ShopifyCredentials;
}

/** Replaces the store connection's sealed credentials (as an older Draftline, or a test, left them). */
async function storeCredentials(p: PipelineRuntime, credentials: ShopifyCredentials) {
  const row = await storeRow(p);
  const sealed = await p.rt.services.sealer.seal(JSON.stringify(credentials), sealedAs.storeCredentials(row.id));
  await p.rt.services.db
    .update(storeConnections)
    .set({ sealedCredentials: sealed })
    .where(eq(storeConnections.id, row.id));
}

/** Expiring credentials as Draftline stores them, from a token endpoint answer. */
function fromAnswer(
  answer: { access_token: string; refresh_token?: string; expires_in?: number; refresh_token_expires_in?: number },
  at: number,
): ShopifyCredentials {
  return {
    kind: 'shopify',
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    expiresAt: at + answer.expires_in! * 1000,
    refreshTokenExpiresAt: at + answer.refresh_token_expires_in! * 1000,
  };
}

async function openSource(p: PipelineRuntime, w: ReturnType<typeof shopifyWorld>) {
  const row = await storeRow(p);
  const credentials = await storedCredentials(p);
  const record = shopifyConnectionRecord(w.deps.db, row, w.deps.now);
  return openShopifyOrderSource(w.deps, row, credentials, sealedAs.storeCredentials(row.id), record);
}

/** No token, sealed or not, may appear in the database file or a log line. */
function expectNoCanary(p: PipelineRuntime, logs: string[], secrets: string[]) {
  const files = [p.rt.dbPath, `${p.rt.dbPath}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1'));
  for (const secret of secrets.filter(Boolean)) {
    for (const file of files) expect(file.includes(secret), 'token in the database file').toBe(false);
    expect(
      [...logs, ...p.rt.logs].some((l) => l.includes(secret)),
      'token in a log line',
    ).toBe(false);
  }
}

describe('Shopify install asks for an expiring offline token', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest('shopify');
  });

  /** A one-time code from the install fake, as Shopify's redirect back would carry it. */
  async function installCode(w: ReturnType<typeof shopifyWorld>): Promise<string> {
    const res = await w.oauth.app.request(`/${SHOP}/admin/oauth/authorize`, {
      method: 'POST',
      body: new URLSearchParams({
        redirect_uri: `${p.rt.config.appUrl}/connect/shopify/callback`,
        state: 's',
        scope: 'read_orders',
        action: 'install',
      }),
    });
    return new URL(res.headers.get('location')!).searchParams.get('code')!;
  }

  it('sends expiring=1 and gets back a refresh token and both expiries', async () => {
    const w = shopifyWorld(p.rt);
    const cfg = { ...w.deps.config.shopify, appUrl: p.rt.config.appUrl, fetch: w.fetch, now: w.deps.now };
    const { credentials, scopes } = await exchangeInstallCode(cfg, { shop: SHOP, code: await installCode(w) });
    expect(w.tokenBodies[0]).toMatchObject({ code: expect.any(String), expiring: '1' });
    expect(scopes).toEqual(['read_orders']);
    expect(credentials).toMatchObject({
      kind: 'shopify',
      accessToken: expect.stringMatching(/^shpat_/),
      refreshToken: expect.stringMatching(/^shprt_/),
    });
    expect(credentials.expiresAt).toBe(w.clock.now + HOUR);
    expect(credentials.refreshTokenExpiresAt).toBe(w.clock.now + 90 * 24 * HOUR);
  });

  it('connecting seals the refresh token and its expiry with the access token (one sealed value, no new column)', async () => {
    const w = shopifyWorld(p.rt);
    const s = {
      ...p.rt.services,
      fetch: w.fetch,
      config: { ...p.rt.config, shopify: w.deps.config.shopify },
    } as Services;
    expect(await connectShopify(s, p.accountId, { shop: SHOP, code: await installCode(w) })).toEqual({ ok: true });
    const stored = await storedCredentials(p);
    expect(stored.refreshToken).toMatch(/^shprt_/);
    expect(stored.expiresAt).toBeGreaterThan(Date.now());
    // Inside the sealed value only: the row has no column of its own for a token or an expiry.
    expect(Object.keys(await storeRow(p)).filter((k) => /token|refresh|expir/i.test(k))).toEqual([]);
    expectNoCanary(p, w.logs, [stored.accessToken, stored.refreshToken!]);
  });
});

describe('Shopify order source keeps its token fresh', () => {
  let p: PipelineRuntime;
  let w: ReturnType<typeof shopifyWorld>;
  beforeEach(async () => {
    p = await pipelineForTest('shopify');
    w = shopifyWorld(p.rt);
    await storeCredentials(p, fromAnswer(w.fake.issueTokens(SHOP), w.clock.now));
  });

  it('the fake refuses an expired access token exactly as Shopify does: 401, its body, its WWW-Authenticate', async () => {
    const { accessToken } = await storedCredentials(p);
    w.clock.now += HOUR;
    const res = await w.fetch(`${SHOPIFY}/${SHOP}/admin/api/2026-10/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': accessToken },
      body: JSON.stringify({ query: '{ orders(first: 1, query: "name:#1042") { nodes { name } } }' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(INVALID_TOKEN_BODY);
    expect(res.headers.get('www-authenticate')).toBe('Basic Realm="Shopify API Authentication"');
  });

  it('a token with more than 5 minutes left is used as it is', async () => {
    w.clock.now += HOUR - REFRESH_MARGIN_MS - 60_000;
    const source = await openSource(p, w);
    expect(await source.findByNumber('1042')).toMatchObject({ number: '1042' });
    expect(w.fake.tokenRequests(SHOP)).toEqual([]);
  });

  it('an access token within 5 minutes of expiry (or past it) is refreshed before the call, and the rotated pair is sealed over the old one', async () => {
    const before = await storedCredentials(p);
    const sealedBefore = (await storeRow(p)).sealedCredentials;
    w.clock.now += HOUR - 60_000;
    const source = await openSource(p, w);
    expect(await source.findByNumber('1042')).toMatchObject({ number: '1042' });
    expect(w.fake.tokenRequests(SHOP)).toEqual(['refresh_token']);
    expect(w.tokenBodies.at(-1)).toMatchObject({ grant_type: 'refresh_token', refresh_token: before.refreshToken });

    const after = await storedCredentials(p);
    expect((await storeRow(p)).sealedCredentials).not.toBe(sealedBefore);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.expiresAt).toBe(w.clock.now + HOUR);
    expect((await storeRow(p)).status).toBe('active');

    // Rotation: once the new refresh token is used, the old one is retired for good.
    w.clock.now += HOUR;
    expect(await (await openSource(p, w)).findByNumber('1042')).not.toBeNull();
    expect(w.fake.tokenRequests(SHOP)).toEqual(['refresh_token', 'refresh_token']);
    const res = await w.fetch(`${SHOPIFY}/${SHOP}/admin/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: p.rt.config.shopify.apiKey,
        client_secret: p.rt.config.shopify.apiSecret,
        grant_type: 'refresh_token',
        refresh_token: before.refreshToken,
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
    expectNoCanary(p, w.logs, [before.accessToken, before.refreshToken!, after.accessToken, after.refreshToken!]);
  });

  it('a token Shopify refuses although it looked valid (clock skew) is refreshed once and the lookup retried', async () => {
    const stored = await storedCredentials(p);
    await storeCredentials(p, { ...stored, expiresAt: w.clock.now + 10 * HOUR });
    w.clock.now += 2 * HOUR;
    const source = await openSource(p, w);
    expect(await source.findByNumber('1042')).toMatchObject({ number: '1042' });
    expect(w.fake.tokenRequests(SHOP)).toEqual(['refresh_token']);
  });

  it('concurrent lookups share one refresh', async () => {
    w.clock.now += 2 * HOUR;
    const [a, b] = [await openSource(p, w), await openSource(p, w)];
    const found = await Promise.all([
      a.findByNumber('1042'),
      b.findByNumber('1042'),
      a.recentByEmail('jane@example.net', 1),
      b.findByNumber('1042'),
    ]);
    expect(found.every((f) => f && (Array.isArray(f) ? f.length === 1 : f.number === '1042'))).toBe(true);
    expect(w.fake.tokenRequests(SHOP)).toEqual(['refresh_token']);
  });

  it('a racing refresh elsewhere is never overwritten by an older pair: the conditional UPDATE loses, and its winner is used', async () => {
    w.clock.now += 2 * HOUR;
    // Two isolates opened the connection with the same stored pair; the first refreshes and stores.
    const staleRow = await storeRow(p);
    const stale = await storedCredentials(p);
    await (await openSource(p, w)).findByNumber('1042');
    const winner = await storedCredentials(p);
    const winnerSealed = (await storeRow(p)).sealedCredentials;
    // The second still holds the old pair and refreshes with the old refresh token (which Shopify
    // still honours until its replacement is used): its write must not replace the winner's.
    const late = openShopifyOrderSource(
      w.deps,
      staleRow,
      stale,
      sealedAs.storeCredentials(staleRow.id),
      shopifyConnectionRecord(w.deps.db, staleRow, w.deps.now),
    );
    expect(await late.findByNumber('1042')).not.toBeNull();
    expect(w.fake.tokenRequests(SHOP)).toEqual(['refresh_token', 'refresh_token']);
    expect((await storeRow(p)).sealedCredentials).toBe(winnerSealed);
    expect((await storedCredentials(p)).refreshToken).toBe(winner.refreshToken);
  });

  it('a refused refresh marks the store reconnect_needed, and says so without any token in the log', async () => {
    const stored = await storedCredentials(p);
    await storeCredentials(p, { ...stored, refreshToken: 'shprt_revoked_by_uninstall', expiresAt: w.clock.now - 1 });
    const source = await openSource(p, w);
    const failure = await source.findByNumber('1042').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StoreApiError);
    expect((failure as StoreApiError).code).toBe('reconnect_needed');
    expect((await storeRow(p)).status).toBe('reconnect_needed');
    expect(w.logs.some((l) => l.includes('"event":"store.reconnect_needed"') && l.includes('refresh_rejected'))).toBe(
      true,
    );
    // The next lookup in the same run does not ask Shopify again.
    await expect(source.findByNumber('1042')).rejects.toMatchObject({ code: 'reconnect_needed' });
    expect(w.fake.tokenRequests(SHOP)).toEqual(['refresh_token']);
    expectNoCanary(p, w.logs, ['shprt_revoked_by_uninstall', stored.accessToken]);
  });
});

describe('non-expiring Shopify tokens (installed before expiring tokens)', () => {
  let p: PipelineRuntime;

  it('are migrated by token exchange on first use: sealed as an expiring pair, the old token retired', async () => {
    p = await pipelineForTest('shopify');
    const w = shopifyWorld(p.rt);
    w.fake.addShop(SHOP, 'shpat_legacy_canary_0001', w.orders);
    await storeCredentials(p, { kind: 'shopify', accessToken: 'shpat_legacy_canary_0001' });
    expect(await (await openSource(p, w)).findByNumber('1042')).toMatchObject({ number: '1042' });
    expect(w.fake.tokenRequests(SHOP)).toEqual(['urn:ietf:params:oauth:grant-type:token-exchange']);
    expect(w.tokenBodies.at(-1)).toMatchObject({
      subject_token: 'shpat_legacy_canary_0001',
      subject_token_type: 'urn:shopify:params:oauth:token-type:offline-access-token',
      requested_token_type: 'urn:shopify:params:oauth:token-type:offline-access-token',
      expiring: '1',
    });
    const migrated = await storedCredentials(p);
    expect(migrated.refreshToken).toMatch(/^shprt_/);
    expect(migrated.expiresAt).toBe(w.clock.now + HOUR);
    expect(w.fake.accepts(SHOP, 'shpat_legacy_canary_0001')).toBe(false);
    expect(w.fake.accepts(SHOP, migrated.accessToken)).toBe(true);
    expectNoCanary(p, w.logs, ['shpat_legacy_canary_0001', migrated.accessToken, migrated.refreshToken!]);
  });

  it('after 2027-01-01 Shopify refuses them and their migration: the store is marked reconnect_needed', async () => {
    p = await pipelineForTest('shopify');
    const w = shopifyWorld(p.rt, NON_EXPIRING_TOKENS_END + 86_400_000);
    w.fake.addShop(SHOP, 'shpat_legacy_canary_0002', w.orders);
    await storeCredentials(p, { kind: 'shopify', accessToken: 'shpat_legacy_canary_0002' });
    expect(w.fake.accepts(SHOP, 'shpat_legacy_canary_0002')).toBe(false);
    await expect((await openSource(p, w)).findByNumber('1042')).rejects.toMatchObject({ code: 'reconnect_needed' });
    expect((await storeRow(p)).status).toBe('reconnect_needed');
  });

  it('in the pipeline: a store’s non-expiring token is migrated by the first sync, and the draft written', async () => {
    p = await pipelineForTest('shopify');
    const fake = p.rt.sandbox!.fakes.shopify;
    fake.addShop(SHOP, 'shpat_legacy_canary_0003', [sampleOrder()]);
    await storeCredentials(p, { kind: 'shopify', accessToken: 'shpat_legacy_canary_0003' });
    p.deliver(question(1));
    await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });
    expect(await p.counters()).toMatchObject({ drafted: 1 });
    const migrated = await storedCredentials(p);
    expect(migrated.refreshToken).toMatch(/^shprt_/);
    expect(fake.tokenRequests(SHOP)).toEqual(['urn:ietf:params:oauth:grant-type:token-exchange']);
    expect(fake.accepts(SHOP, 'shpat_legacy_canary_0003')).toBe(false);
    expectNoCanary(p, [], ['shpat_legacy_canary_0003', migrated.accessToken, migrated.refreshToken!]);
  });
});

describe('a store that refuses the refresh, in the pipeline and on the dashboard', () => {
  let p: PipelineRuntime;
  beforeEach(async () => {
    p = await pipelineForTest('shopify');
  });

  it('skips the mail with a counted reason (never silently), marks the store, and the dashboard offers a one-click reconnect', async () => {
    await storeCredentials(p, {
      kind: 'shopify',
      accessToken: 'shpat_expired_canary',
      refreshToken: 'shprt_dead_canary',
      expiresAt: Date.now() - 1000,
      refreshTokenExpiresAt: Date.now() + HOUR,
    });
    p.deliver(question(1));
    await syncAccount(p.rt.services, p.accountId, { sleep: async () => undefined });
    expect(p.google.drafts(p.mailbox)).toHaveLength(0);
    const counts = await countersFor(p.rt.services.db, p.accountId, utcDay(Date.now()));
    expect(counts).toMatchObject({ seen: 1, 'skipped:store_reconnect_needed': 1 });
    expect(counts).not.toHaveProperty('skipped:store_failed');
    expect((await storeRow(p)).status).toBe('reconnect_needed');

    // The merchant signs in and sees why, with the way back one click away.
    const { browser, app } = await signIn(p.rt);
    expect(app.html).toContain('Reconnect your store');
    expect(app.html).toContain('Your store needs to be reconnected');
    const href = /id="reconnect-store" href="([^"]+)"/.exec(app.html)?.[1]?.replace(/&amp;/g, '&');
    expect(href).toBe(`/connect/shopify?shop=${SHOP}`);
    const install = await browser.get(href!);
    expect(install.url).toContain(`/sandbox/shopify/${SHOP}/admin/oauth/authorize`);
    expectNoCanary(p, [], ['shpat_expired_canary', 'shprt_dead_canary']);
  });
});
