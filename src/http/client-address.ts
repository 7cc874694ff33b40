import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

/**
 * Where a request came from, as the runtime (not the client) reports it. Shared code calls
 * `clientAddress(c)` and never reads a header itself: which source is trustworthy depends on how
 * the app is served, so the entry that serves it says (createApp's `clientAddress` option).
 *
 * - Workers (src/worker.ts): CF-Connecting-IP. Cloudflare sets it on every request and replaces
 *   one the client sent.
 * - Node (@hono/node-server, src/node.ts via src/runtime/local.ts): the TCP peer's address.
 *
 * X-Forwarded-For, X-Real-IP and friends are never read: any client can send them. A Node server
 * behind a reverse proxy therefore sees the proxy's address for everyone, and per-client limits
 * become one limit for all; such a deployment should rate-limit at the proxy, or pass a source
 * here that reads its proxy's header (and only when the socket peer is that proxy).
 */
export type ClientAddressSource = (c: Context) => string | null | undefined;

declare module 'hono' {
  interface ContextVariableMap {
    clientAddressSource: ClientAddressSource;
  }
}

/** Cloudflare Workers: the header Cloudflare's edge sets (and overwrites) on every request. */
export const cloudflareClientAddress: ClientAddressSource = (c) => c.req.header('cf-connecting-ip');

/** @hono/node-server: the socket's remote address. Null when not served by it (app.request in tests, loopback calls). */
export const nodeSocketAddress: ClientAddressSource = (c) => {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return null; // no c.env.incoming: not a Node HTTP request
  }
};

/** Installs the runtime's source for this request; createApp mounts it once, before every route. */
export function provideClientAddress(source: ClientAddressSource): MiddlewareHandler {
  return async (c, next) => {
    c.set('clientAddressSource', source);
    await next();
  };
}

/** The client's address, or null when the runtime cannot say (callers must not lump all of those together). */
export function clientAddress(c: Context): string | null {
  const source = c.get('clientAddressSource') as ClientAddressSource | undefined;
  const address = source?.(c)?.trim();
  return address ? address : null;
}
