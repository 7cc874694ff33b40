import type { FetchLike } from '../../platform/fetch';

/**
 * An in-process fetch for tests: requests under `base` (origin + optional path prefix) go to `app`
 * with the prefix stripped; anything else fails loudly, so no test can reach the network by mistake.
 *
 *   const fetch = routeFetch('http://sandbox.test/google', fake.app);
 *   await fetch('http://sandbox.test/google/token', ...)  // → fake.app sees /token
 */
export function routeFetch(base: string, app: { fetch(req: Request): Response | Promise<Response> }): FetchLike {
  const baseUrl = new URL(base);
  const prefix = baseUrl.pathname.replace(/\/+$/, '');
  return async (input, init) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    const inside =
      url.origin === baseUrl.origin &&
      (prefix === '' || url.pathname === prefix || url.pathname.startsWith(`${prefix}/`));
    if (!inside)
      throw new Error(
        `routeFetch: refused a request to ${url.origin}${url.pathname} (only ${baseUrl.origin}${prefix}/ is routed)`,
      );
    const target = new URL(url.pathname.slice(prefix.length) || '/', url.origin);
    target.search = url.search;
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer();
    return app.fetch(
      new Request(target, { method: req.method, headers: req.headers, body, redirect: 'manual', signal: req.signal }),
    );
  };
}
