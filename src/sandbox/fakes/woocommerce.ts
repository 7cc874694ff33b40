import { Hono, type Context } from 'hono';
import type { Order, ShipmentStatus, TrackingInfo } from '../../stores/order';
import { carrierLink, findCarrier } from '../../stores/woocommerce-carriers';
import { parcelsOf, unixSeconds, type FakeParcel } from './parcels';

/**
 * A fake WooCommerce store: REST v3 orders as WooCommerce answers them (order JSON, `search`,
 * `per_page`/`page` with X-WP-Total/X-WP-TotalPages, its error bodies), authenticated by HTTP Basic
 * (https) or OAuth 1.0a query parameters (http; the fake checks the consumer key, not the signature).
 * Orders are seeded either in Draftline's neutral shape, turned into REST orders the way stores
 * with the common plugins hold them (below), or as raw REST v3 order objects, served verbatim
 * (`raw`: real payloads replayed exactly as GET /wp-json/wc/v3/orders returned them). Routes are
 * relative: mounted at /sandbox/woocommerce, the store's REST root is /wp-json/wc/v3/.
 *
 * Neutral orders become what a store running a shipping plugin returns: statuses such as
 * delivered, partial-shipped, in-transit (and, for "unknown", a plugin status Draftline does not
 * know), and `_wc_shipment_tracking_items` as WooCommerce Shipment Tracking or Advanced Shipment
 * Tracking write it: a carrier from the plugin's list as its slug only (no name, no link), any
 * other carrier as custom_tracking_provider/custom_tracking_link, date_shipped in unix seconds.
 * Parcels a carrier reported (the order's shipments) get TrackShip's metas keyed like the tracking
 * entries, `shipment_status` (status, status_date, est_delivery_date) and `ts_shipment_status`
 * (status), and a completed or delivered order its date_completed(_gmt). A parcel without a
 * tracking number has no place in these metas: WooCommerce shows it only through the order status.
 *
 * Webhooks as WooCommerce runs them (WC_REST_Webhooks_V2_Controller, WC_Webhook): list, create
 * (201, then the `webhook_id=N` ping to the delivery URL), get, update, delete (only with
 * force=true), their error codes (a missing id is 400 "ID is invalid." on GET and PUT, 404 on
 * DELETE), and API key permissions (a 'read' key cannot write). Deliveries are signed with the
 * webhook's secret, carry the X-WC-Webhook-* headers, are never retried, and a webhook is disabled
 * after more than 5 consecutive failures.
 */
export interface WooCommerceFakeOptions {
  latencyMs?: number;
  /** How the store reaches outside URLs (key delivery to callback_url in a later flow). */
  deliver?: (req: Request) => Promise<Response>;
}

type KeyPermissions = 'read' | 'write' | 'read_write';
type WebhookStatus = 'active' | 'paused' | 'disabled';

interface Store {
  secret: string;
  permissions: KeyPermissions;
  /**
   * The store's web server drops the Authorization header before WordPress sees it (Apache running
   * PHP as CGI/FastCGI without a rule passing it on). WooCommerce documents it: "Occasionally some
   * servers may not parse the Authorization header correctly ... you may provide the consumer
   * key/secret as query string parameters instead" (REST API docs, Authentication over HTTPS).
   */
  dropsAuthorizationHeader: boolean;
  /** home_url('/'): sent as X-WC-Webhook-Source. Defaults to the URL the store was reached at. */
  homeUrl: string | null;
  /** The REST order objects the store answers with. */
  orders: WooRestOrder[];
}

/** A REST v3 order as the fake serves it: any JSON object (raw ones are served exactly as given). */
type WooRestOrder = Record<string, unknown>;

/** Which plugin wrote the tracking meta of neutral orders. */
export type TrackingPlugin = 'shipment-tracking' | 'advanced-shipment-tracking';

