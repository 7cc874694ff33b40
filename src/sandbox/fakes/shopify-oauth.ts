import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { fakePage } from './fake-page';
import type { ShopifyTokenIssuer } from './shopify';

/**
 * A fake of Shopify's OAuth install for non-embedded apps: the grant screen at
 * /{shop}/admin/oauth/authorize and the code exchange at /{shop}/admin/oauth/access_token.
 * The redirect back carries code, hmac, host, shop, state and timestamp, signed the way Shopify
 * signs it (hex HMAC-SHA256 of the sorted query with the app's secret). Codes work once and for
 * a minute. Any *.myshopify.com shop can install; `onInstall` lets the sandbox seed its orders.
 *
 * The code exchange answers as Shopify does: with `expiring=1` an access token for 1 h plus a
 * refresh token (`expires_in`, `refresh_token`, `refresh_token_expires_in`), without it a
 * non-expiring token (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens).
 * The tokens come from `tokens`, the Admin API fake's issuer (createShopifyFake().tokens), so that
 * fake accepts, expires and refreshes them; without it only non-expiring tokens can be handed out
 * (the Admin API fake learns them through onInstall → addShop), which Draftline then migrates.
 */
export interface ShopifyOAuthFakeOptions {
  apiKey: string;
  apiSecret: string;
  now?: () => number;
  onInstall?: (shop: string, accessToken: string) => void;
  tokens?: ShopifyTokenIssuer;
}

const SHOP = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;
const SCOPE_LABELS: Record<string, string> = {
  read_orders: 'View orders, transactions and fulfillments',
  read_all_orders: 'View all orders, including those older than 60 days',
  read_fulfillments: 'View fulfillment services',
};

export function createShopifyOAuthFake(options: ShopifyOAuthFakeOptions) {
  const now = options.now ?? Date.now;
  const codes = new Map<string, { shop: string; scopes: string; expiresAt: number }>();
  const app = new Hono();

  const errorPage = (c: Context, status: 400 | 404, message: string) =>
    c.html(fakePage('Shopify', 'Shopify', html`<h1>Oauth error invalid_request</h1><p>${message}</p>`), status);

  app.get('/:shop/admin/oauth/authorize', (c) => {
    const shop = c.req.param('shop');
    if (!SHOP.test(shop)) return c.text('Not Found', 404);
    const q = c.req.query();
    if (q.client_id !== options.apiKey) return errorPage(c, 400, 'The client_id is invalid.');
    if (!q.redirect_uri || !q.state) return errorPage(c, 400, 'The redirect_uri and state parameters are required.');
    const scopes = (q.scope ?? '').split(',').filter(Boolean);
    return c.html(
      fakePage(
        'Install app',
        `Shopify · ${shop}`,
        html`<h1>Install Draftline</h1>
          <p>Draftline will be able to:</p>
          <ul>
            ${scopes.map((s) => html`<li>${SCOPE_LABELS[s] ?? s}</li>`)}
          </ul>
          <form method="post">
            <input type="hidden" name="redirect_uri" value="${q.redirect_uri}" />
            <input type="hidden" name="state" value="${q.state}" />
            <input type="hidden" name="scope" value="${scopes.join(',')}" />
            <div class="actions">
              <button type="submit" name="action" value="cancel">Cancel</button>
              <button type="submit" name="action" value="install" class="primary">Install</button>
            </div>
          </form>`,
      ),
    );
  });

  app.post('/:shop/admin/oauth/authorize', async (c) => {
    const shop = c.req.param('shop');
    const form = await c.req.parseBody();
    const redirectUri = String(form.redirect_uri ?? '');
    if (!SHOP.test(shop) || !redirectUri) return c.text('Not Found', 404);
    if (form.action !== 'install') {
      return c.html(
        fakePage(
          'Shopify',
          `Shopify · ${shop}`,
          html`<h1>Installation cancelled</h1><p><a href="${new URL(redirectUri).origin}/app">Back to Draftline</a></p>`,
        ),
      );
    }
    const code = crypto.randomUUID().replace(/-/g, '');
    codes.set(code, { shop, scopes: String(form.scope ?? ''), expiresAt: now() + 60_000 });
    const query: Record<string, string> = {
      code,
      host: btoa(`admin.shopify.com/store/${shop.replace('.myshopify.com', '')}`).replace(/=+$/, ''),
      shop,
      state: String(form.state ?? ''),
      timestamp: String(Math.floor(now() / 1000)),
    };
    const url = new URL(redirectUri);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    url.searchParams.set('hmac', await signQuery(options.apiSecret, query));
    return c.redirect(url.toString(), 302);
  });

  app.post('/:shop/admin/oauth/access_token', async (c) => {
    const shop = c.req.param('shop');
    const type = c.req.header('content-type') ?? '';
    const body = (type.includes('json') ? await c.req.json().catch(() => ({})) : await c.req.parseBody()) as Record<
      string,
      unknown
    >;
    if (body.client_id !== options.apiKey || body.client_secret !== options.apiSecret) {
      return c.json({ error: 'invalid_client', error_description: 'Client credentials are invalid' }, 400);
    }
    const grant = codes.get(String(body.code ?? ''));
    codes.delete(String(body.code ?? ''));
    if (!grant || grant.shop !== shop || grant.expiresAt < now()) {
      return c.json(
        { error: 'invalid_request', error_description: 'The authorization code was not found or was already used' },
        400,
      );
    }
    const scopes = grant.scopes.split(',').filter(Boolean);
    const expiring = String(body.expiring ?? '0') === '1';
    const answer = options.tokens
      ? options.tokens.issue(shop, { expiring, scopes })
      : { access_token: `shpat_${crypto.randomUUID().replace(/-/g, '')}`, scope: grant.scopes };
    options.onInstall?.(shop, answer.access_token);
    return c.json(answer);
  });

  return { app, reset: () => codes.clear() };
}

/** Shopify's callback signature: hex HMAC-SHA256 over the sorted, &-joined query without hmac. */
export async function signQuery(secret: string, query: Record<string, string>): Promise<string> {
  const message = new URLSearchParams(Object.entries(query).sort(([a], [b]) => a.localeCompare(b))).toString();
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(message)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}
