import { Hono, type Context } from 'hono';
import type { Order, ShipmentStatus } from '../../stores/order';
import { parcelsOf, type FakeParcel } from './parcels';
import {
  actualCost,
  applyFirst,
  MAX_SINGLE_QUERY_COST,
  maxCostExceeded,
  nodeSelection,
  parseSelection,
  requestedCost,
  type SelectedField,
} from './shopify-cost';

/**
 * A fake Shopify: the Admin GraphQL orders query as Shopify answers it (order shape, search syntax,
 * `extensions.cost` with a draining and refilling bucket, THROTTLED errors at HTTP 200, 401 for a
 * bad, expired or retired token, 404 for an unknown shop), and the token endpoint's refresh and
 * migration grants. Orders are seeded in Draftline's neutral shape and served in Shopify's. Routes
 * are relative: mounted at /sandbox/shopify, a shop lives at /{shop}/admin/...
 *
 * What Shopify does and a kind fake would forget, each done here as documented:
 * - Expiring offline tokens last 1 h and come with a 90-day refresh token that rotates on every use
 *   (https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh); an expired
 *   token gets Shopify's 401. The previous refresh token works until its replacement is first used,
 *   for at most 30 days (https://shopify.dev/changelog/more-resilient-refreshes-for-expiring-offline-access-tokens).
 * - Non-expiring tokens (addShop) work until 2027-01-01 and get the same 401 from then on
 *   ("Starting January 1, 2027, public apps … with non-expiring tokens receive error responses",
 *   https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens);
 *   the token exchange of https://shopify.dev/docs/apps/build/authentication-authorization/migrate-to-expiring-offline-access-tokens
 *   swaps one for an expiring pair, after which the old token is refused; repeating it within 7 days
 *   returns the same pair (https://shopify.dev/changelog/more-resilient-token-exchanges-when-migrating-tokens-without-a-user-session).
 * - Only the last 60 days of orders are visible without read_all_orders
 *   (https://shopify.dev/docs/api/admin-graphql/latest/objects/Order).
 * - Protected customer data: a shop can be put in "not approved" mode (setCustomerDataAccess).
 *   'none': the Order type itself is refused; 'no_fields': orders come back with `email` null (the
 *   Level 2 field we read; city and country are not among the protected address fields), each with
 *   an `errors` entry, at HTTP 200 (https://shopify.dev/docs/apps/launch/protected-customer-data#using-protected-customer-data).
 * - Every answer names the version it was served in (X-Shopify-API-Version); a version past its
 *   12 months falls forward to the oldest supported one (https://shopify.dev/docs/api/usage/versioning).
 * - One fulfillment per parcel (parcels.ts), in the Fulfillment object's shape: displayStatus,
 *   createdAt, inTransitAt, deliveredAt, estimatedDeliveryAt, trackingInfo, and events honouring
 *   first/sortKey/reverse (Shopify sorts by ID unless asked otherwise). A Fulfillment field
 *   Shopify does not have is refused with its `undefinedField` error, as a misspelt query would be.
 */
export interface ShopifyFakeOptions {
  apiKey?: string;
  apiSecret?: string;
  latencyMs?: number;
  now?: () => number;
}

/** Protected customer data access: 'all' approved, 'no_fields' (Level 1 only), 'none' (not approved at all). */
export type CustomerDataAccess = 'all' | 'no_fields' | 'none';

/**
 * Points restored per second by the shop's plan (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits);
 * the bucket holds 20 seconds of it (2,000 on Standard, as Shopify's throttleStatus reports).
 */
export const RESTORE_RATES = { standard: 100, advanced: 200, plus: 1000, enterprise: 2000 } as const;
export type ShopifyPlan = keyof typeof RESTORE_RATES;
const BUCKET_SECONDS = 20;
export const ACCESS_TOKEN_TTL_SECONDS = 3600;
export const REFRESH_TOKEN_TTL_SECONDS = 90 * 86_400;
/** From then on Shopify refuses non-expiring offline tokens of public apps. */
export const NON_EXPIRING_TOKENS_END = Date.UTC(2027, 0, 1);
const ROTATION_GRACE_MS = 30 * 86_400_000;
const MIGRATION_RETRY_MS = 7 * 86_400_000;
const ORDER_WINDOW_MS = 60 * 86_400_000;