export interface FakeWebhook {
  id: number;
  storeKey: string;
  homeUrl: string;
  name: string;
  status: WebhookStatus;
  topic: string;
  delivery_url: string;
  secret: string;
  failure_count: number;
  pending_delivery: boolean;
  date_created: string;
  date_modified: string;
}

/** The default topics and the hooks behind them (WC_Webhook::get_default_topic_hooks). */
const TOPIC_HOOKS: Record<string, string[]> = {
  'coupon.created': ['woocommerce_process_shop_coupon_meta', 'woocommerce_new_coupon'],
  'coupon.updated': ['woocommerce_process_shop_coupon_meta', 'woocommerce_update_coupon'],
  'coupon.deleted': ['wp_trash_post'],
  'coupon.restored': ['untrashed_post'],
  'customer.created': ['user_register', 'woocommerce_created_customer', 'woocommerce_new_customer'],
  'customer.updated': ['profile_update', 'woocommerce_update_customer'],
  'customer.deleted': ['delete_user'],
  'order.created': ['woocommerce_new_order'],
  'order.updated': ['woocommerce_update_order', 'woocommerce_order_refunded', 'woocommerce_delete_order_refund'],
  'order.deleted': ['wp_trash_post', 'woocommerce_trash_order'],
  'order.restored': ['untrashed_post', 'woocommerce_untrash_order'],
  'product.created': [
    'woocommerce_process_product_meta',
    'woocommerce_new_product',
    'woocommerce_new_product_variation',
  ],
  'product.updated': [
    'woocommerce_process_product_meta',
    'woocommerce_update_product',
    'woocommerce_update_product_variation',
  ],
  'product.deleted': ['wp_trash_post'],
  'product.restored': ['untrashed_post'],
};
const isValidTopic = (topic: string) => topic in TOPIC_HOOKS || /^action\.[a-z0-9_]+$/i.test(topic);
const isValidUrl = (url: string) => /^https?:\/\//i.test(url) && URL.canParse(url);
const WEBHOOK_STATUSES: WebhookStatus[] = ['active', 'paused', 'disabled'];
/** WooCommerce's woocommerce_max_webhook_delivery_failures default. */
const MAX_FAILURES = 5;

const wooError = (
  c: Context,
  status: 401 | 404 | 400 | 500 | 501,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
) => c.json({ code, message, data: { status, ...extra } }, status);

