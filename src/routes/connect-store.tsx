import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  acceptWooKeyDelivery,
  connectShopify,
  connectWooWithKeys,
  shopifyInstallConfig,
  wooReturnNotice,
} from '../accounts/connect-store';
import { createStoreNonce } from '../accounts/store-nonces';
import { getGmailConnection, getStoreConnection } from '../db/accounts';
import { csrfProtection } from '../http/csrf';
import { errorBody } from '../http/errors';
import { beginOAuth, finishOAuth } from '../http/oauth-state';
import { errorClass } from '../platform/log';
import { currentSession, requireSession, type SessionVars } from '../http/session';
import type { Services } from '../services';
import { buildInstallUrl, checkInstallCallback, parseShopDomain } from '../stores/shopify-install';
import { buildWooAuthorizeUrl, checkStoreUrl } from '../stores/woocommerce-connect';
import { ConnectStorePage } from '../ui/connect-store';
import { renderPage } from '../ui/layout';

/** Connecting a store: the page, Shopify's install round trip, WooCommerce's authorize round trip and key paste. */
export function connectStoreRoutes(s: Services) {
  const app = new Hono<{ Variables: SessionVars }>();
  const session = requireSession(s);
  const csrf = csrfProtection(s.config.appUrl);

  /**
   * The page again with what the merchant typed and why it was refused (400), instead of a redirect
   * that forgets it; never cached, and never with a password typed into an address.
   */
  const connectPage = async (
    c: Context<{ Variables: SessionVars }>,
    props: { notice?: string; shop?: string; storeUrl?: string },
    status: 200 | 400 = 200,
  ) => {
    c.header('cache-control', 'no-store');
    const current = await getStoreConnection(s.db, c.get('session').accountId);
    return c.html(
      renderPage(
        <ConnectStorePage
          config={s.config}
          csrf={c.get('session').csrf}
          current={current && { kind: current.kind, storeDomain: current.storeDomain }}
          notice={props.notice}
          shop={props.shop && typedBack(props.shop)}
          storeUrl={props.storeUrl && typedBack(props.storeUrl)}
        />,
      ),
      status,
    );
  };
  app.get('/app/connect', session, (c) => connectPage(c, { notice: c.req.query('notice') }));

  /** `typed`: the merchant's own form; a link from anywhere (GET) is not shown back, or any site could put its words on our page. */
  const startShopify = async (
    c: Context<{ Variables: SessionVars }>,
    shopInput: string | undefined,
    typed: boolean,
  ) => {
    // Without real Shopify app credentials (live mode), there is nothing to install.
    if (!s.config.shopify.configured) return c.redirect('/app/connect?notice=shopify_failed', 303);
    const shop = parseShopDomain(shopInput);
    if (!shop && !typed) return c.redirect('/app/connect?notice=shop_invalid', 303);
    if (!shop) return connectPage(c, { notice: 'shop_invalid', shop: shopInput ?? '' }, 400);
    const state = await beginOAuth(c, s, 'shopify', { shop, accountId: c.get('session').accountId });
    return c.redirect(buildInstallUrl(shopifyInstallConfig(s), { shop, state }), 302);
  };
  app.post('/connect/shopify', session, csrf, async (c) =>
    startShopify(c, String((await c.req.parseBody()).shop ?? ''), true),
  );
  // Installs started from Shopify (the app listing) arrive as GET ?shop=; they need a signed-in merchant first.
  app.get('/connect/shopify', async (c) => {
    const current = await currentSession(c, s);
    if (!current) return c.redirect('/?notice=signin_first', 303);
    c.set('session', current.session);
    c.set('account', current.account);
    return startShopify(c, c.req.query('shop'), false);
  });

  app.get('/connect/shopify/callback', session, async (c) => {
    const query = c.req.query();
    if (!s.config.shopify.configured) return c.redirect('/app/connect?notice=shopify_failed', 303);
    const check = await checkInstallCallback(shopifyInstallConfig(s), query);
    const pending = await finishOAuth(c, s, 'shopify', query.state);
    if (
      !check.ok ||
      !pending ||
      pending.data.shop !== check.shop ||
      pending.data.accountId !== c.get('session').accountId
    ) {
      s.logger.warn('store.shopify_callback_refused', { reason: check.ok ? 'state_mismatch' : check.reason });
      return c.redirect('/app/connect?notice=shopify_failed', 303);
    }
    const result = await connectShopify(s, c.get('session').accountId, { shop: check.shop, code: check.code });
    return c.redirect(result.ok ? '/app?notice=store_connected' : `/app/connect?notice=${result.reason}`, 303);
  });

  app.post('/connect/woocommerce', session, csrf, async (c) => {
    const form = await c.req.parseBody();
    const url = await checkStoreUrl(String(form.storeUrl ?? ''), {
      resolver: s.hostResolver,
      sandbox: s.config.mode === 'sandbox',
    });
    if (!url.ok) {
      s.logger.info('store.url_refused', { reason: url.reason });
      return connectPage(c, { notice: 'store_url_invalid', storeUrl: String(form.storeUrl ?? '') }, 400);
    }
    const accountId = c.get('session').accountId;
    const nonce = await createStoreNonce(s, accountId, url.url);
    // The mailbox names the key WooCommerce creates ("Draftline for <mailbox>"), so the store owner knows whose it is.
    const mailbox = (await getGmailConnection(s.db, accountId))?.mailbox ?? null;
    return c.redirect(buildWooAuthorizeUrl({ storeUrl: url.url, appUrl: s.config.appUrl, nonce, mailbox }), 302);
  });

  // Called by the store's server, not the browser: no session, no CSRF token; the nonce is the proof.
  // WooCommerce waits for this answer: it makes no request back into the store (acceptWooKeyDelivery).
  app.post('/connect/woocommerce/callback', bodyLimit({ maxSize: 16 * 1024 }), async (c) => {
    const body = await c.req.json().catch(() => null);
    const result = await acceptWooKeyDelivery(s, body, (task) => afterResponse(c, s, task));
    if (!result.ok) {
      s.logger.warn('store.key_delivery_refused', { reason: result.reason });
      return c.json(errorBody(c, result.reason, DELIVERY_MESSAGES[result.reason]), result.status);
    }
    return c.json({ ok: true });
  });

  app.get('/connect/woocommerce/return', session, async (c) => {
    const notice = await wooReturnNotice(s, c.get('session').accountId, c.req.query('success'), c.req.query('user_id'));
    if (notice === 'store_connected') return c.redirect('/app?notice=store_connected', 303);
    // Keys stored, setup still to finish: the status page says so until it is done.
    if (notice === 'store_setup_pending') return c.redirect('/app', 303);
    return c.redirect(`/app/connect?notice=${notice}`, 303);
  });

  app.post('/connect/woocommerce/keys', session, csrf, async (c) => {
    const form = await c.req.parseBody();
    const result = await connectWooWithKeys(s, c.get('session').accountId, {
      storeUrl: String(form.storeUrl ?? ''),
      consumerKey: String(form.consumerKey ?? ''),
      consumerSecret: String(form.consumerSecret ?? ''),
    });
    if (result.ok) return c.redirect('/app?notice=store_connected', 303);
    return connectPage(c, { notice: result.reason, storeUrl: String(form.storeUrl ?? '') }, 400);
  });

  return app;
}

/** A typed address longer than any real one is shown back cut to this. */
const TYPED_MAX = 255;

/** What was typed, as it is shown back: without a user:password@ part, cut to TYPED_MAX. */
const typedBack = (typed: string) => typed.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/?#]*@/, '$1').slice(0, TYPED_MAX);

const DELIVERY_MESSAGES = {
  invalid_body: 'Expected WooCommerce key delivery JSON.',
  unknown_nonce: 'Unknown, used or expired user_id.',
  read_permission_required: 'Draftline needs keys with read permission.',
} as const;

/**
 * Work that must not hold up the answer: on Workers kept alive with waitUntil, on Node left to run
 * in the process. It starts on a later turn of the event loop, after the answer is on its way.
 */
function afterResponse(c: Context, s: Services, task: () => Promise<unknown>): void {
  const run = new Promise((resolve) => setTimeout(resolve, 0))
    .then(task)
    .catch((err: unknown) => s.logger.warn('store.deferred_failed', { errorClass: errorClass(err) }));
  try {
    c.executionCtx.waitUntil(run);
  } catch {
    // No ExecutionContext (Node): the promise runs on its own.
  }
}