/** Shopify's 401 body for a token it does not accept (unknown, expired, revoked). */
export const INVALID_TOKEN_BODY = {
  errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
};

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const OFFLINE_TOKEN_TYPE = 'urn:shopify:params:oauth:token-type:offline-access-token';

interface Shop {
  orders: Order[];
  bucket: number;
  bucketAt: number;
  calls: number;
  customerData: CustomerDataAccess;
  plan: ShopifyPlan;
  /** Out of service: the status every Admin API request gets (402 frozen, 423 locked, 403 as GraphQL sometimes says it). */
  unavailable: 402 | 403 | 423 | null;
}

/**
 * What Shopify answers for a shop out of service: 402 `{"errors":"Unavailable Shop"}` (frozen,
 * Shopify/shopify-cli#1770), the same words under 403 from GraphQL (orbit-apps/elixir-shopifyapi#382).
 * 423 (locked, https://shopify.dev/changelog/admin-api-requests-to-locked-stores-will-return-a-423-status-code-instead-of-420)
 * has no published body: the same words, and the client decides by the status.
 */
export const UNAVAILABLE_SHOP_BODY = { errors: 'Unavailable Shop' };

interface AccessToken {
  shop: string;
  scopes: string[];
  /** null: a non-expiring token. */
  expiresAt: number | null;
  /** A non-expiring token swapped for an expiring pair: refused from then on. */
  migrated?: { at: number; pair: TokenResponse };
}

interface RefreshToken {
  shop: string;
  scopes: string[];
  expiresAt: number;
  /** The refresh token this one replaced: retired when this one is first used. */
  previous?: string;
  /** When this one was first used; it can be used again (a lost answer) until its replacement is. */
  firstUsedAt?: number;
}

/** The token endpoint's answer, as Shopify sends it. */
export interface TokenResponse {
  access_token: string;
  scope: string;
  expires_in?: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
}

export interface ShopifyTokenIssuer {
  /** What the code exchange answers: an expiring pair when the app asked for it (`expiring=1`). */
  issue(shop: string, opts: { expiring: boolean; scopes: string[] }): TokenResponse;
}

