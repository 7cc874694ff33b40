import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config';

/**
 * One host for the browser: a page opened at another address than APP_URL's (http://127.0.0.1:8787
 * when APP_URL is http://localhost:8787) is sent to the same path and query on APP_URL before
 * anything runs, so before any cookie is set. Otherwise the sign-in's state cookie is set on the
 * host the newcomer typed while Google's redirect_uri (built from APP_URL) lands on the other,
 * which has no such cookie: the sign-in ends with "oauth_state", and the same-origin checks refuse
 * every form posted from the typed host.
 *
 * Sandbox mode only, which also means Node only (the Worker always runs live). In the sandbox,
 * `npm start` serves the browser directly, so the host a request names is the one that was typed.
 * In live mode the app sits behind Cloudflare (a workers.dev host next to a custom domain) or a
 * reverse proxy that may forward its own Host: redirecting there on a mismatch could loop forever
 * or take the site off the air after a proxy change, and it is not needed, because the OAuth
 * redirect_uri, the push audience and the webhook URLs all name APP_URL already.
 *
 * Never redirected, on any host:
 * - /healthz: probes ask 127.0.0.1 or a container address and must get an answer, not a redirect;
 * - /webhooks/*: Google's Pub/Sub push and the stores post to the URL they were given and do not
 *   follow redirects; a redirect would be a failed delivery;
 * - the sandbox's machine endpoints: the fakes the clients reach in-process at `${APP_URL}/sandbox/…`
 *   (src/runtime/local.ts; already on APP_URL's host, exempt so that nothing can turn them into a
 *   redirect the clients do not follow), /sandbox/reset and /sandbox/gmail/… (the README's curl
 *   contract, where a redirect would silently do nothing). None of them sets a cookie.
 *
 * The target is always APP_URL's origin followed by the request's path and query, never anything
 * read from the Host header, so this is no open redirect. The path is appended as text, not resolved
 * (`new URL('//evil.example/', origin)` would leave the origin).
 *
 * GET and HEAD get 302; any other method 307, which keeps the method and body (a form posted from a
 * page still open on the other host arrives as the same POST). Neither is permanent (301/308):
 * the sandbox's APP_URL follows PORT and may change between runs, and a browser that cached a
 * permanent redirect would keep going to a port nothing listens on, or loop once APP_URL is set to
 * the other host.
 */
// favicon.ico: a browser asks for it on whatever host a page came from (a fake's screen on
// 127.0.0.1 included); redirected, it would be a cross-origin image the page's CSP refuses.
const EXEMPT =
  /^\/(healthz$|favicon\.ico$|webhooks\/|sandbox\/(google|shopify|woocommerce|openai|gmail)\/|sandbox\/reset$)/;

export function canonicalHost(config: Pick<Config, 'mode' | 'appUrl'>): MiddlewareHandler {
  if (config.mode !== 'sandbox') return async (_c, next) => next();
  const canonical = new URL(config.appUrl);
  return async (c, next) => {
    const url = new URL(c.req.url);
    // Host only (name and port), not the scheme: a tunnel in front of the sandbox ends TLS, so a
    // request for an https APP_URL arrives here as http on the same host.
    if (url.host === canonical.host || EXEMPT.test(url.pathname)) return next();
    const target = `${canonical.origin}${url.pathname}${url.search}`;
    const status = c.req.method === 'GET' || c.req.method === 'HEAD' ? 302 : 307;
    return new Response(`Draftline is at ${target}\n`, {
      status,
      headers: { location: target, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    });
  };
}
