import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { FetchLike } from '../platform/fetch';

/**
 * Google's signing keys (https://www.googleapis.com/oauth2/v3/certs), fetched through our own
 * fetch and cached per (fetch, URL): jose keeps the key set for 10 minutes and refetches when a
 * token names an unknown `kid` (at most every 30 s). Keyed by the fetch too so that separate
 * sandboxes or tests, each with its own fake and key, never share a stale set.
 */
const cache = new WeakMap<FetchLike, Map<string, JWTVerifyGetKey>>();

export function googleJwks(url: string, fetch: FetchLike): JWTVerifyGetKey {
  let perFetch = cache.get(fetch);
  if (!perFetch) {
    perFetch = new Map();
    cache.set(fetch, perFetch);
  }
  let jwks = perFetch.get(url);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(url), {
      [customFetch]: (input: string, init: RequestInit) => fetch(input, init),
    });
    perFetch.set(url, jwks);
  }
  return jwks;
}

/** Google signs with either spelling of its issuer. */
export const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];