export function createShopifyFake(options: ShopifyFakeOptions = {}) {
  const now = options.now ?? Date.now;
  const shops = new Map<string, Shop>();
  const accessTokens = new Map<string, AccessToken>();
  const refreshTokens = new Map<string, RefreshToken>();
  const tokenRequests: { shop: string; grant: string }[] = [];
  let faults: { status?: number; throttled?: boolean; count: number }[] = [];

  const newToken = (prefix: string) => `${prefix}_${crypto.randomUUID().replace(/-/g, '')}`;

  function issuePair(shop: string, scopes: string[], previous?: string): TokenResponse {
    const access = newToken('shpat');
    const refresh = newToken('shprt');
    accessTokens.set(access, { shop, scopes, expiresAt: now() + ACCESS_TOKEN_TTL_SECONDS * 1000 });
    refreshTokens.set(refresh, { shop, scopes, expiresAt: now() + REFRESH_TOKEN_TTL_SECONDS * 1000, previous });
    return {
      access_token: access,
      scope: scopes.join(','),
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      refresh_token: refresh,
      refresh_token_expires_in: REFRESH_TOKEN_TTL_SECONDS,
    };
  }

  const tokens: ShopifyTokenIssuer = {
    issue(shop, { expiring, scopes }) {
      if (expiring) return issuePair(shop, scopes);
      const access = newToken('shpat');
      accessTokens.set(access, { shop, scopes, expiresAt: null });
      return { access_token: access, scope: scopes.join(',') };
    },
  };

  /** Whether this token may call the Admin API of this shop right now. */
  function accepted(token: string | undefined, shop: string): AccessToken | null {
    const rec = token ? accessTokens.get(token) : undefined;
    if (!rec || rec.shop !== shop || rec.migrated) return null;
    if (rec.expiresAt === null ? now() >= NON_EXPIRING_TOKENS_END : now() >= rec.expiresAt) return null;
    return rec;
  }

  const app = new Hono();

  app.post('/:shop/admin/api/:version/graphql.json', async (c) => {
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const shop = shops.get(c.req.param('shop'));
    if (!shop) return c.text('Not Found', 404);
    shop.calls++;
    c.header('X-Shopify-API-Version', servedVersion(c.req.param('version'), now()));
    const token = accepted(c.req.header('x-shopify-access-token'), c.req.param('shop'));
    if (!token) {
      c.header('WWW-Authenticate', 'Basic Realm="Shopify API Authentication"');
      return c.json(INVALID_TOKEN_BODY, 401);
    }
    if (shop.unavailable) return c.json(UNAVAILABLE_SHOP_BODY, shop.unavailable);
    const fault = faults[0];
    if (fault) {
      if (--fault.count <= 0) faults.shift();
      if (fault.status) return c.json({ errors: 'Internal Server Error' }, fault.status as 500);
    }
    let body: { query?: unknown; variables?: { first?: number; query?: string } };
    try {
      body = await c.req.json();
    } catch {
      return c.json({ errors: { query: 'Required parameter missing or invalid' } }, 400);
    }
    if (typeof body.query !== 'string' || !/\borders\s*\(/.test(body.query)) {
      return c.json(
        { errors: [{ message: 'This fake only answers the orders query', extensions: { code: 'unsupported' } }] },
        200,
      );
    }

    const unknownField = fulfillmentFields(body.query).find((f) => !FULFILLMENT_FIELDS.has(f));
    if (unknownField) {
      return c.json({
        errors: [
          {
            message: `Field '${unknownField}' doesn't exist on type 'Fulfillment'`,
            locations: [{ line: 1, column: 1 }],
            path: ['query DraftlineOrders', 'orders', 'nodes', 'fulfillments', unknownField],
            extensions: { code: 'undefinedField', typeName: 'Fulfillment', fieldName: unknownField },
          },
        ],
      });
    }

    const selection = parseSelection(body.query, body.variables ?? {});
    if (!selection) {
      return c.json({ errors: [{ message: 'syntax error', extensions: { code: 'parseError' } }] });
    }
    // The orders field's own arguments, literal or from variables, as Shopify reads them.
    const ordersArgs = selection.find((f) => f.name === 'orders')?.args ?? {};
    const first = Math.min(250, Math.max(1, Number(ordersArgs.first ?? 10)));
    const requestedQueryCost = requestedCost(selection);
    refill(shop);
    if (requestedQueryCost > MAX_SINGLE_QUERY_COST) {
      return c.json({
        errors: [maxCostExceeded(requestedQueryCost)],
        extensions: { cost: cost(shop, requestedQueryCost, 0) },
      });
    }
    if (fault?.throttled || shop.bucket < requestedQueryCost) {
      return c.json({
        errors: [
          {
            message: 'Throttled',
            extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
          },
        ],
        extensions: { cost: cost(shop, requestedQueryCost, 0) },
      });
    }
    if (shop.customerData === 'none') {
      // The non-null `orders` field refused, so `data` is null; the words are Shopify's.
      shop.bucket -= 2;
      return c.json({
        data: null,
        errors: [
          {
            message: `This app is not approved to access the Order object. See ${customerDataUrl(options.apiKey)} for more details.`,
            locations: [{ line: 3, column: 3 }],
            path: ['orders'],
            extensions: {
              code: 'ACCESS_DENIED',
              documentation: 'https://shopify.dev/docs/apps/launch/protected-customer-data',
            },
          },
        ],
        extensions: { cost: cost(shop, requestedQueryCost, 2) },
      });
    }
    const visible = token.scopes.includes('read_all_orders')
      ? shop.orders
      : shop.orders.filter((o) => Date.parse(o.createdAt) >= now() - ORDER_WINDOW_MS);
    // The search runs on Shopify's side, so an email search still finds the orders; only the
    // answer is redacted.
    // Oldest first unless reversed: Shopify sorts by ID by default, and both ID and CREATED_AT
    // grow as orders are placed.
    const found = search(visible, String(ordersArgs.query ?? ''), ordersArgs.reverse === true);
    const matches = found.slice(0, first);
    const events = eventsArgs(selection);
    const nodes = matches.map((o) => toShopifyOrder(o, events));
    const redacted = shop.customerData === 'no_fields' && /\bemail\b/.test(body.query);
    if (redacted) for (const node of nodes) node.email = null;
    const data = { orders: { nodes, pageInfo: { hasNextPage: found.length > matches.length, endCursor: null } } };
    applyFirst(selection, data);
    // Charged the requested cost up front, refunded down to what the answer cost.
    const actualQueryCost = actualCost(selection, data);
    shop.bucket -= actualQueryCost;
    return c.json({
      data,
      ...(redacted && nodes.length
        ? {
            errors: nodes.map((_, i) => ({
              message: `This app is not approved to access the Order object. See ${customerDataUrl(options.apiKey)} for more details.`,
              locations: [{ line: 5, column: 7 }],
              path: ['orders', 'nodes', i, 'email'],
            })),
          }
        : {}),
      extensions: { cost: cost(shop, requestedQueryCost, actualQueryCost) },
    });
  });

  /**
   * The refresh and migration grants of /admin/oauth/access_token. An authorization code is the
   * install fake's (shopify-oauth.ts, mounted after this one): passed on to it.
   */
  app.post('/:shop/admin/oauth/access_token', async (c, next) => {
    const shop = c.req.param('shop');
    const body = await readForm(c);
    const grant = String(body.grant_type ?? '');
    if (grant !== 'refresh_token' && grant !== TOKEN_EXCHANGE_GRANT) return next();
    tokenRequests.push({ shop, grant });
    // Undocumented for the token endpoint; assumed like the Admin API, the unkind way.
    const unavailable = shops.get(shop)?.unavailable;
    if (unavailable) return c.json(UNAVAILABLE_SHOP_BODY, unavailable);
    if (
      (options.apiKey && body.client_id !== options.apiKey) ||
      (options.apiSecret && body.client_secret !== options.apiSecret)
    ) {
      return c.json({ error: 'invalid_client', error_description: 'Client credentials are invalid' }, 400);
    }
    if (grant === 'refresh_token') {
      const presented = String(body.refresh_token ?? '');
      const rec = refreshTokens.get(presented);
      const expired =
        !rec ||
        rec.shop !== shop ||
        now() >= rec.expiresAt ||
        (rec.firstUsedAt !== undefined && now() >= rec.firstUsedAt + ROTATION_GRACE_MS);
      if (expired) {
        // RFC 6749 §5.2: an invalid, expired or revoked refresh token is invalid_grant, at 400.
        return c.json(
          { error: 'invalid_grant', error_description: 'The refresh token is invalid, expired or revoked' },
          400,
        );
      }
      rec.firstUsedAt ??= now();
      // Using the replacement retires the token it replaced.
      if (rec.previous) refreshTokens.delete(rec.previous);
      return c.json(issuePair(shop, rec.scopes, presented));
    }
    // Token exchange: a non-expiring offline token for an expiring pair.
    if (
      body.subject_token_type !== OFFLINE_TOKEN_TYPE ||
      body.requested_token_type !== OFFLINE_TOKEN_TYPE ||
      String(body.expiring) !== '1'
    ) {
      return c.json({ error: 'invalid_request', error_description: 'Unsupported token exchange' }, 400);
    }
    const subject = accessTokens.get(String(body.subject_token ?? ''));
    if (!subject || subject.shop !== shop || subject.expiresAt !== null) {
      return c.json({ error: 'invalid_subject_token', error_description: 'The subject token is invalid' }, 400);
    }
    if (subject.migrated) {
      // A retry (the first answer was lost): the same pair, within 7 days and while it is unused.
      const pair = subject.migrated.pair;
      const rt = refreshTokens.get(pair.refresh_token!);
      if (
        now() < subject.migrated.at + MIGRATION_RETRY_MS &&
        rt &&
        rt.firstUsedAt === undefined &&
        accessTokens.has(pair.access_token)
      ) {
        accessTokens.get(pair.access_token)!.expiresAt = now() + ACCESS_TOKEN_TTL_SECONDS * 1000;
        return c.json({ ...pair, expires_in: ACCESS_TOKEN_TTL_SECONDS });
      }
      return c.json({ error: 'invalid_subject_token', error_description: 'The subject token is invalid' }, 400);
    }
    // Shopify invalidates the remaining non-expiring tokens on 2027-01-01: nothing left to migrate.
    if (now() >= NON_EXPIRING_TOKENS_END)
      return c.json({ error: 'invalid_subject_token', error_description: 'The subject token is invalid' }, 400);
    const pair = issuePair(shop, subject.scopes);
    subject.migrated = { at: now(), pair };
    return c.json(pair);
  });

  function refill(shop: Shop) {
    const t = now();
    const rate = RESTORE_RATES[shop.plan];
    shop.bucket = Math.min(rate * BUCKET_SECONDS, shop.bucket + ((t - shop.bucketAt) / 1000) * rate);
    shop.bucketAt = t;
  }
  const cost = (shop: Shop, requestedQueryCost: number, actualQueryCost: number) => ({
    requestedQueryCost,
    actualQueryCost,
    throttleStatus: {
      maximumAvailable: RESTORE_RATES[shop.plan] * BUCKET_SECONDS,
      currentlyAvailable: Math.floor(shop.bucket),
      restoreRate: RESTORE_RATES[shop.plan],
    },
  });

  return {
    app,
    /** Issues tokens for the install fake's code exchange (pass it as its `tokens` option). */
    tokens,
    /**
     * A shop with its orders. `token`, if given, is a non-expiring offline token (as installs before
     * expiring tokens got), unless it was issued by `tokens` already; scopes default to read_orders.
     */
    addShop(
      domain: string,
      token: string | null,
      orders: Order[],
      opts: { scopes?: string[]; customerData?: CustomerDataAccess; plan?: ShopifyPlan } = {},
    ) {
      shops.set(domain, {
        orders: structuredClone(orders),
        plan: opts.plan ?? 'standard',
        bucket: RESTORE_RATES[opts.plan ?? 'standard'] * BUCKET_SECONDS,
        bucketAt: now(),
        calls: 0,
        customerData: opts.customerData ?? 'all',
        unavailable: null,
      });
      if (token && !accessTokens.has(token))
        accessTokens.set(token, { shop: domain, scopes: opts.scopes ?? ['read_orders'], expiresAt: null });
    },
    /** An expiring pair for a shop, as an install with expiring=1 would get it. */
    issueTokens(domain: string, scopes: string[] = ['read_orders']): TokenResponse {
      return issuePair(domain, scopes);
    },
    /** Takes the shop out of service as Shopify does (402 frozen for a bill, 423 locked), or back in (null). */
    setUnavailable(domain: string, status: 402 | 403 | 423 | null) {
      const shop = shops.get(domain);
      if (shop) shop.unavailable = status;
    },
    /** Protected customer data approval for this app on this shop. */
    setCustomerDataAccess(domain: string, access: CustomerDataAccess) {
      const shop = shops.get(domain);
      if (shop) shop.customerData = access;
    },
    /** Empties a shop's bucket, as a burst of other apps' queries would. */
    drain(domain: string, to = 0) {
      const shop = shops.get(domain);
      if (shop) (shop.bucket = to), (shop.bucketAt = now());
    },
    failNext(fault: { status?: number; throttled?: boolean; count?: number }) {
      faults.push({ ...fault, count: fault.count ?? 1 });
    },
    calls: (domain: string) => shops.get(domain)?.calls ?? 0,
    /** Refresh and migration requests made, in order (grant types only). */
    tokenRequests: (domain: string) => tokenRequests.filter((r) => r.shop === domain).map((r) => r.grant),
    /** Whether this token would be accepted by the Admin API now. */
    accepts: (domain: string, token: string) => accepted(token, domain) !== null,
    reset() {
      shops.clear();
      accessTokens.clear();
      refreshTokens.clear();
      tokenRequests.length = 0;
      faults = [];
    },
  };
}

export type ShopifyFake = ReturnType<typeof createShopifyFake>;

/** The token endpoint takes JSON or a form; read it without consuming the body for the next handler. */
async function readForm(c: Context): Promise<Record<string, unknown>> {
  const raw = c.req.raw.clone();
  const type = raw.headers.get('content-type') ?? '';
  try {
    if (type.includes('json')) return ((await raw.json()) ?? {}) as Record<string, unknown>;
    return Object.fromEntries(new URLSearchParams(await raw.text()));
  } catch {
    return {};
  }
}

const customerDataUrl = (apiKey = 'app') =>
  `https://partners.shopify.com/0/apps/${encodeURIComponent(apiKey)}/customer_data`;

/**
 * The version an answer is served in: the one asked for while it is supported (12 months from its
 * release at the start of its quarter), else the oldest supported one; `unstable` as is.
 */
export function servedVersion(requested: string, at: number): string {
  const m = /^(\d{4})-(01|04|07|10)$/.exec(requested);
  if (!m) return requested;
  const d = new Date(at);
  const quarterStart = Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1);
  const oldest = new Date(quarterStart);
  oldest.setUTCFullYear(oldest.getUTCFullYear() - 1);
  oldest.setUTCMonth(oldest.getUTCMonth() + 3);
  const released = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  if (released >= oldest.getTime()) return requested;
  return `${oldest.getUTCFullYear()}-${String(oldest.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Shopify search syntax, the part Draftline uses: `name:#1042`, `name:1042`, `email:"a@b.c"`. */
function search(orders: Order[], query: string, newestFirst: boolean): Order[] {
  const m = /^(name|email):"?([^"]*)"?$/.exec(query.trim());
  if (!m) return [];
  const [, field, value] = m as unknown as [string, string, string];
  const sorted = [...orders].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (newestFirst) sorted.reverse();
  if (field === 'email') return sorted.filter((o) => o.email.toLowerCase() === value.toLowerCase());
  // Like Shopify, the name search is fuzzy: a prefix matches too (#104 finds #1042).
  const wanted = value.replace(/^#/, '');
  return sorted.filter((o) => o.number.startsWith(wanted));
}

