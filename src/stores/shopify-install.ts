// The web-api adapter wires @shopify/shopify-api to WebCrypto and the Fetch API, so the same code
// runs on Workers and on Node 20. It is a side-effect import and must come before shopifyApi().
import '@shopify/shopify-api/adapters/web-api';
import { type ApiVersion, LogSeverity, shopifyApi, type Shopify } from '@shopify/shopify-api';
import { z } from 'zod';
import type { FetchLike } from '../platform/fetch';
import { ok, type Result, refused } from '../platform/result';
import { shopifyHttpError } from './shopify-errors';

/**
 * Shopify's OAuth install, in three small steps: check the shop domain, build the authorize URL,
 * and check the callback (HMAC of the query and its timestamp, via @shopify/shopify-api) before
 * exchanging the code. The state travels in our own signed cookie (src/http/oauth-state.ts).
 *
 * The token exchange is a plain POST through our `fetch` rather than shopify.auth.callback():
 * that helper always calls https://{shop}, while we need a base-URL override for the sandbox and
 * tests, and it wants its own cookie, which would duplicate the state check we already do.
 */

/**
 * Only what a reply uses: orders with their fulfillments and tracking (`Fulfillment.trackingInfo`
 * needs read_orders alone; read_fulfillments is about fulfillment services, which we never read).
 * https://shopify.dev/docs/api/admin-graphql/latest/objects/Order
 */
export const SHOPIFY_SCOPES = ['read_orders'] as const;

/**
 * read_orders sees only the last 60 days of orders; read_all_orders lifts that, and Shopify grants it
 * only after approving the app's request for it (Partner Dashboard), so it is asked for only when
 * the operator opted in (SHOPIFY_READ_ALL_ORDERS=true). "Only the last 60 days' worth of orders from
 * a store are accessible from the Order object by default" —
 * https://shopify.dev/docs/api/admin-graphql/latest/objects/Order
 */
export function shopifyScopes(cfg: { readAllOrders?: boolean }): string[] {
  return cfg.readAllOrders ? [...SHOPIFY_SCOPES, 'read_all_orders'] : [...SHOPIFY_SCOPES];
}

/** A shop's own myshopify.com domain, the only form Shopify sends or accepts. */
// One DNS label: at most 63 characters before .myshopify.com.
export const SHOP_DOMAIN = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}\.myshopify\.com$/;

export interface ShopifyInstallConfig {
  apiKey: string;
  apiSecret: string;
  apiVersion: string;
  appUrl: string;
  /** When set (sandbox, tests), shop URLs are `${apiUrl}/{shop}` instead of `https://{shop}`. */
  apiUrl: string | null;
  fetch: FetchLike;
  /** SHOPIFY_READ_ALL_ORDERS: also ask for read_all_orders. */
  readAllOrders?: boolean;
  now?: () => number;
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
  url.searchParams.set('scope', shopifyScopes(cfg).join(','));
  url.searchParams.set('redirect_uri', `${cfg.appUrl}/connect/shopify/callback`);
  url.searchParams.set('state', opts.state);
  // No grant_options[]=per-user: an offline token keeps working while nobody is signed in.
  return url.toString();
}

export type CallbackCheck = Result<
  { shop: string; code: string; state: string },
  'missing_params' | 'bad_shop' | 'bad_hmac' | 'stale_timestamp'
>;

