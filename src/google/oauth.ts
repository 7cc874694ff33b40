import { OAuth2Client } from 'google-auth-library';
import { errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { toBase64Url } from '../crypto/encoding';
import type { FetchLike } from '../platform/fetch';
import { GOOGLE_ISSUERS, googleJwks } from './jwks';
import { ok, refused, type Result } from '../platform/result';

/**
 * Google OAuth 2.0 for a web server app: the consent URL (PKCE S256, offline access), the code
 * exchange, revocation, and an OAuth2Client that refreshes access tokens for the Gmail client.
 * Every URL and the fetch come from the config, so the sandbox fake and real Google are alike.
 * Errors carry only a code, the HTTP status and Google's OAuth error word, never a body or token.
 */

export interface GoogleOAuthConfig {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** https://accounts.google.com/o/oauth2/v2/auth */
  authUrl: string;
  /** https://oauth2.googleapis.com/token */
  tokenUrl: string;
  /** https://oauth2.googleapis.com/revoke */
  revokeUrl: string;
  /** https://www.googleapis.com/oauth2/v3/certs (verifies the id_token) */
  jwksUrl: string;
  fetch: FetchLike;
}

export type GoogleAuthErrorCode = 'invalid_grant' | 'invalid_client' | 'network' | 'unknown';

export class GoogleAuthError extends Error {
  override readonly name = 'GoogleAuthError';
  constructor(
    readonly code: GoogleAuthErrorCode,
    /** HTTP status of Google's answer; 0 when no answer came. */
    readonly status: number,
    /** Google's OAuth error word (e.g. `redirect_uri_mismatch`), when it sent one. */
    readonly reason: string | null = null,
    /** Retry-After of the answer (429/503), in seconds. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(`google_oauth_${code} status=${status}${reason ? ` reason=${reason}` : ''}`);
  }
}

const OAUTH_WORD = /^[a-z_]{1,64}$/;

/** Builds the error for an OAuth error answer ({error, error_description}); the description is dropped. */
export function googleAuthErrorFrom(
  status: number,
  error: unknown,
  retryAfterSeconds: number | null = null,
): GoogleAuthError {
  const word = typeof error === 'string' && OAUTH_WORD.test(error) ? error : null;
  if (word === 'invalid_grant') return new GoogleAuthError('invalid_grant', status, word);
  if (word === 'invalid_client' || word === 'unauthorized_client')
    return new GoogleAuthError('invalid_client', status, word);
  return new GoogleAuthError('unknown', status, word, retryAfterSeconds);
}

export const GMAIL_SCOPES = {
  readonly: 'https://www.googleapis.com/auth/gmail.readonly',
  compose: 'https://www.googleapis.com/auth/gmail.compose',
} as const;

/** A fresh PKCE code_verifier (RFC 7636: 43–128 unreserved characters). */
export function createCodeVerifier(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(48)));
}

/** code_challenge for code_challenge_method=S256. */
export async function codeChallengeS256(verifier: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/**
 * The consent URL. Add 'openid' and 'email' to `scopes` to learn the account's address from the
 * id_token in exchangeCode. prompt=consent makes Google hand out a refresh token every time.
 */
export function buildAuthUrl(
  cfg: GoogleOAuthConfig,
  opts: { state: string; codeChallenge: string; scopes: string[]; loginHint?: string },
): string {
  const url = new URL(cfg.authUrl);
  const p = url.searchParams;
  p.set('client_id', cfg.clientId);
  p.set('redirect_uri', cfg.redirectUri);
  p.set('response_type', 'code');
  p.set('scope', opts.scopes.join(' '));
  p.set('state', opts.state);
  p.set('code_challenge', opts.codeChallenge);
  p.set('code_challenge_method', 'S256');
  p.set('access_type', 'offline');
  p.set('include_granted_scopes', 'true');
  p.set('prompt', 'consent');
  if (opts.loginHint) p.set('login_hint', opts.loginHint);
  return url.toString();
}

const TokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
  id_token: z.string().min(1).optional(),
});

const OAuthErrorBody = z.object({ error: z.string() });

async function postForm(
  cfg: GoogleOAuthConfig,
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await cfg.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    });
  } catch {
    throw new GoogleAuthError('network', 0);
  }
  const text = await res.text().catch(() => '');
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: res.status, body };
}

export interface CodeExchange {
  /** Null when Google did not send one (no offline access, or a repeat consent without prompt=consent). */
  refreshToken: string | null;
  accessToken: string;
  /** What the person actually granted (they can untick scopes on the consent screen). */
  grantedScopes: string[];
  /** The account's verified address, from the id_token (needs the openid + email scopes). */
  email: string | null;
}