const FINANCIAL: Record<string, string> = {
  paid: 'PAID',
  pending: 'PENDING',
  refunded: 'REFUNDED',
  partially_refunded: 'PARTIALLY_REFUNDED',
  authorized: 'AUTHORIZED',
  voided: 'VOIDED',
};
const FULFILLMENT: Record<string, string> = {
  fulfilled: 'FULFILLED',
  unfulfilled: 'UNFULFILLED',
  partially_fulfilled: 'PARTIALLY_FULFILLED',
  in_progress: 'IN_PROGRESS',
  on_hold: 'ON_HOLD',
};

function toShopifyOrder(o: Order, events: EventsArgs) {
  const upper = (map: Record<string, string>, v: string) =>
    map[v.toLowerCase()] ?? v.toUpperCase().replace(/\s+/g, '_');
  return {
    name: `#${o.number}`,
    email: o.email as string | null,
    createdAt: o.createdAt,
    displayFinancialStatus: upper(FINANCIAL, o.financialStatus),
    displayFulfillmentStatus: upper(FULFILLMENT, o.fulfillmentStatus),
    fulfillments: parcelsOf(o).map((p) => toFulfillment(p, events)),
    lineItems: { nodes: o.items.map((i) => ({ title: i.title, quantity: i.quantity })) },
    shippingAddress:
      o.shippingCity || o.shippingCountry ? { city: o.shippingCity, countryCodeV2: o.shippingCountry } : null,
  };
}