const apis = new Map<string, Shopify>();
function libraryFor(cfg: ShopifyInstallConfig): Shopify {
  const cacheKey = `${cfg.apiKey}:${cfg.apiSecret}:${cfg.apiVersion}:${cfg.readAllOrders ? 'all' : 'recent'}`;
  let api = apis.get(cacheKey);
  if (!api) {
    api = shopifyApi({
      apiKey: cfg.apiKey,
      apiSecretKey: cfg.apiSecret,
      scopes: shopifyScopes(cfg),
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
export async function checkInstallCallback(
  cfg: ShopifyInstallConfig,
  query: Record<string, string>,
): Promise<CallbackCheck> {
  const { code, shop, state, hmac, timestamp } = query;
  if (!code || !shop || !state || !hmac || !timestamp) return refused('missing_params');
  const domain = parseShopDomain(shop);
  if (!domain || domain !== shop) return refused('bad_shop');
  try {
    const signed = await libraryFor(cfg).utils.validateHmac(query);
    return signed ? ok({ shop: domain, code, state }) : refused('bad_hmac');
  } catch (err) {
    const name = err instanceof Error ? err.constructor.name : '';
    return refused(
      name === 'InvalidHmacError' && /timestamp/i.test(String((err as Error).message)) ? 'stale_timestamp' : 'bad_hmac',
    );
  }
}

/**
 * The token endpoint's answer. Expiring offline tokens add `expires_in` (3600 s), `refresh_token` and
 * `refresh_token_expires_in` (90 days): https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh
 * and https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens
 */
const AccessTokenResponse = z.object({
  access_token: z.string().min(1),
  scope: z.string(),
  expires_in: z.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  refresh_token_expires_in: z.number().positive().optional(),
});

/**
 * A Shopify offline grant as Draftline keeps it, inside the sealed credentials JSON (never in a column
 * of its own): the access token, and for an expiring token its refresh token and both expiries (unix
 * ms). Without `refreshToken` it is a non-expiring token from before expiring tokens, which
 * Shopify stops accepting on 2027-01-01 and which is migrated on first use (shopify.ts).
 */
export interface ShopifyCredentials {
  kind: 'shopify';
  accessToken: string;
  refreshToken?: string;
  expiresAt?: number;
  refreshTokenExpiresAt?: number;
}

export class ShopifyInstallError extends Error {
  constructor(
    readonly reason: 'exchange_failed' | 'missing_scopes' | 'network',
    readonly status = 0,
  ) {
    super(`Shopify install failed: ${reason}${status ? ` (HTTP ${status})` : ''}`);
    this.name = 'ShopifyInstallError';
  }
}

/**
 * Exchanges the one-time code for an expiring offline access token (`expiring=1`; public apps must
 * use expiring tokens, and from 2027-01-01 Shopify refuses non-expiring ones:
 * https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens),
 * and checks the scopes granted. `credentials` is what to seal: the access and refresh tokens with
 * their expiries.
 */
export async function exchangeInstallCode(
  cfg: ShopifyInstallConfig,
  opts: { shop: string; code: string },
): Promise<{ accessToken: string; scopes: string[]; credentials: ShopifyCredentials }> {
  const requestedAt = (cfg.now ?? Date.now)();
  let res: Response;
  try {
    res = await cfg.fetch(`${shopBaseUrl(cfg, opts.shop)}/admin/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      // The same body @shopify/shopify-api sends for auth.callback({ expiring: true }).
      body: JSON.stringify({ client_id: cfg.apiKey, client_secret: cfg.apiSecret, code: opts.code, expiring: '1' }),
    });
  } catch {
    throw new ShopifyInstallError('network');
  }
  const body = AccessTokenResponse.safeParse(await res.json().catch(() => null));
  if (!res.ok || !body.success) throw new ShopifyInstallError('exchange_failed', res.status);
  const scopes = body.data.scope
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // read_orders is what lookups need; Shopify reports implied scopes separately, so only require it.
  if (!scopes.includes('read_orders')) throw new ShopifyInstallError('missing_scopes', res.status);
  return { accessToken: body.data.access_token, scopes, credentials: credentialsFrom(body.data, requestedAt) };
}

/** Expiries are counted from when the request was sent, so a slow answer errs on the early side. */
/** The token endpoint's answer as the credentials Draftline seals. */
export function credentialsFrom(data: z.infer<typeof AccessTokenResponse>, requestedAt: number): ShopifyCredentials {
  const credentials: ShopifyCredentials = { kind: 'shopify', accessToken: data.access_token };
  if (data.refresh_token && data.expires_in) {
    credentials.refreshToken = data.refresh_token;
    credentials.expiresAt = requestedAt + data.expires_in * 1000;
    if (data.refresh_token_expires_in)
      credentials.refreshTokenExpiresAt = requestedAt + data.refresh_token_expires_in * 1000;
  }
  return credentials;
}

/** What the token endpoint needs besides the shop: the app's credentials and where Shopify is. */
export type ShopifyTokenConfig = Pick<ShopifyInstallConfig, 'apiKey' | 'apiSecret' | 'apiUrl' | 'fetch' | 'now'>;

/**
 * A refresh or migration that failed. `rejected`: Shopify refused the grant (400/401/403, e.g.
 * invalid_grant, invalid_subject_token), so only the merchant reconnecting helps. `unavailable`: no
 * usable answer (network, 429, 5xx, a malformed body), which a later try can fix. The message holds
 * the status and reason only, never the token endpoint's body.
 */
export class ShopifyTokenError extends Error {
  override readonly name = 'ShopifyTokenError';
  constructor(
    /** shop_unavailable: Shopify took the shop out of service (frozen or locked), see shopifyHttpError. */
    readonly reason: 'rejected' | 'unavailable' | 'shop_unavailable',
    readonly status: number,
  ) {
    super(`shopify_token_error status=${status} reason=${reason}`);
  }
}

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const OFFLINE_TOKEN_TYPE = 'urn:shopify:params:oauth:token-type:offline-access-token';

/**
 * A new access token (and a new refresh token: Shopify rotates it on every use) for a refresh token,
 * at the same /admin/oauth/access_token with grant_type=refresh_token — the request
 * @shopify/shopify-api's auth.refreshToken() sends. The old refresh token stays usable until its
 * replacement is first used (https://shopify.dev/changelog/more-resilient-refreshes-for-expiring-offline-access-tokens),
 * so a refresh whose answer was lost can be retried.
 */
export function refreshShopifyToken(
  cfg: ShopifyTokenConfig,
  shop: string,
  refreshToken: string,
): Promise<ShopifyCredentials> {
  return tokenRequest(cfg, shop, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/**
 * Swaps a non-expiring offline token for an expiring one by token exchange, as documented in
 * https://shopify.dev/docs/apps/build/authentication-authorization/migrate-to-expiring-offline-access-tokens
 * (the request @shopify/shopify-api's auth.migrateToExpiringToken() sends). Afterwards the old token
 * no longer works for the Admin API; retrying with it within 7 days returns the same pair
 * (https://shopify.dev/changelog/more-resilient-token-exchanges-when-migrating-tokens-without-a-user-session).
 */
export function migrateShopifyToken(
  cfg: ShopifyTokenConfig,
  shop: string,
  nonExpiringToken: string,
): Promise<ShopifyCredentials> {
  return tokenRequest(cfg, shop, {
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: nonExpiringToken,
    subject_token_type: OFFLINE_TOKEN_TYPE,
    requested_token_type: OFFLINE_TOKEN_TYPE,
    expiring: '1',
  });
}

async function tokenRequest(
  cfg: ShopifyTokenConfig,
  shop: string,
  grant: Record<string, string>,
): Promise<ShopifyCredentials> {
  const requestedAt = (cfg.now ?? Date.now)();
  let res: Response;
  try {
    res = await cfg.fetch(`${shopBaseUrl(cfg, shop)}/admin/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ client_id: cfg.apiKey, client_secret: cfg.apiSecret, ...grant }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch {
    throw new ShopifyTokenError('unavailable', 0);
  }
  if (res.status === 402 || res.status === 403 || res.status === 423) {
    // A frozen or locked shop may refuse the renewal too: that is no refused grant.
    if ((await shopifyHttpError(res.status, res)).code === 'shop_unavailable')
      throw new ShopifyTokenError('shop_unavailable', res.status);
  }
  if (res.status === 400 || res.status === 401 || res.status === 403) {
    await res.body?.cancel().catch(() => undefined);
    throw new ShopifyTokenError('rejected', res.status);
  }
  const body = AccessTokenResponse.safeParse(await res.json().catch(() => null));
  // An answer without a refresh token would be a non-expiring token again: not what was asked for.
  if (!res.ok || !body.success || !body.data.refresh_token || !body.data.expires_in)
    throw new ShopifyTokenError('unavailable', res.status);
  return credentialsFrom(body.data, requestedAt);
}
