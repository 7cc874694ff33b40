/**
 * A WooCommerce store's address, in its two forms, defined here only:
 *  - the connected URL (connectedStoreUrl): what a typed URL is stored as, in
 *    store_connections.store_domain;
 *  - its identity (storeAddress): what two URLs naming the same store share, however WordPress
 *    writes them. Incoming webhooks are matched on it, and the database search for candidates
 *    (wooConnectionsAtHost) is by its host, so a stored URL is found whenever its identity matches
 *    (test/stores/store-identity.test.ts holds the two to that).
 */

/** A store URL as a person or WordPress writes it, parsed: without a scheme it is https://. Null when no URL. */
export function parseStoreUrl(input: string): URL | null {
  const trimmed = input.trim();
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    return null;
  }
}

/** The stored form of a parsed store URL: its origin (scheme, lower-cased host, non-default port) and path, without trailing slashes. */
export function connectedStoreUrl(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * A store URL's identity. The connected URL and X-WC-Webhook-Source (home_url('/')) name the same
 * store however WordPress writes it: the scheme does not count (a store behind a TLS-terminating
 * proxy reports http://), nor a leading "www.", case, port 80 or 443 (under either scheme, since
 * the scheme does not count) or trailing slashes; the path
 * does (a store installed in a subdirectory, example.com/shop, is not example.com). `host` is the
 * identity's host alone (no "www."), `identity` the whole. Null for anything that is not an
 * http(s) URL.
 */
export function storeAddress(url: string): { identity: string; host: string } | null {
  const trimmed = url.trim();
  if (!trimmed || trimmed.length > 2048) return null;
  const parsed = parseStoreUrl(trimmed);
  if (!parsed) return null;
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) return null;
  const host = parsed.hostname.toLowerCase().replace(/^www\./, '');
  const port = parsed.port && parsed.port !== '80' && parsed.port !== '443' ? `:${parsed.port}` : '';
  return { identity: `${host}${port}${parsed.pathname.replace(/\/+$/, '').toLowerCase()}`, host };
}

/** storeAddress's identity alone: two URLs with the same one name the same store. */
export function storeIdentity(url: string): string | null {
  return storeAddress(url)?.identity ?? null;
}