/**
 * A parcel as a Fulfillment (https://shopify.dev/docs/api/admin-graphql/latest/objects/Fulfillment):
 * `displayStatus` from its status (FULFILLED when no carrier reported anything), `createdAt` when it
 * was fulfilled, `inTransitAt` once the carrier has it, and carrier events (FulfillmentEvent) at
 * each movement: the label, the hand-over, the latest scan, the delivery.
 */
const DISPLAY: Record<ShipmentStatus, string> = {
  label_created: 'LABEL_PURCHASED',
  in_transit: 'IN_TRANSIT',
  out_for_delivery: 'OUT_FOR_DELIVERY',
  delivered: 'DELIVERED',
  attempted_delivery: 'ATTEMPTED_DELIVERY',
  failed_delivery: 'FAILURE',
  unknown: 'FULFILLED',
};

function toFulfillment(p: FakeParcel, args: EventsArgs) {
  const moving = p.status !== 'label_created' && p.status !== 'unknown';
  const events: { status: string; happenedAt: string }[] = [];
  if (p.status === 'label_created') events.push({ status: 'LABEL_PURCHASED', happenedAt: p.shippedAt });
  if (moving) events.push({ status: 'IN_TRANSIT', happenedAt: p.shippedAt });
  if (p.lastEventAt && p.lastEventAt > p.shippedAt) {
    const word = p.status === 'unknown' ? 'CONFIRMED' : DISPLAY[p.status];
    events.push({ status: word, happenedAt: p.lastEventAt });
  }
  // Shopify sorts by id unless asked for HAPPENED_AT; ids grow as events are added, oldest first.
  const sorted =
    args.sortKey === 'HAPPENED_AT'
      ? [...events].sort((a, b) => Date.parse(a.happenedAt) - Date.parse(b.happenedAt))
      : events;
  const nodes = (args.reverse ? sorted.reverse() : sorted).slice(0, args.first);
  return {
    status: 'SUCCESS',
    displayStatus: DISPLAY[p.status],
    createdAt: p.shippedAt,
    inTransitAt: moving ? p.shippedAt : null,
    deliveredAt: p.deliveredAt,
    estimatedDeliveryAt: p.estimatedDeliveryAt,
    trackingInfo: p.tracking ? [{ number: p.tracking.number, url: p.tracking.url, company: p.tracking.company }] : [],
    events: { nodes, pageInfo: { hasNextPage: events.length > nodes.length, endCursor: null } },
  };
}

