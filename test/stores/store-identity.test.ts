import fc from 'fast-check';
import { like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/accounts/connect';
import { storeConnections } from '../../src/db/schema';
import { wooConnectionsAtHost } from '../../src/db/store-connections';
import { connectedStoreUrl, storeAddress, storeIdentity } from '../../src/stores/store-url';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * The connected URL (what is stored), the identity (what a webhook's X-WC-Webhook-Source is matched
 * on) and the database search by host (wooConnectionsAtHost) must agree: a stored store whose
 * identity matches a delivery's source is always among the candidates SQL returns.
 */

/** As typed by a merchant: stored as checkStoreUrl stores it. */
const TYPED = [
  'https://Shop.Example.com/',
  'https://www.shop2.example/Shop/',
  'https://shop3.example:8443//',
  'https://bücher.example/',
  'https://shop5.example:80',
  'https://WWW.Shop6.Example/wp/shop/',
];

/** How WordPress (home_url('/')) may name them in X-WC-Webhook-Source. */
const SOURCES = [
  'http://shop.example.com/',
  'https://www.shop.example.com/',
  'HTTPS://SHOP.EXAMPLE.COM',
  'https://shop.example.com:443/',
  'shop.example.com',
  'http://shop2.example/shop/',
  'https://WWW.shop2.example/SHOP',
  'http://shop3.example:8443/',
  'https://www.shop3.example:8443',
  'https://BÜCHER.example/',
  'https://xn--bcher-kva.example',
  'https://shop5.example/',
  'http://shop6.example/WP/Shop/',
  // Not the same store: another path, another port, another host sharing a prefix.
  'https://shop.example.com/other/',
  'https://shop3.example:9443/',
  'https://shop.example.community/',
];

const stored = (typed: string) => connectedStoreUrl(new URL(typed));

describe('store URL: connected form, identity and the SQL search agree', () => {
  let rt: TestRuntime;
  const rows: { id: string; storeDomain: string }[] = [];
  beforeAll(async () => {
    rt = await startTestRuntime();
    for (const [i, typed] of TYPED.entries()) {
      const accountId = await createAccount(rt.services);
      const row = { id: `sto_identity_${i}`, storeDomain: stored(typed) };
      await rt.services.db.insert(storeConnections).values({
        ...row,
        accountId,
        kind: 'woocommerce',
        status: 'active',
        connectedAt: 0,
      });
      rows.push(row);
    }
  });
  afterAll(() => rt.close());

  it('keeps a typed URL’s identity when storing it', () => {
    for (const typed of TYPED) expect(storeIdentity(stored(typed))).toBe(storeIdentity(typed));
  });

  it('stores the origin and path without trailing slashes', () => {
    expect(TYPED.map(stored)).toEqual([
      'https://shop.example.com',
      'https://www.shop2.example/Shop',
      'https://shop3.example:8443',
      'https://xn--bcher-kva.example',
      'https://shop5.example:80',
      'https://www.shop6.example/wp/shop',
    ]);
  });

  it.each(SOURCES)('finds every stored store with the identity of %s', async (source) => {
    const address = storeAddress(source)!;
    const found = (await wooConnectionsAtHost(rt.services.db, address.host, 20)).map((c) => c.id);
    const matching = rows.filter((r) => storeIdentity(r.storeDomain) === address.identity).map((r) => r.id);
    for (const id of matching) expect(found).toContain(id);
  });

  it('finds a store by its own host only: look-alike hosts cannot crowd it out of the candidates', async () => {
    // Anyone may connect a store at any URL. Thirty at hosts that contain shop.example.com must not
    // fill the limit before the real one (they once could: the search was "contains").
    for (let i = 0; i < 30; i++) {
      const accountId = await createAccount(rt.services);
      const storeDomain = [
        `https://shop.example.com.attacker${i}.test`,
        `https://evil-shop.example.com`,
        `https://shop.example.comx/${i}`,
      ][i % 3]!;
      await rt.services.db.insert(storeConnections).values({
        id: `sto_lookalike_${i}`,
        accountId,
        kind: 'woocommerce',
        storeDomain,
        status: 'active',
        connectedAt: 0,
      });
    }
    const found = await wooConnectionsAtHost(rt.services.db, 'shop.example.com', 20);
    expect(found.map((c) => c.id)).toEqual(['sto_identity_0']);
    // Still found with a path and with a port after the host.
    expect((await wooConnectionsAtHost(rt.services.db, 'shop6.example', 20)).map((c) => c.id)).toEqual([
      'sto_identity_5',
    ]);
    expect((await wooConnectionsAtHost(rt.services.db, 'shop3.example', 20)).map((c) => c.id)).toEqual([
      'sto_identity_2',
    ]);
    await rt.services.db.delete(storeConnections).where(like(storeConnections.id, 'sto_lookalike_%'));
  });

  it('puts a store whose webhooks are registered before any number of unproven connections at its host', async () => {
    // Keys delivered to our callback are stored before any check: anyone can make thirty
    // connections under the real store's host, first, and none of them has webhooks in it.
    for (let i = 0; i < 30; i++) {
      await rt.services.db.insert(storeConnections).values({
        id: `sto_unproven_${i}`,
        accountId: await createAccount(rt.services),
        kind: 'woocommerce',
        storeDomain: `https://shop.example.com/x${i}`,
        status: 'active',
        connectedAt: 0,
      });
    }
    await rt.services.db.insert(storeConnections).values({
      id: 'sto_registered',
      accountId: await createAccount(rt.services),
      kind: 'woocommerce',
      storeDomain: 'https://shop.example.com/shop',
      status: 'active',
      connectedAt: 0,
      webhookIds: '[7,8]',
    });
    const found = await wooConnectionsAtHost(rt.services.db, 'shop.example.com', 20);
    expect(found[0]!.id).toBe('sto_registered');
    await rt.services.db.delete(storeConnections).where(like(storeConnections.id, 'sto_unproven_%'));
    await rt.services.db.delete(storeConnections).where(like(storeConnections.id, 'sto_registered'));
  });

  it('matches each store with the sources that name it, and no other', () => {
    const matches = (source: string) => rows.filter((r) => storeIdentity(r.storeDomain) === storeIdentity(source));
    expect(SOURCES.map((source) => matches(source).length)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
  });

  it('finds a stored store for any spelling of its address (case, www., scheme, default port, trailing slash)', async () => {
    const label = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    const spelling = fc.record({
      labels: fc.array(label, { minLength: 1, maxLength: 3 }),
      path: fc.array(label, { maxLength: 2 }),
      typedWww: fc.boolean(),
      sourceWww: fc.boolean(),
      sourceScheme: fc.constantFrom('http://', 'https://', 'HTTPS://', ''),
      sourcePort: fc.constantFrom('', ':443', ':80'),
      slashes: fc.constantFrom('', '/', '//'),
      upper: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(spelling, async (o) => {
        const host = `${o.labels.join('.')}.example`;
        const path = o.path.length ? `/${o.path.join('/')}` : '';
        const storeDomain = stored(`https://${o.typedWww ? 'www.' : ''}${host}${path}/`);
        let source = `${o.sourceScheme}${o.sourceWww ? 'www.' : ''}${host}${o.sourcePort}${path}${o.slashes}`;
        if (o.upper) source = source.toUpperCase();
        const address = storeAddress(source)!;
        expect(address.identity).toBe(storeIdentity(storeDomain));
        const accountId = await createAccount(rt.services);
        const id = `sto_prop_${accountId}`;
        await rt.services.db
          .insert(storeConnections)
          .values({ id, accountId, kind: 'woocommerce', storeDomain, status: 'active', connectedAt: 0 });
        const found = await wooConnectionsAtHost(rt.services.db, address.host, 1000);
        expect(found.map((c) => c.id)).toContain(id);
      }),
      { numRuns: 60 },
    );
  });
});