export function createWooCommerceFake(options: WooCommerceFakeOptions = {}) {
  const stores = new Map<string, Store>();
  const webhooks = new Map<number, FakeWebhook>();
  let nextWebhookId = 101;
  let faults: { status: number; count: number }[] = [];
  let calls = 0;
  const deliveries: { webhookId: number; status: number; kind: 'ping' | 'delivery' }[] = [];

  const app = new Hono();
  app.use('/wp-json/wc/v3/*', async (c, next) => {
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    calls++;
    const fault = faults[0];
    if (fault) {
      if (--fault.count <= 0) faults.shift();
      return wooError(
        c,
        fault.status as 500,
        'internal_server_error',
        'There has been a critical error on this website.',
      );
    }
    let key = consumerKeyOf(c);
    if (key?.from === 'header' && stores.get(key.key)?.dropsAuthorizationHeader) key = null;
    if (!key) {
      // No credentials reached WooCommerce: the route's own permission check refuses, in its words.
      const [code, message] = unauthenticated(c.req.method, /\/\d+\/?$/.test(c.req.path));
      return wooError(c, 401, code, message);
    }
    const store = stores.get(key.key);
    if (!store || (key.secret !== null && key.secret !== store.secret)) {
      return wooError(
        c,
        401,
        'woocommerce_rest_authentication_error',
        'Invalid signature - provided signature does not match.',
      );
    }
    // WC_REST_Authentication::check_permissions: the key's own permissions come before any route.
    const method = c.req.method;
    const reading = method === 'GET' || method === 'HEAD';
    if (reading && store.permissions === 'write') {
      return wooError(
        c,
        401,
        'woocommerce_rest_authentication_error',
        'The API key provided does not have read permissions.',
      );
    }
    if (!reading && method !== 'OPTIONS' && store.permissions === 'read') {
      return wooError(
        c,
        401,
        'woocommerce_rest_authentication_error',
        'The API key provided does not have write permissions.',
      );
    }
    c.set('store' as never, store as never);
    c.set('storeKey' as never, key.key as never);
    await next();
  });

  app.get('/wp-json/wc/v3/orders', (c) => {
    const store = c.get('store' as never) as Store;
    // WP_REST_Controller::get_collection_params: per_page 1–100, page ≥ 1; anything else is a 400.
    const perPage = Number(c.req.query('per_page') ?? 10);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
      return wooError(c, 400, 'rest_invalid_param', 'Invalid parameter(s): per_page', {
        params: { per_page: 'per_page must be between 1 (inclusive) and 100 (inclusive)' },
      });
    }
    const page = Number(c.req.query('page') ?? 1);
    if (!Number.isInteger(page) || page < 1) {
      return wooError(c, 400, 'rest_invalid_param', 'Invalid parameter(s): page', {
        params: { page: 'page must be greater than or equal to 1' },
      });
    }
    const term = (c.req.query('search') ?? '').toLowerCase();
    const asc = c.req.query('order') === 'asc';
    const matches = store.orders
      .filter((o) => !term || String(o.id) === term || searchable(o).some((field) => field.includes(term)))
      .sort((a, b) => (asc ? 1 : -1) * createdOf(a).localeCompare(createdOf(b)));
    // WC_REST_Orders_V2_Controller::get_items: the query's max_num_pages (0 when nothing matched),
    // and Link rel="prev"/"next" built from the request's own query parameters.
    const totalPages = Math.ceil(matches.length / perPage);
    c.header('X-WP-Total', String(matches.length));
    c.header('X-WP-TotalPages', String(totalPages));
    const link = (rel: string, to: number) => {
      const url = new URL(c.req.url);
      url.searchParams.set('page', String(to));
      return `<${url.toString()}>; rel="${rel}"`;
    };
    const links = [
      ...(page > 1 ? [link('prev', Math.min(page - 1, totalPages))] : []),
      ...(totalPages > page ? [link('next', page + 1)] : []),
    ];
    if (links.length) c.header('Link', links.join(', '));
    return c.json(matches.slice((page - 1) * perPage, page * perPage));
  });

  app.get('/wp-json/wc/v3/orders/:id', (c) => {
    const store = c.get('store' as never) as Store;
    const order = store.orders.find((o) => String(o.id) === c.req.param('id'));
    return order ? c.json(order) : wooError(c, 404, 'woocommerce_rest_shop_order_invalid_id', 'Invalid ID.');
  });

  // --- Webhooks -------------------------------------------------------------------------------

  const restBase = (c: Context) => c.req.url.split('/wp-json/')[0]!;
  const webhookJson = (c: Context, w: FakeWebhook, context: 'view' | 'edit') => ({
    id: w.id,
    name: w.name,
    status: w.status,
    topic: w.topic,
    resource: w.topic.split('.')[0],
    event: w.topic.split('.')[1],
    hooks: TOPIC_HOOKS[w.topic] ?? [w.topic.replace(/^action\./, '')],
    delivery_url: w.delivery_url,
    ...(context === 'edit' ? { secret: w.secret } : {}),
    date_created: w.date_created,
    date_created_gmt: w.date_created,
    date_modified: w.date_modified,
    date_modified_gmt: w.date_modified,
    _links: {
      self: [{ href: `${restBase(c)}/wp-json/wc/v3/webhooks/${w.id}` }],
      collection: [{ href: `${restBase(c)}/wp-json/wc/v3/webhooks` }],
    },
  });
  const ownWebhook = (c: Context): FakeWebhook | undefined => {
    const w = webhooks.get(Number(c.req.param('id')));
    return w && w.storeKey === (c.get('storeKey' as never) as string) ? w : undefined;
  };
  const nowIso = () => new Date().toISOString().replace(/\.\d+Z$/, '');
  const readBody = async (c: Context): Promise<Record<string, unknown>> => {
    const text = await c.req.text();
    if (!text) return {};
    try {
      const body = JSON.parse(text) as unknown;
      return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };

  app.get('/wp-json/wc/v3/webhooks', (c) => {
    const key = c.get('storeKey' as never) as string;
    const status = c.req.query('status') ?? 'all';
    if (!['all', ...WEBHOOK_STATUSES].includes(status)) {
      return wooError(c, 400, 'rest_invalid_param', 'Invalid parameter(s): status', {
        params: { status: 'status is not one of all, active, paused, and disabled.' },
      });
    }
    const perPage = Math.min(100, Math.max(1, Number(c.req.query('per_page') ?? 10)));
    const page = Math.max(1, Number(c.req.query('page') ?? 1));
    const mine = [...webhooks.values()]
      .filter((w) => w.storeKey === key && (status === 'all' || w.status === status))
      .sort((a, b) => b.id - a.id);
    c.header('X-WP-Total', String(mine.length));
    c.header('X-WP-TotalPages', String(Math.max(1, Math.ceil(mine.length / perPage))));
    return c.json(mine.slice((page - 1) * perPage, page * perPage).map((w) => webhookJson(c, w, 'view')));
  });

  app.post('/wp-json/wc/v3/webhooks', async (c) => {
    const body = await readBody(c);
    const missing = ['topic', 'delivery_url'].filter((k) => body[k] === undefined);
    if (missing.length) {
      return wooError(c, 400, 'rest_missing_callback_param', `Missing parameter(s): ${missing.join(', ')}`, {
        params: missing,
      });
    }
    if (body.id)
      return wooError(c, 400, 'woocommerce_rest_shop_webhook_exists', 'Cannot create existing shop_webhook.');
    const topic = String(body.topic ?? '').toLowerCase();
    if (!topic || !isValidTopic(topic)) {
      return wooError(
        c,
        400,
        'woocommerce_rest_shop_webhook_invalid_topic',
        'Webhook topic is required and must be valid.',
      );
    }
    const deliveryUrl = String(body.delivery_url ?? '');
    if (!isValidUrl(deliveryUrl)) {
      return wooError(
        c,
        400,
        'woocommerce_rest_shop_webhook_invalid_delivery_url',
        'Webhook delivery URL must be a valid URL starting with http:// or https://.',
      );
    }
    const store = c.get('store' as never) as Store;
    const created = nowIso();
    const webhook: FakeWebhook = {
      id: nextWebhookId++,
      storeKey: c.get('storeKey' as never) as string,
      homeUrl: store.homeUrl ?? `${restBase(c)}/`,
      name: typeof body.name === 'string' && body.name ? body.name : `Webhook created on ${created}`,
      // The REST controller creates a published post, hence 'active' (a status in the body is ignored).
      status: 'active',
      topic,
      delivery_url: deliveryUrl,
      secret: typeof body.secret === 'string' && body.secret ? body.secret : crypto.randomUUID().replace(/-/g, ''),
      failure_count: 0,
      pending_delivery: true,
      date_created: created,
      date_modified: created,
    };
    webhooks.set(webhook.id, webhook);
    c.header('Location', `${restBase(c)}/wp-json/wc/v3/webhooks/${webhook.id}`);
    const response = c.json(webhookJson(c, webhook, 'edit'), 201);
    // deliver_ping() runs before the response is sent; its result does not change the response.
    await ping(webhook);
    return response;
  });

  app.get('/wp-json/wc/v3/webhooks/:id', (c) => {
    const webhook = ownWebhook(c);
    if (!webhook) return wooError(c, 400, 'woocommerce_rest_shop_webhook_invalid_id', 'ID is invalid.');
    return c.json(webhookJson(c, webhook, 'view'));
  });

  const update = async (c: Context) => {
    const webhook = ownWebhook(c);
    if (!webhook) return wooError(c, 400, 'woocommerce_rest_shop_webhook_invalid_id', 'ID is invalid.');
    const body = await readBody(c);
    if (body.topic) {
      const topic = String(body.topic).toLowerCase();
      if (!isValidTopic(topic))
        return wooError(c, 400, 'woocommerce_rest_shop_webhook_invalid_topic', 'Webhook topic must be valid.');
      webhook.topic = topic;
    }
    if (body.delivery_url) {
      if (!isValidUrl(String(body.delivery_url))) {
        return wooError(
          c,
          400,
          'woocommerce_rest_shop_webhook_invalid_delivery_url',
          'Webhook delivery URL must be a valid URL starting with http:// or https://.',
        );
      }
      webhook.delivery_url = String(body.delivery_url);
    }
    if (body.secret) webhook.secret = String(body.secret);
    if (body.status) {
      const status = String(body.status).toLowerCase() as WebhookStatus;
      if (!WEBHOOK_STATUSES.includes(status))
        return wooError(c, 400, 'woocommerce_rest_shop_webhook_invalid_status', 'Webhook status must be valid.');
      webhook.status = status;
    }
    if (typeof body.name === 'string' && body.name) webhook.name = body.name;
    webhook.date_modified = nowIso();
    return c.json(webhookJson(c, webhook, 'edit'));
  };
  app.put('/wp-json/wc/v3/webhooks/:id', update);
  app.patch('/wp-json/wc/v3/webhooks/:id', update);
  app.post('/wp-json/wc/v3/webhooks/:id', update);

  app.delete('/wp-json/wc/v3/webhooks/:id', (c) => {
    const force = ['true', '1'].includes(c.req.query('force') ?? '');
    if (!force) return wooError(c, 501, 'woocommerce_rest_trash_not_supported', 'Webhooks do not support trashing.');
    const webhook = ownWebhook(c);
    if (!webhook) return wooError(c, 404, 'woocommerce_rest_shop_webhook_invalid_id', 'Invalid ID.');
    webhooks.delete(webhook.id);
    return c.json(webhookJson(c, webhook, 'edit'));
  });

  async function ping(webhook: FakeWebhook) {
    if (!options.deliver) return;
    let status = 0;
    try {
      const res = await options.deliver(
        new Request(webhook.delivery_url, {
          method: 'POST',
          headers: {
            'user-agent': 'WooCommerce/9.9.0 Hookshot (WordPress/6.8)',
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: `webhook_id=${webhook.id}`,
        }),
      );
      status = res.status;
    } catch {
      status = 0;
    }
    deliveries.push({ webhookId: webhook.id, status, kind: 'ping' });
    if (status === 200) webhook.pending_delivery = false;
  }

  /** WC_Webhook::deliver and log_delivery: sign, send once, count consecutive failures. */
  async function deliver(webhook: FakeWebhook, payload: unknown): Promise<number> {
    const body = JSON.stringify(payload);
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(webhook.secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const signature = btoa(
      String.fromCharCode(...new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)))),
    );
    const second = Math.floor(Date.now() / 1000);
    const deliveryId = Array.from(
      new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${webhook.id}${second}`))),
    )
      .slice(0, 16)
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
    const [resource, event] = webhook.topic.split('.');
    let status = 0;
    try {
      const res = await options.deliver!(
        new Request(webhook.delivery_url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'WooCommerce/9.9.0 Hookshot (WordPress/6.8)',
            'x-wc-webhook-source': webhook.homeUrl,
            'x-wc-webhook-topic': webhook.topic,
            'x-wc-webhook-resource': resource ?? '',
            'x-wc-webhook-event': event ?? '',
            'x-wc-webhook-signature': signature,
            'x-wc-webhook-id': String(webhook.id),
            'x-wc-webhook-delivery-id': deliveryId,
          },
          body,
        }),
      );
      status = res.status;
    } catch {
      status = 0;
    }
    deliveries.push({ webhookId: webhook.id, status, kind: 'delivery' });
    if (status >= 200 && status < 303) webhook.failure_count = 0;
    else if (webhook.failure_count > MAX_FAILURES) webhook.status = 'disabled';
    else webhook.failure_count++;
    return status;
  }

  return {
    app,
    /**
     * A store and its API key. Keys default to read_write, what webhook management needs. `raw`
     * REST order objects, when given, are what the store holds instead of `orders` (served as given).
     */
    addStore(
      consumerKey: string,
      consumerSecret: string,
      orders: Order[],
      store: {
        permissions?: KeyPermissions;
        homeUrl?: string;
        raw?: readonly unknown[];
        trackingPlugin?: TrackingPlugin;
        /** Its server drops the Authorization header: only query-string keys get through. */
        dropsAuthorizationHeader?: boolean;
      } = {},
    ) {
      stores.set(consumerKey, {
        secret: consumerSecret,
        permissions: store.permissions ?? 'read_write',
        dropsAuthorizationHeader: store.dropsAuthorizationHeader ?? false,
        homeUrl: store.homeUrl ?? null,
        orders: store.raw
          ? store.raw
              .filter((o): o is WooRestOrder => !!o && typeof o === 'object' && !Array.isArray(o))
              .map((o) => structuredClone(o))
          : orders.map((o, i) =>
              toWooOrder({ ...structuredClone(o), id: 5000 + i }, store.trackingPlugin ?? 'shipment-tracking'),
            ),
      });
    },
    /** The store's webhooks, as stored (secret and failure count included). */
    webhooks(consumerKey: string): FakeWebhook[] {
      return [...webhooks.values()].filter((w) => w.storeKey === consumerKey).map((w) => ({ ...w }));
    },
    /** What WooCommerce does after repeated failures ('disabled'), or a merchant ('paused'). */
    setWebhookStatus(id: number, status: WebhookStatus) {
      const webhook = webhooks.get(id);
      if (!webhook) throw new Error(`no webhook ${id}`);
      webhook.status = status;
    },
    /** The merchant deletes a webhook in WooCommerce › Settings › Advanced › Webhooks. */
    deleteWebhook(id: number) {
      webhooks.delete(id);
    },
    /**
     * An event in the store: every active webhook of that store on that topic delivers `payload`
     * once (a deleted customer arrives as `{id}` only). Returns the HTTP status of each delivery.
     */
    async trigger(consumerKey: string, topic: string, payload: unknown): Promise<number[]> {
      if (!options.deliver) throw new Error('this fake was created without a deliver function');
      const targets = [...webhooks.values()].filter(
        (w) => w.storeKey === consumerKey && w.topic === topic && w.status === 'active',
      );
      const statuses: number[] = [];
      for (const w of targets) statuses.push(await deliver(w, payload));
      return statuses;
    },
    deliveries: () => [...deliveries],
    failNext(fault: { status: number; count?: number }) {
      faults.push({ status: fault.status, count: fault.count ?? 1 });
    },
    calls: () => calls,
    deliver: options.deliver,
    reset() {
      stores.clear();
      webhooks.clear();
      deliveries.length = 0;
      faults = [];
      calls = 0;
    },
  };
}

/**
 * The key a request carries, in WC_REST_Authentication's order: consumer_key/consumer_secret query
 * parameters first, then HTTP Basic (PHP_AUTH_USER/PW); OAuth 1.0a parameters (plain http).
 */
function consumerKeyOf(c: Context): { key: string; secret: string | null; from: 'query' | 'header' | 'oauth' } | null {
  const queryKey = c.req.query('consumer_key');
  const querySecret = c.req.query('consumer_secret');
  if (queryKey && querySecret) return { key: queryKey, secret: querySecret, from: 'query' };
  const auth = c.req.header('authorization');
  if (auth?.startsWith('Basic ')) {
    const [key, secret] = atob(auth.slice(6)).split(':');
    return key ? { key, secret: secret ?? '', from: 'header' } : null;
  }
  const oauthKey = c.req.query('oauth_consumer_key');
  if (oauthKey && c.req.query('oauth_signature')) return { key: oauthKey, secret: null, from: 'oauth' };
  return null;
}

/**
 * What a route's permission check answers a request without credentials (status
 * rest_authorization_required_code(), 401): WC_REST_*_Controller's *_permissions_check words.
 */
function unauthenticated(method: string, item: boolean): [string, string] {
  if (method === 'DELETE')
    return ['woocommerce_rest_cannot_delete', 'Sorry, you are not allowed to delete this resource.'];
  if (method === 'GET' || method === 'HEAD')
    return item
      ? ['woocommerce_rest_cannot_view', 'Sorry, you cannot view this resource.']
      : ['woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'];
  return item
    ? ['woocommerce_rest_cannot_edit', 'Sorry, you are not allowed to edit this resource.']
    : ['woocommerce_rest_cannot_create', 'Sorry, you are not allowed to create resources.'];
}

/** The fields WooCommerce's order search looks in (besides the exact id): number, billing email and names. */
function searchable(o: WooRestOrder): string[] {
  const billing = (o.billing && typeof o.billing === 'object' ? o.billing : {}) as Record<string, unknown>;
  return [o.number, billing.email, billing.first_name, billing.last_name]
    .filter((v) => typeof v === 'string' || typeof v === 'number')
    .map((v) => String(v).toLowerCase());
}

const createdOf = (o: WooRestOrder): string => String(o.date_created_gmt ?? o.date_created ?? '');

/**
 * The WooCommerce status a store shows for a neutral order: the core ones, or the one its shipping
 * plugin set (Advanced Shipment Tracking: delivered, partial-shipped; others: shipped, in-transit,
 * out-for-delivery, ready-to-ship). "unknown" becomes a status of a plugin Draftline has never heard of.
 */
const PLUGIN_STATUS: Record<string, string> = {
  delivered: 'delivered',
  shipped: 'shipped',
  partially_fulfilled: 'partial-shipped',
  in_transit: 'in-transit',
  out_for_delivery: 'out-for-delivery',
  ready_to_ship: 'ready-to-ship',
  cancelled: 'cancelled',
  refunded: 'refunded',
  unknown: 'awaiting-collection',
};
const WOO_STATUS = (o: Order): string => {
  if (o.financialStatus === 'refunded') return 'refunded';
  if (o.financialStatus === 'pending') return 'pending';
  if (o.financialStatus === 'voided') return 'cancelled';
  if (PLUGIN_STATUS[o.fulfillmentStatus]) return PLUGIN_STATUS[o.fulfillmentStatus]!;
  if (o.fulfillmentStatus === 'fulfilled') return 'completed';
  return 'processing';
};

/**
 * One parcel of `_wc_shipment_tracking_items` as the plugin writes it. A carrier from the plugin's
 * list (its name, and a link that is the plugin's own, or none) is stored as the slug alone;
 * anything else as a custom carrier with its link. date_shipped is unix seconds as a string.
 */
function trackingItem(p: FakeParcel & { tracking: TrackingInfo }, n: number, o: Order, plugin: TrackingPlugin) {
  const t = p.tracking;
  const carrier = findCarrier(t.company);
  const known =
    carrier &&
    carrier.name === t.company &&
    (t.url === '' || t.url === carrierLink(carrier, { number: t.number, country: o.shippingCountry }));
  const dateShipped = String(unixSeconds(p.shippedAt));
  const base = {
    tracking_provider: known ? carrier.slug : '',
    custom_tracking_provider: known ? '' : t.company,
    custom_tracking_link: known ? '' : t.url,
    tracking_number: t.number,
  };
  return plugin === 'advanced-shipment-tracking'
    ? {
        ...base,
        tracking_product_code: '',
        source: 'admin',
        date_shipped: dateShipped,
        status_shipped: '1',
        tracking_id: `ast${n}`,
      }
    : { ...base, date_shipped: dateShipped, tracking_id: `t${n}` };
}

/**
 * TrackShip's words for a neutral status (the inverse of what woocommerce-shipments.ts reads):
 * a parcel a carrier reported gets a status; one nobody described gets none.
 */
const TRACKSHIP: Record<ShipmentStatus, string | null> = {
  label_created: 'pre_transit',
  in_transit: 'in_transit',
  out_for_delivery: 'out_for_delivery',
  delivered: 'delivered',
  attempted_delivery: 'failure',
  failed_delivery: 'return_to_sender',
  unknown: null,
};
/** PHP's gmdate('Y-m-d H:i:s') and gmdate('Y-m-d'). */
const gmdate = (iso: string) => new Date(iso).toISOString().slice(0, 19).replace('T', ' ');
const gmday = (iso: string) => new Date(iso).toISOString().slice(0, 10);

/**
 * The metas TrackShip keeps per tracking entry (keyed like `_wc_shipment_tracking_items`), as AST's
 * TrackShip webhook wrote them: `shipment_status` with the latest event's date and the estimate,
 * and `ts_shipment_status` with the status alone (all the current TrackShip plugin keeps in meta).
 */
function trackShipMeta(tracked: FakeParcel[]) {
  const reported = tracked.map((p) => (p.reported ? TRACKSHIP[p.status] : null));
  if (!reported.some(Boolean)) return [];
  const keyed = (f: (p: FakeParcel, status: string) => Record<string, unknown>) =>
    Object.fromEntries(tracked.flatMap((p, i) => (reported[i] ? [[String(i), f(p, reported[i]!)]] : [])));
  return [
    {
      id: 3,
      key: 'shipment_status',
      value: keyed((p, status) => ({
        status,
        status_date: gmdate(p.lastEventAt ?? p.shippedAt),
        est_delivery_date: p.estimatedDeliveryAt ? gmday(p.estimatedDeliveryAt) : '',
        tracking_events: [],
        tracking_destination_events: [],
      })),
    },
    { id: 4, key: 'ts_shipment_status', value: keyed((_, status) => ({ status })) },
  ];
}

function toWooOrder(o: Order & { id: number }, plugin: TrackingPlugin): WooRestOrder {
  const gmt = o.createdAt.replace(/(\.\d+)?Z$/, '');
  const status = WOO_STATUS(o);
  const parcels = parcelsOf(o);
  const tracked = parcels.filter((p): p is FakeParcel & { tracking: TrackingInfo } => p.tracking !== null);
  // WooCommerce stamps date_completed when an order becomes completed (AST's delivered follows it).
  const completed =
    status === 'completed' || status === 'delivered'
      ? (parcels[0]?.shippedAt ?? o.createdAt).replace(/(\.\d+)?Z$/, '')
      : null;
  return {
    id: o.id,
    parent_id: 0,
    number: o.number,
    status,
    currency: 'EUR',
    date_created: gmt,
    date_created_gmt: gmt,
    date_completed: completed,
    date_completed_gmt: completed,
    billing: { first_name: '', last_name: '', email: o.email },
    shipping: { first_name: '', last_name: '', city: o.shippingCity ?? '', country: o.shippingCountry ?? '' },
    line_items: o.items.map((i, n) => ({ id: n + 1, name: i.title, quantity: i.quantity })),
    meta_data: tracked.length
      ? [
          { id: 1, key: '_wc_shipment_tracking_items', value: tracked.map((p, n) => trackingItem(p, n, o, plugin)) },
          ...trackShipMeta(tracked),
        ]
      : [],
  };
}
