import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import type { FetchLike } from '../../src/platform/fetch';
import { createShopifyOrderSource } from '../../src/stores/shopify';
import { routeFetch } from '../../src/sandbox/fakes/route-fetch';
import { createShopifyFake, servedVersion } from '../../src/sandbox/fakes/shopify';
import { sampleOrder, TEST_SECRETS } from '../support/runtime';

/**
 * The Admin API version is defined once (SHOPIFY_API_VERSION's default) and shopify.app.toml's
 * webhook api_version says the same. Shopify supports each stable version for at least 12 months
 * from its release at the start of its quarter; after that requests "fall forward" to the oldest
 * supported one and the CLI refuses to deploy the toml (https://shopify.dev/docs/api/usage/versioning).
 */
const toml = readFileSync(new URL('../../shopify.app.toml', import.meta.url), 'utf8');
const tomlVersion = /^\s*api_version\s*=\s*"([^"]+)"/m.exec(
  toml
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n'),
)?.[1];

const sandboxConfig = () =>
  parseConfig({
    DRAFTLINE_MODE: 'sandbox',
    TOKEN_ENCRYPTION_KEY: TEST_SECRETS.TOKEN_ENCRYPTION_KEY,
    SESSION_SECRET: TEST_SECRETS.SESSION_SECRET,
  });

/** Whether a version is inside Shopify's support window on a day (unix ms). */
const supported = (version: string, at: number) => servedVersion(version, at) === version;

describe('Shopify Admin API version', () => {
  it('is one version, in config and in shopify.app.toml', () => {
    expect(tomlVersion).toBeDefined();
    expect(sandboxConfig().shopify.apiVersion).toBe(tomlVersion);
  });

  it('is supported today and for the coming three months (2026-10 or newer as of 2026-12)', () => {
    const version = sandboxConfig().shopify.apiVersion;
    expect(version >= '2026-10').toBe(true);
    expect(supported(version, Date.now())).toBe(true);
    expect(supported(version, Date.now() + 90 * 86_400_000)).toBe(true);
  });

  it('the fake serves an expired version as the oldest supported one, as Shopify does', () => {
    const dec2026 = Date.UTC(2026, 11, 1);
    expect(servedVersion('2025-10', dec2026)).toBe('2026-01');
    expect(servedVersion('2026-01', dec2026)).toBe('2026-01');
    expect(servedVersion('2026-10', dec2026)).toBe('2026-10');
    expect(servedVersion('2026-10', Date.UTC(2027, 8, 30))).toBe('2026-10');
    expect(servedVersion('2026-10', Date.UTC(2027, 9, 1))).toBe('2027-01');
    expect(servedVersion('2026-10', Date.UTC(2028, 0, 1))).toBe('2027-04');
  });

  it('logs an unsupported version, a fall-forward and a deprecation notice as versions only, never silenced', async () => {
    const fake = createShopifyFake();
    fake.addShop('acme.myshopify.com', 'shpat_good', [
      sampleOrder({ createdAt: new Date(Date.now() - 86_400_000).toISOString() }),
    ]);
    const lines: { event: string; fields: Record<string, unknown> }[] = [];
    const record = (event: string, fields: Record<string, unknown> = {}) => void lines.push({ event, fields });
    const logger = { debug: record, info: record, warn: record, error: record };
    const routed = routeFetch('http://stores.test/shopify', fake.app);
    // Shopify's header for a deprecated field or version in use; the text must not reach the log.
    const fetch: FetchLike = async (input, init) => {
      const res = await routed(input, init);
      const headers = new Headers(res.headers);
      headers.set('X-Shopify-API-Deprecated-Reason', 'https://shopify.dev/changelog/some-deprecation jane@example.net');
      return new Response(res.body, { status: res.status, headers });
    };
    const source = createShopifyOrderSource({
      shop: 'acme.myshopify.com',
      accessToken: 'shpat_good',
      apiVersion: '2025-10',
      baseUrl: 'http://stores.test/shopify',
      fetch,
      logger,
      accountId: 'acc_1',
    });
    expect(await source.findByNumber('1042')).not.toBeNull();
    const events = lines.map((l) => l.event);
    expect(events).toContain('shopify.api_version_unsupported');
    expect(events).toContain('shopify.api_version_fell_forward');
    expect(events).toContain('shopify.api_deprecated');
    expect(lines.find((l) => l.event === 'shopify.api_version_fell_forward')?.fields.reason).toBe(
      `2025-10:${servedVersion('2025-10', Date.now())}`,
    );
    expect(JSON.stringify(lines)).not.toMatch(/jane@|some-deprecation|shpat_/);
  });
});
