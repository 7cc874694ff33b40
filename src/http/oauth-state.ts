import type { Context } from 'hono';
import { toBase64Url } from '../crypto/encoding';
import type { Services } from '../services';
import { sameToken } from './csrf';
import { clearCookie, readSignedJson, writeSignedJson, type SignedCookieOptions } from './signed-cookie';

/**
 * The `state` of an OAuth round trip (Google sign-in, Shopify install), bound to this browser by a
 * short-lived signed cookie. The callback checks the returned state against the cookie and clears
 * it whatever happens, so a state works once: a replayed or forged callback finds nothing to match.
 */
export type OAuthFlow = 'google' | 'shopify';

export interface PendingOAuth {
  state: string;
  /** PKCE code_verifier (Google), the shop domain (Shopify), ... */
  data: Record<string, string>;
}

const TEN_MINUTES = 600;

function cookieOptions(s: Services, flow: OAuthFlow): SignedCookieOptions {
  return {
    name: `dl_oauth_${flow}`,
    secret: s.config.secrets.sessionSecret,
    secure: s.config.mode === 'live' || s.config.appUrl.startsWith('https:'),
    maxAgeSeconds: TEN_MINUTES,
  };
}

export async function beginOAuth(
  c: Context,
  s: Services,
  flow: OAuthFlow,
  data: Record<string, string>,
): Promise<string> {
  const state = toBase64Url(crypto.getRandomValues(new Uint8Array(24)));
  await writeSignedJson(c, cookieOptions(s, flow), { flow, state, data }, s.now());
  return state;
}

/** The pending round trip when `returnedState` matches it; the cookie is cleared either way. */
export async function finishOAuth(
  c: Context,
  s: Services,
  flow: OAuthFlow,
  returnedState: string | undefined,
): Promise<PendingOAuth | null> {
  const opts = cookieOptions(s, flow);
  const pending = await readSignedJson<{ flow?: unknown; state?: unknown; data?: unknown }>(c, opts, s.now());
  clearCookie(c, opts);
  if (!pending || pending.flow !== flow || typeof pending.state !== 'string' || !returnedState) return null;
  if (!sameToken(pending.state, returnedState)) return null;
  const data = (pending.data && typeof pending.data === 'object' ? pending.data : {}) as Record<string, string>;
  return { state: pending.state, data };
}
