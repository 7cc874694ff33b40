// The web-api adapter wires @shopify/shopify-api to WebCrypto and the Fetch API, so the same code
// runs on Workers and on Node 20. It is a side-effect import and must come before shopifyApi().
import '@shopify/shopify-api/adapters/web-api';
import { ApiVersion, LogSeverity, shopifyApi, type Shopify } from '@shopify/shopify-api';
import { z } from 'zod';
import type { FetchLike } from '../platform/fetch';

/**
 * Shopify's OAuth install, in three small steps: check the shop domain, build the authorize URL,
 * and check the callback (HMAC of the query and its timestamp, via @shopify/shopify-api) before
 * exchanging the code. The state travels in our own signed cookie (src/http/oauth-state.ts).
 *
 * The token exchange is a plain POST through our `fetch` rather than shopify.auth.callback():
 * that helper always calls https://{shop}, while we need a base-URL override for the sandbox and
 * tests, and it wants its own cookie, which would duplicate the state check we already do.
 */

/** Read orders and their fulfillments (tracking): nothing else. */
export const SHOPIFY_SCOPES = ['read_orders', 'read_fulfillments'] as const;

/** A shop's own myshopify.com domain, the only form Shopify sends or accepts. */
export const SHOP_DOMAIN = /^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$/;

export interface ShopifyInstallConfig {
  apiKey: string;
  apiSecret: string;
  apiVersion: string;
  appUrl: string;
  /** When set (sandbox, tests), shop URLs are `${apiUrl}/{shop}` instead of `https://{shop}`. */
  apiUrl: string | null;
  fetch: FetchLike;
}

/** A shop domain as typed by a person or passed as ?shop=: trimmed, lower-cased, checked. */
export function parseShopDomain(input: string | undefined | null): string | null {
  const shop = (input ?? '')
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '');
  return SHOP_DOMAIN.test(shop) ? shop : null;
}

export function shopBaseUrl(cfg: Pick<ShopifyInstallConfig, 'apiUrl'>, shop: string): string {
  return cfg.apiUrl ? `${cfg.apiUrl.replace(/\/+$/, '')}/${shop}` : `https://${shop}`;
}

export function buildInstallUrl(cfg: ShopifyInstallConfig, opts: { shop: string; state: string }): string {
  const url = new URL(`${shopBaseUrl(cfg, opts.shop)}/admin/oauth/authorize`);
  url.searchParams.set('client_id', cfg.apiKey);
  url.searchParams.set('scope', SHOPIFY_SCOPES.join(','));
  url.searchParams.set('redirect_uri', `${cfg.appUrl}/connect/shopify/callback`);
  url.searchParams.set('state', opts.state);
  // No grant_options[]=per-user: an offline token keeps working while nobody is signed in.
  return url.toString();
}

export type CallbackCheck =
  | { valid: true; shop: string; code: string; state: string }
  | { valid: false; reason: 'missing_params' | 'bad_shop' | 'bad_hmac' | 'stale_timestamp' };

const apis = new Map<string, Shopify>();
function libraryFor(cfg: ShopifyInstallConfig): Shopify {
  const cacheKey = `${cfg.apiKey}:${cfg.apiSecret}:${cfg.apiVersion}`;
  let api = apis.get(cacheKey);
  if (!api) {
    api = shopifyApi({
      apiKey: cfg.apiKey,
      apiSecretKey: cfg.apiSecret,
      scopes: [...SHOPIFY_SCOPES],
      hostName: new URL(cfg.appUrl).host,
      apiVersion: cfg.apiVersion as ApiVersion,
      isEmbeddedApp: false,
      logger: { level: LogSeverity.Error, log: async () => {} },
    });
    apis.set(cacheKey, api);
  }
  return api;
}

/**
 * Checks Shopify's redirect back to us: every query parameter is covered by the HMAC (with our
 * app secret) and the timestamp is recent (90 s), so a replayed or hand-made callback fails here.
 */
export async function checkInstallCallback(cfg: ShopifyInstallConfig, query: Record<string, string>): Promise<CallbackCheck> {
  const { code, shop, state, hmac, timestamp } = query;
  if (!code || !shop || !state || !hmac || !timestamp) return { valid: false, reason: 'missing_params' };
  const domain = parseShopDomain(shop);
  if (!domain || domain !== shop) return { valid: false, reason: 'bad_shop' };
  try {
    const ok = await libraryFor(cfg).utils.validateHmac(query);
    return ok ? { valid: true, shop: domain, code, state } : { valid: false, reason: 'bad_hmac' };
  } catch (err) {
    const name = err instanceof Error ? err.constructor.name : '';
    return { valid: false, reason: name === 'InvalidHmacError' && /timestamp/i.test(String((err as Error).message)) ? 'stale_timestamp' : 'bad_hmac' };
  }
}

const AccessTokenResponse = z.object({ access_token: z.string().min(1), scope: z.string() });

export class ShopifyInstallError extends Error {
  constructor(readonly reason: 'exchange_failed' | 'missing_scopes' | 'network', readonly status = 0) {
    super(`Shopify install failed: ${reason}${status ? ` (HTTP ${status})` : ''}`);
    this.name = 'ShopifyInstallError';
  }
}

/** Exchanges the one-time code for an offline access token, and checks the scopes granted. */
export async function exchangeInstallCode(
  cfg: ShopifyInstallConfig,
  opts: { shop: string; code: string },
): Promise<{ accessToken: string; scopes: string[] }> {
  let res: Response;
  try {
    res = await cfg.fetch(`${shopBaseUrl(cfg, opts.shop)}/admin/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ client_id: cfg.apiKey, client_secret: cfg.apiSecret, code: opts.code }),
    });
  } catch {
    throw new ShopifyInstallError('network');
  }
  const body = AccessTokenResponse.safeParse(await res.json().catch(() => null));
  if (!res.ok || !body.success) throw new ShopifyInstallError('exchange_failed', res.status);
  const scopes = body.data.scope.split(',').map((s) => s.trim()).filter(Boolean);
  // read_orders is what lookups need; Shopify reports implied scopes separately, so only require it.
  if (!scopes.includes('read_orders')) throw new ShopifyInstallError('missing_scopes', res.status);
  return { accessToken: body.data.access_token, scopes };
}