interface EventsArgs {
  first: number;
  sortKey: string;
  reverse: boolean;
}

/** The arguments of each order's `fulfillments { events(...) }`, as far as the fake honours them. */
function eventsArgs(selection: SelectedField[]): EventsArgs {
  const orders = selection.find((f) => f.name === 'orders')?.selection;
  const order = orders ? nodeSelection(orders) : null;
  const fulfillments = order?.find((f) => f.name === 'fulfillments')?.selection;
  const args = fulfillments?.find((f) => f.name === 'events')?.args ?? {};
  const first = Number(args.first ?? 10);
  return {
    first: Number.isFinite(first) ? Math.min(250, Math.max(1, Math.floor(first))) : 10,
    sortKey: typeof args.sortKey === 'string' ? args.sortKey : 'ID',
    reverse: args.reverse === true,
  };
}

/**
 * The fields Shopify's Fulfillment has (2025-10 and later), so a misspelt or removed one gets
 * Shopify's own answer instead of silently nothing: an `undefinedField` error, no data.
 */
const FULFILLMENT_FIELDS = new Set([
  'createdAt',
  'deliveredAt',
  'displayStatus',
  'estimatedDeliveryAt',
  'events',
  'fulfillmentLineItems',
  'fulfillmentOrders',
  'id',
  'inTransitAt',
  'legacyResourceId',
  'location',
  'name',
  'order',
  'originAddress',
  'requiresShipping',
  'service',
  'status',
  'totalQuantity',
  'trackingInfo',
  'updatedAt',
  '__typename',
]);

/** Field names of the first `fulfillments { … }` selection (its top level only), or [] when there is none. */
function fulfillmentFields(query: string): string[] {
  const start = /\bfulfillments\b[^{]*\{/.exec(query);
  if (!start) return [];
  const fields: string[] = [];
  let depth = 1;
  let parens = 0;
  for (let i = start.index + start[0].length; i < query.length && depth > 0; i++) {
    const ch = query[i]!;
    if (ch === '(') parens++;
    else if (ch === ')') parens--;
    else if (!parens && ch === '{') depth++;
    else if (!parens && ch === '}') depth--;
    else if (!parens && depth === 1 && /[A-Za-z_]/.test(ch) && !/[A-Za-z0-9_]/.test(query[i - 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(query.slice(i))![0];
      fields.push(name);
      i += name.length - 1;
    }
  }
  return fields;
}