export async function exchangeCode(
  cfg: GoogleOAuthConfig,
  opts: { code: string; codeVerifier: string },
): Promise<CodeExchange> {
  const { status, body } = await postForm(cfg, cfg.tokenUrl, {
    grant_type: 'authorization_code',
    code: opts.code,
    code_verifier: opts.codeVerifier,
    client_id: cfg.clientId,
    client_secret: cfg.clientSecret,
    redirect_uri: cfg.redirectUri,
  });
  if (status < 200 || status > 299) {
    const err = OAuthErrorBody.safeParse(body);
    throw googleAuthErrorFrom(status, err.success ? err.data.error : null);
  }
  const tokens = TokenResponse.safeParse(body);
  if (!tokens.success) throw new GoogleAuthError('unknown', status, 'malformed_response');
  return {
    refreshToken: tokens.data.refresh_token ?? null,
    accessToken: tokens.data.access_token,
    grantedScopes: (tokens.data.scope ?? '').split(/\s+/).filter(Boolean),
    email: tokens.data.id_token ? await emailFromIdToken(cfg, tokens.data.id_token) : null,
  };
}

/**
 * The id_token came straight from the token endpoint, but we still verify it against Google's
 * keys (signature, issuer, audience = our client id, expiry): cheap, and it keeps a confused or
 * hostile token endpoint from choosing which mailbox an account is linked to.
 */
async function emailFromIdToken(cfg: GoogleOAuthConfig, idToken: string): Promise<string | null> {
  try {
    const { payload } = await jwtVerify(idToken, googleJwks(cfg.jwksUrl, cfg.fetch), {
      issuer: GOOGLE_ISSUERS,
      audience: cfg.clientId,
      algorithms: ['RS256'],
    });
    const verified = payload.email_verified === true || payload.email_verified === 'true';
    return verified && typeof payload.email === 'string' ? payload.email : null;
  } catch (err) {
    // jose's own errors mean the token is bad; anything else (fetch failed, timeout) means we
    // could not get Google's keys.
    const keysUnavailable =
      !(err instanceof errors.JOSEError) ||
      ['ERR_JOSE_GENERIC', 'ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID'].includes(err.code);
    if (!keysUnavailable) throw new GoogleAuthError('unknown', 200, 'invalid_id_token');
    throw new GoogleAuthError('network', 0, 'jwks_unavailable');
  }
}

/**
 * Revokes a refresh or access token (Google then revokes the whole grant). A token Google already
 * considers invalid answers 400 invalid_token (or invalid_grant): `already_invalid`, which a caller
 * disconnecting an account can treat as done. Never throws.
 */
export async function revokeToken(
  cfg: GoogleOAuthConfig,
  token: string,
): Promise<Result<object, 'already_invalid' | 'refused' | 'network'>> {
  try {
    const { status, body } = await postForm(cfg, cfg.revokeUrl, { token });
    if (status >= 200 && status <= 299) return ok();
    const err = OAuthErrorBody.safeParse(body);
    const word = err.success ? err.data.error : null;
    return refused(word === 'invalid_token' || word === 'invalid_grant' ? 'already_invalid' : 'refused');
  } catch {
    return refused('network');
  }
}

/** Per token refresh; Google answers in well under a second, so this only catches hung connections. */
export const GOOGLE_TOKEN_TIMEOUT_MS = 30_000;

/**
 * An OAuth2Client holding only the refresh token: the first API call refreshes an access token at
 * cfg.tokenUrl through cfg.fetch (gaxios `fetchImplementation`), and again before it expires.
 * gaxios' own retries (3 with backoff on 429/5xx, also on the token POST) are switched off: the
 * pipeline owns retries.
 */
export function createAuthorizedClient(
  cfg: GoogleOAuthConfig,
  refreshToken: string,
  opts: { timeoutMs?: number } = {},
): OAuth2Client {
  const client = new OAuth2Client({
    clientId: cfg.clientId,
    clientSecret: cfg.clientSecret,
    redirectUri: cfg.redirectUri,
    endpoints: { oauth2TokenUrl: cfg.tokenUrl, oauth2AuthBaseUrl: cfg.authUrl, oauth2RevokeUrl: cfg.revokeUrl },
    // The timeout is the default for every request of this client, the token refresh included
    // (without it a hung token endpoint would hang the sync for good); Gmail calls set their own.
    transporterOptions: {
      fetchImplementation: cfg.fetch as typeof fetch,
      retry: false,
      timeout: opts.timeoutMs ?? GOOGLE_TOKEN_TIMEOUT_MS,
    },
  });
  client.transporter.interceptors.request.add({
    resolved: async (opts) => {
      opts.retry = false;
      opts.retryConfig = { ...opts.retryConfig, retry: 0, noResponseRetries: 0 };
      return opts;
    },
  });
  client.setCredentials({ refresh_token: refreshToken });
  return client;
}
