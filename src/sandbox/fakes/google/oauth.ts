import { Hono, type Context } from 'hono';
import { consentPage, errorPage } from './consent-page';
import { injectedTokenError, oauthError } from './errors';
import type { SigningKeys } from './keys';
import { base64UrlEncode } from './mime';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  isBasicScope,
  normalizeScope,
  USERINFO_EMAIL,
  type FakeState,
  type Grant,
  type PendingConsent,
} from './state';

/**
 * Google's OAuth 2.0 endpoints for a web server app:
 *   GET  /o/oauth2/v2/auth   consent screen (accounts.google.com)
 *   POST /o/oauth2/v2/auth   the consent form's answer → redirect to the client with code or error
 *   POST /token              authorization_code and refresh_token grants (oauth2.googleapis.com)
 *   POST /revoke             token revocation
 *   GET  /oauth2/v3/certs    JWKS for id_tokens and Pub/Sub push tokens (www.googleapis.com)
 * Fake-specific strictness: PKCE (S256) and `state` are required on the authorization request.
 */

export const GOOGLE_ISSUER = 'https://accounts.google.com';

export function oauthRoutes(state: FakeState, keys: SigningKeys): Hono {
  const app = new Hono();

  const page = (c: Context, status: 400 | 401, error: string, description: string) =>
    c.html(errorPage(status, error, description), status);

  app.get('/o/oauth2/v2/auth', (c) => {
    const q = (name: string) => c.req.query(name) ?? '';
    const clientId = q('client_id');
    if (!clientId) return page(c, 400, 'invalid_request', 'Missing required parameter: client_id');
    const client = state.clients.get(clientId);
    if (!client) return page(c, 401, 'invalid_client', 'The OAuth client was not found.');
    const redirectUri = q('redirect_uri');
    if (!redirectUri) return page(c, 400, 'invalid_request', 'Missing required parameter: redirect_uri');
    if (!redirectAllowed(client.redirectUris, redirectUri)) {
      return page(
        c,
        400,
        'redirect_uri_mismatch',
        `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. The redirect URI is not registered for this client.`,
      );
    }
    const responseType = q('response_type');
    if (!responseType) return page(c, 400, 'invalid_request', 'Missing required parameter: response_type');
    if (responseType !== 'code')
      return page(c, 400, 'unsupported_response_type', `Invalid response_type: ${responseType}`);
    const scopes = [...new Set(q('scope').split(/\s+/).filter(Boolean).map(normalizeScope))];
    if (!scopes.length) return page(c, 400, 'invalid_request', 'Missing required parameter: scope');
    const codeChallenge = q('code_challenge');
    if (!codeChallenge)
      return page(c, 400, 'invalid_request', 'Missing required parameter: code_challenge (this fake requires PKCE)');
    if (q('code_challenge_method') !== 'S256')
      return page(c, 400, 'invalid_request', 'Invalid code_challenge_method: only S256 is accepted');
    if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge))
      return page(c, 400, 'invalid_request', 'Invalid code_challenge: expected base64url(SHA-256(code_verifier))');
    const stateParam = q('state');
    if (!stateParam)
      return page(c, 400, 'invalid_request', 'Missing required parameter: state (this fake requires it)');

    const pending: PendingConsent = {
      clientId,
      redirectUri,
      state: stateParam,
      codeChallenge,
      scopes,
      offline: q('access_type') === 'offline',
      prompt: q('prompt'),
      includeGrantedScopes: q('include_granted_scopes') === 'true',
      email: state.signedInAs,
    };
    const prompts = pending.prompt.split(/\s+/);
    const already = new Set(state.grantedScopes(pending.email, clientId));
    const covered = scopes.every((s) => already.has(s));
    if (!prompts.includes('consent') && covered) return c.redirect(approve(pending, scopes, 'none'), 302);
    if (prompts.includes('none')) return c.redirect(deny(pending, 'consent_required'), 302);
    const requestId = state.newConsent(pending);
    return c.html(consentPage({ requestId, appName: client.name, email: pending.email, scopes }));
  });

  app.post('/o/oauth2/v2/auth', async (c) => {
    const form = await c.req.formData().catch(() => null);
    const requestId = String(form?.get('request_id') ?? '');
    const pending = state.consents.get(requestId);
    if (!form || !pending)
      return page(
        c,
        400,
        'invalid_request',
        'This sign-in request has expired or was already answered. Start again from the app.',
      );
    state.consents.delete(requestId);
    if (form.get('action') !== 'allow') return c.redirect(deny(pending, 'access_denied'), 302);
    const ticked = new Set(form.getAll('scope').map(String));
    const granted = pending.scopes.filter((s) => isBasicScope(s) || ticked.has(s));
    return c.redirect(approve(pending, granted, 'consent'), 302);
  });

  function approve(pending: PendingConsent, granted: string[], prompt: string): string {
    const first = !state.hasActiveGrant(pending.email, pending.clientId);
    const scopes = pending.includeGrantedScopes
      ? [...new Set([...state.grantedScopes(pending.email, pending.clientId), ...granted])]
      : granted;
    const code = state.newCode({
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      codeChallenge: pending.codeChallenge,
      email: pending.email,
      scopes,
      offline: pending.offline,
      issueRefreshToken: pending.offline && (pending.prompt.split(/\s+/).includes('consent') || first),
    });
    const url = new URL(pending.redirectUri);
    url.searchParams.set('state', pending.state);
    url.searchParams.set('iss', GOOGLE_ISSUER);
    url.searchParams.set('code', code);
    url.searchParams.set('scope', scopes.join(' '));
    url.searchParams.set('authuser', '0');
    url.searchParams.set('prompt', prompt);
    return url.toString();
  }

  function deny(pending: PendingConsent, error: string): string {
    const url = new URL(pending.redirectUri);
    url.searchParams.set('error', error);
    url.searchParams.set('state', pending.state);
    return url.toString();
  }

  app.post('/token', async (c) => {
    state.tokenRequests++;
    const fault = state.takeFailure('token');
    if (fault) {
      if (fault.retryAfterSeconds !== null) c.header('Retry-After', String(fault.retryAfterSeconds));
      return c.json(injectedTokenError(fault.status, fault.reason ?? undefined), fault.status as 400);
    }
    const body = await formBody(c);
    const basic = parseBasic(c.req.header('authorization'));
    const clientId = basic?.id ?? body.get('client_id') ?? '';
    const clientSecret = basic?.secret ?? body.get('client_secret') ?? '';
    const client = state.clients.get(clientId);
    if (!client) return c.json(oauthError('invalid_client', 'The OAuth client was not found.'), 401);
    if (client.clientSecret !== clientSecret) return c.json(oauthError('invalid_client', 'Unauthorized'), 401);

    const grantType = body.get('grant_type') ?? '';
    if (grantType === 'authorization_code') {
      const codeValue = body.get('code');
      if (!codeValue) return c.json(oauthError('invalid_request', 'Missing required parameter: code'), 400);
      const code = state.codes.get(codeValue);
      if (!code) return c.json(oauthError('invalid_grant', 'Malformed auth code.'), 400);
      if (code.used || code.expiresAt <= state.now() || code.clientId !== clientId) {
        code.used = true;
        return c.json(oauthError('invalid_grant', 'Bad Request'), 400);
      }
      if ((body.get('redirect_uri') ?? '') !== code.redirectUri)
        return c.json(oauthError('redirect_uri_mismatch', 'Bad Request'), 400);
      const verifier = body.get('code_verifier');
      if (!verifier) return c.json(oauthError('invalid_grant', 'Missing code verifier.'), 400);
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || (await s256(verifier)) !== code.codeChallenge) {
        return c.json(oauthError('invalid_grant', 'Invalid code verifier.'), 400);
      }
      code.used = true;
      const grant = state.grantFor(code.email, clientId);
      const accessToken = state.newAccessToken(grant, code.scopes);
      const refreshToken = code.issueRefreshToken ? state.newRefreshToken(grant, code.scopes) : undefined;
      return c.json(await tokenResponse(grant, code.scopes, accessToken, refreshToken));
    }
    if (grantType === 'refresh_token') {
      const token = body.get('refresh_token');
      if (!token) return c.json(oauthError('invalid_request', 'Missing required parameter: refresh_token'), 400);
      const rec = state.refreshTokens.get(token);
      if (!rec || rec.grant.revoked)
        return c.json(oauthError('invalid_grant', 'Token has been expired or revoked.'), 400);
      if (rec.grant.clientId !== clientId) return c.json(oauthError('unauthorized_client', 'Unauthorized'), 401);
      const accessToken = state.newAccessToken(rec.grant, rec.scopes);
      return c.json(await tokenResponse(rec.grant, rec.scopes, accessToken, undefined));
    }
    if (!grantType) return c.json(oauthError('invalid_request', 'Missing required parameter: grant_type'), 400);
    return c.json(oauthError('unsupported_grant_type', `Invalid grant_type: ${grantType}`), 400);
  });

  async function tokenResponse(grant: Grant, scopes: string[], accessToken: string, refreshToken: string | undefined) {
    const out: Record<string, string | number> = { access_token: accessToken, expires_in: ACCESS_TOKEN_TTL_SECONDS };
    if (refreshToken) out.refresh_token = refreshToken;
    out.scope = scopes.join(' ');
    out.token_type = 'Bearer';
    if (scopes.some(isBasicScope)) {
      const iat = Math.floor(state.now() / 1000);
      const mb = state.mailbox(grant.email);
      const claims: Record<string, unknown> = {
        iss: GOOGLE_ISSUER,
        azp: grant.clientId,
        aud: grant.clientId,
        sub: mb.sub,
      };
      if (scopes.includes(USERINFO_EMAIL)) Object.assign(claims, { email: mb.email, email_verified: true });
      Object.assign(claims, { iat, exp: iat + 3600 });
      out.id_token = await keys.sign(claims);
    }
    return out;
  }

  app.post('/revoke', async (c) => {
    const fault = state.takeFailure('revoke');
    if (fault) return c.json(injectedTokenError(fault.status, fault.reason ?? undefined), fault.status as 400);
    const token = c.req.query('token') ?? (await formBody(c)).get('token') ?? '';
    const refresh = state.refreshTokens.get(token);
    const access = state.accessTokens.get(token);
    const grant = refresh?.grant ?? (access && access.expiresAt > state.now() ? access.grant : undefined);
    if (!token || !grant || grant.revoked) return c.json(oauthError('invalid_token', 'Token expired or revoked'), 400);
    state.revokeGrant(grant);
    state.revocations++;
    return c.json({});
  });

  app.get('/oauth2/v3/certs', async (c) => {
    c.header('Cache-Control', 'public, max-age=19800, must-revalidate, no-transform');
    return c.json(await keys.jwks());
  });

  return app;
}

function redirectAllowed(allowed: string[] | null, uri: string): boolean {
  if (allowed) return allowed.includes(uri);
  try {
    const u = new URL(uri);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.hash;
  } catch {
    return false;
  }
}

async function formBody(c: Context): Promise<URLSearchParams> {
  const text = await c.req.text().catch(() => '');
  return new URLSearchParams(text);
}

function parseBasic(header: string | undefined): { id: string; secret: string } | null {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return null;
  try {
    const decoded = atob(m[1]!);
    const i = decoded.indexOf(':');
    if (i < 0) return null;
    return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
  } catch {
    return null;
  }
}

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64UrlEncode(new Uint8Array(digest));
}
