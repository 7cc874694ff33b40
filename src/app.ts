import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { gmailPushWebhook } from '../webhooks/gmail';
import { shopifyWebhook } from '../webhooks/shopify';
import { wooCommerceWebhook } from '../webhooks/woocommerce';
import { formBodyLimit, POLICIES_FORM_MAX_BYTES, POLICIES_FORM_PATH } from './http/body-limit';
import { canonicalHost } from './http/canonical-host';
import { nodeSocketAddress, provideClientAddress, type ClientAddressSource } from './http/client-address';
import { errorHandler, notFound } from './http/errors';
import { pageSecurityHeaders } from './http/security-headers';
import { accountRoutes } from './routes/account';
import { connectStoreRoutes } from './routes/connect-store';
import { googleAuthRoutes } from './routes/google-auth';
import { optOutRoutes } from './routes/opt-out';
import { publicPages } from './routes/pages';
import type { Services } from './services';

export interface AppDeps {
  services: Services;
  /** The built-in fakes and the sandbox control routes; mounted only in sandbox mode. */
  sandbox?: Hono;
  /** Where a request came from, as the runtime reports it (src/http/client-address.ts). Default: the Node socket. */
  clientAddress?: ClientAddressSource;
  /** Which runtime serves the app, as its entry knows it; /healthz reports it when given. */
  runtime?: 'node' | 'workerd';
}

/** The whole HTTP surface, built from explicit dependencies. Node and Workers both serve this. */
export function createApp({ services, sandbox, clientAddress = nodeSocketAddress, runtime }: AppDeps) {
  const app = new Hono();
  // First, before anything can set a cookie: the sandbox's pages on another host go to APP_URL's.
  app.use(canonicalHost(services.config));
  app.use(requestId());
  app.use(provideClientAddress(clientAddress));
  app.use(secureHeaders());
  app.use(pageSecurityHeaders(services.config));
  app.onError(errorHandler(services.logger, services.config.mode));
  app.notFound(notFound(services.config.mode));

  app.get('/healthz', (c) => c.json({ ok: true, mode: services.config.mode, ...(runtime ? { runtime } : {}) }));
  // No icon: an empty answer, so browsers stop asking and logs stay free of 404s.
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.route('/', publicPages(services));
  // Setup-page form posts (settings, opt-outs, connect, sign-out) are small: 413 before anything reads a larger body.
  const formLimit = formBodyLimit();
  const policiesLimit = formBodyLimit(POLICIES_FORM_MAX_BYTES);
  for (const forms of ['/app/*', '/connect/*', '/auth/*'])
    app.use(forms, (c, next) => (c.req.path === POLICIES_FORM_PATH ? policiesLimit : formLimit)(c, next));
  app.route('/auth', googleAuthRoutes(services));
  app.route('/', connectStoreRoutes(services));
  app.route('/app', accountRoutes(services));

  app.use('/webhooks/*', bodyLimit({ maxSize: 256 * 1024 }));
  app.route('/webhooks/gmail', gmailPushWebhook(services));
  app.route('/webhooks/shopify', shopifyWebhook(services));
  app.route('/webhooks/woocommerce', wooCommerceWebhook(services));

  app.route('/opt-out', optOutRoutes(services));

  if (sandbox && services.config.mode === 'sandbox') app.route('/sandbox', sandbox);
  return app;
}
