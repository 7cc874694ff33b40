import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * shopify.app.toml declares what Shopify sends us. No TOML parser is a dependency, so this reads the
 * few lines that matter: a missing compliance topic fails Shopify's app review.
 */
const toml = readFileSync(new URL('../../shopify.app.toml', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => !l.trim().startsWith('#'))
  .join('\n');

const arrayOf = (key: string) =>
  [...toml.matchAll(new RegExp(`^\\s*${key}\\s*=\\s*\\[([^\\]]*)\\]`, 'gm'))].flatMap((m) =>
    [...m[1]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]),
  );

describe('shopify.app.toml', () => {
  it('subscribes the three mandatory compliance topics', () => {
    expect(arrayOf('compliance_topics').sort()).toEqual(['customers/data_request', 'customers/redact', 'shop/redact']);
  });

  it('subscribes app/uninstalled', () => {
    expect(arrayOf('topics')).toContain('app/uninstalled');
  });

  it('points every subscription at /webhooks/shopify', () => {
    const uris = [...toml.matchAll(/^\s*uri\s*=\s*"([^"]+)"/gm)].map((m) => m[1]);
    expect(uris.length).toBe([...toml.matchAll(/\[\[webhooks\.subscriptions\]\]/g)].length);
    expect(new Set(uris)).toEqual(new Set(['/webhooks/shopify']));
  });

  it('asks for read-only order scopes and nothing more', () => {
    const scopes = /^\s*scopes\s*=\s*"([^"]*)"/m
      .exec(toml)?.[1]
      ?.split(',')
      .map((s) => s.trim());
    expect(scopes?.sort()).toEqual(['read_orders']);
  });
});

describe('shopify.app.toml and the install flow agree', () => {
  it('declares the callback the install flow redirects to, and the same scopes', async () => {
    const { SHOPIFY_SCOPES } = await import('../../src/stores/shopify-install');
    expect(arrayOf('redirect_urls').map((u) => new URL(u!).pathname)).toEqual(['/connect/shopify/callback']);
    const scopes = /^\s*scopes\s*=\s*"([^"]*)"/m
      .exec(toml)?.[1]
      ?.split(',')
      .map((s) => s.trim());
    expect(scopes?.sort()).toEqual([...SHOPIFY_SCOPES].sort());
  });
});
