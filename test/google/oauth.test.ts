import { describe, expect, it } from 'vitest';
import {
  buildAuthUrl,
  codeChallengeS256,
  createAuthorizedClient,
  createCodeVerifier,
  exchangeCode,
  GoogleAuthError,
  revokeToken,
} from '../../src/google/oauth';
import { BASE, COMPOSE, MERCHANT, READONLY, rejection, setup } from '../support/google';

/** Google OAuth (src/google/oauth.ts) against the fake's consent screen, token and revoke endpoints. */

const SCOPES = ['openid', 'email', READONLY, COMPOSE];
const USERINFO_EMAIL = 'https://www.googleapis.com/auth/userinfo.email';

async function pkce() {
  const verifier = createCodeVerifier();
  return { verifier, challenge: await codeChallengeS256(verifier) };
}

describe('consent URL', () => {
  it('asks for offline access with PKCE S256 and incremental scopes', async () => {
    const { cfg } = setup();
    const url = new URL(
      buildAuthUrl(cfg, { state: 's1', codeChallenge: 'c'.repeat(43), scopes: SCOPES, loginHint: MERCHANT }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(`${BASE}/o/oauth2/v2/auth`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: cfg.clientId,
      redirect_uri: cfg.redirectUri,
      response_type: 'code',
      scope: SCOPES.join(' '),
      state: 's1',
      code_challenge: 'c'.repeat(43),
      code_challenge_method: 'S256',
      access_type: 'offline',
      include_granted_scopes: 'true',
      prompt: 'consent',
      login_hint: MERCHANT,
    });
  });

  it('verifiers are RFC 7636 sized and the challenge is base64url(SHA-256)', async () => {
    const verifier = createCodeVerifier();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    // RFC 7636 appendix B test vector.
    expect(await codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
});

describe('consent screen', () => {
  it('renders a real form: a labelled checkbox per Gmail scope, Allow and Cancel, phone-ready', async () => {
    const { cfg, fetch } = setup();
    const { challenge } = await pkce();
    const res = await fetch(buildAuthUrl(cfg, { state: 'st', codeChallenge: challenge, scopes: SCOPES }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1" />');
    expect(page).toMatch(/<form method="post" action="auth">/);
    for (const scope of [READONLY, COMPOSE]) {
      const box = new RegExp(
        `<input type="checkbox" id="(scope-\\d)" name="scope" value="${scope.replace(/[./]/g, '\\$&')}" checked />`,
      ).exec(page);
      expect(box, scope).not.toBeNull();
      expect(page).toContain(`<label for="${box![1]}"`);
    }
    expect(page).toContain('View your email messages and settings');
    expect(page).toContain('Manage drafts and send emails');
    // Sign-in scopes are shared, not ticked.
    expect(page).not.toContain('value="openid"');
    expect(page).toContain('See your primary Google Account email address');
    expect(page).toMatch(/<button type="submit" name="action" value="allow"[^>]*>Allow<\/button>/);
    expect(page).toMatch(/<button type="submit" name="action" value="cancel"[^>]*>Cancel<\/button>/);
    expect(page).toContain(MERCHANT);
  });

  it('escapes what it shows', async () => {
    const { cfg, fetch, fake } = setup();
    fake.consentAs('"><script>alert(1)</script>@example.com');
    const { challenge } = await pkce();
    const page = await (
      await fetch(
        buildAuthUrl(cfg, {
          state: 'st',
          codeChallenge: challenge,
          scopes: [READONLY, '"><img src=x onerror=alert(1)>'],
        }),
      )
    ).text();
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;script&gt;');
  });

  it.each([
    ['unknown client', { client_id: 'nobody' }, 401, 'invalid_client'],
    ['no PKCE', { code_challenge: null }, 400, 'invalid_request'],
    ['plain PKCE', { code_challenge_method: 'plain' }, 400, 'invalid_request'],
    ['no state', { state: null }, 400, 'invalid_request'],
    ['implicit flow', { response_type: 'token' }, 400, 'unsupported_response_type'],
    ['no scope', { scope: null }, 400, 'invalid_request'],
  ] as const)('refuses a bad request (%s) on an error page', async (_name, change, status, error) => {
    const { cfg, fetch } = setup();
    const { challenge } = await pkce();
    const url = new URL(buildAuthUrl(cfg, { state: 'st', codeChallenge: challenge, scopes: SCOPES }));
    for (const [k, v] of Object.entries(change)) {
      if (v === null) url.searchParams.delete(k);
      else url.searchParams.set(k, v);
    }
    const res = await fetch(url.toString());
    expect(res.status).toBe(status);
    expect(await res.text()).toContain(`Error ${status}: ${error}`);
  });

  it('refuses a redirect URI the client did not register', async () => {
    const { cfg, fetch, fake } = setup();
    fake.registerClient({ clientId: 'strict', clientSecret: 's', redirectUris: ['https://app.example/cb'] });
    const { challenge } = await pkce();
    const res = await fetch(
      buildAuthUrl(
        { ...cfg, clientId: 'strict', redirectUri: 'https://evil.example/cb' },
        { state: 'st', codeChallenge: challenge, scopes: SCOPES },
      ),
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('redirect_uri_mismatch');
  });
});

describe('authorization code flow', () => {
  it('Allow → code → tokens, email from a verified id_token, and a working Gmail client', async () => {
    const { cfg, fake, openMailbox } = setup();
    const { verifier, challenge } = await pkce();
    const back = await fake.authorize(
      buildAuthUrl(cfg, { state: 'state-123', codeChallenge: challenge, scopes: SCOPES }),
    );
    expect(`${back.origin}${back.pathname}`).toBe(cfg.redirectUri);
    expect(back.searchParams.get('state')).toBe('state-123');
    expect(back.searchParams.get('scope')!.split(' ').sort()).toEqual(
      ['openid', USERINFO_EMAIL, READONLY, COMPOSE].sort(),
    );
    const code = back.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const result = await exchangeCode(cfg, { code, codeVerifier: verifier });
    expect(result.refreshToken).toMatch(/^1\/\//);
    expect(result.accessToken).toMatch(/^ya29\./);
    expect(result.email).toBe(MERCHANT);
    expect(result.grantedScopes.sort()).toEqual(['openid', USERINFO_EMAIL, READONLY, COMPOSE].sort());

    const profile = await openMailbox(result.refreshToken!).getProfile();
    expect(profile.emailAddress).toBe(MERCHANT);
  });

  it('grants only what was left ticked', async () => {
    const { cfg, fake } = setup();
    const { verifier, challenge } = await pkce();
    const back = await fake.authorize(buildAuthUrl(cfg, { state: 's', codeChallenge: challenge, scopes: SCOPES }), {
      grant: [READONLY],
    });
    expect(back.searchParams.get('scope')!.split(' ')).not.toContain(COMPOSE);
    const result = await exchangeCode(cfg, { code: back.searchParams.get('code')!, codeVerifier: verifier });
    expect(result.grantedScopes).toContain(READONLY);
    expect(result.grantedScopes).not.toContain(COMPOSE);
  });

  it('works through the HTML form itself (unticking a box by leaving it out of the POST)', async () => {
    const { cfg, fake, fetch } = setup();
    fake.consentAs('shop@example.org');
    const { verifier, challenge } = await pkce();
    const page = await (
      await fetch(buildAuthUrl(cfg, { state: 's', codeChallenge: challenge, scopes: SCOPES }))
    ).text();
    const requestId = /name="request_id" value="([^"]+)"/.exec(page)![1]!;
    const res = await fetch(`${BASE}/o/oauth2/v2/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ['request_id', requestId],
        ['scope', COMPOSE],
        ['action', 'allow'],
      ]).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    const result = await exchangeCode(cfg, { code: back.searchParams.get('code')!, codeVerifier: verifier });
    expect(result.email).toBe('shop@example.org');
    expect(result.grantedScopes).toContain(COMPOSE);
    expect(result.grantedScopes).not.toContain(READONLY);
    // The form cannot be answered twice.
    const again = await fetch(`${BASE}/o/oauth2/v2/auth`, {
      method: 'POST',
      body: new URLSearchParams({ request_id: requestId, action: 'allow' }),
    });
    expect(again.status).toBe(400);
  });

  it('Cancel sends the person back with error=access_denied and the state', async () => {
    const { cfg, fake } = setup();
    const { challenge } = await pkce();
    const back = await fake.authorize(buildAuthUrl(cfg, { state: 'xyz', codeChallenge: challenge, scopes: SCOPES }), {
      cancel: true,
    });
    expect(Object.fromEntries(back.searchParams)).toEqual({ error: 'access_denied', state: 'xyz' });
  });

  it('rejects a wrong PKCE verifier and a replayed code with invalid_grant', async () => {
    const { cfg, fake } = setup();
    const { verifier, challenge } = await pkce();
    const code = (
      await fake.authorize(buildAuthUrl(cfg, { state: 's', codeChallenge: challenge, scopes: SCOPES }))
    ).searchParams.get('code')!;

    const wrong = await rejection(exchangeCode(cfg, { code, codeVerifier: createCodeVerifier() }));
    expect(wrong).toBeInstanceOf(GoogleAuthError);
    expect(wrong).toMatchObject({ code: 'invalid_grant', status: 400 });

    await expect(exchangeCode(cfg, { code, codeVerifier: verifier })).resolves.toMatchObject({ email: MERCHANT });
    expect(await rejection(exchangeCode(cfg, { code, codeVerifier: verifier }))).toMatchObject({
      code: 'invalid_grant',
      status: 400,
    });
    expect(await rejection(exchangeCode(cfg, { code: 'made-up', codeVerifier: verifier }))).toMatchObject({
      code: 'invalid_grant',
    });
  });

  it('rejects a wrong client secret (invalid_client) and a different redirect_uri', async () => {
    const { cfg, fake } = setup();
    const { verifier, challenge } = await pkce();
    const code = (
      await fake.authorize(buildAuthUrl(cfg, { state: 's', codeChallenge: challenge, scopes: SCOPES }))
    ).searchParams.get('code')!;
    expect(
      await rejection(exchangeCode({ ...cfg, clientSecret: 'wrong' }, { code, codeVerifier: verifier })),
    ).toMatchObject({ code: 'invalid_client', status: 401 });
    expect(
      await rejection(exchangeCode({ ...cfg, redirectUri: 'http://other.test/cb' }, { code, codeVerifier: verifier })),
    ).toMatchObject({
      code: 'unknown',
      status: 400,
      reason: 'redirect_uri_mismatch',
    });
  });

  it('hands out a refresh token on the first grant or with prompt=consent, not on a silent repeat', async () => {
    const { cfg, fake } = setup();
    const first = await pkce();
    const code1 = (
      await fake.authorize(buildAuthUrl(cfg, { state: 's', codeChallenge: first.challenge, scopes: SCOPES }))
    ).searchParams.get('code')!;
    expect((await exchangeCode(cfg, { code: code1, codeVerifier: first.verifier })).refreshToken).toBeTruthy();

    // Same scopes again without prompt=consent: Google skips the screen and sends no refresh token.
    const second = await pkce();
    const url = new URL(buildAuthUrl(cfg, { state: 's2', codeChallenge: second.challenge, scopes: SCOPES }));
    url.searchParams.delete('prompt');
    const res = await cfg.fetch(url.toString(), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('s2');
    const repeat = await exchangeCode(cfg, { code: back.searchParams.get('code')!, codeVerifier: second.verifier });
    expect(repeat.refreshToken).toBeNull();
    expect(repeat.accessToken).toBeTruthy();
  });

  it('include_granted_scopes adds earlier grants to a later, narrower consent', async () => {
    const { cfg, fake } = setup();
    const a = await pkce();
    const codeA = (
      await fake.authorize(
        buildAuthUrl(cfg, { state: 's', codeChallenge: a.challenge, scopes: ['openid', 'email', READONLY] }),
      )
    ).searchParams.get('code')!;
    await exchangeCode(cfg, { code: codeA, codeVerifier: a.verifier });
    const b = await pkce();
    const codeB = (
      await fake.authorize(buildAuthUrl(cfg, { state: 's', codeChallenge: b.challenge, scopes: [COMPOSE] }))
    ).searchParams.get('code')!;
    const result = await exchangeCode(cfg, { code: codeB, codeVerifier: b.verifier });
    expect(result.grantedScopes).toEqual(expect.arrayContaining([READONLY, COMPOSE]));
  });

  it('refuses an id_token that Google did not sign', async () => {
    const { cfg, fake } = setup();
    const { verifier, challenge } = await pkce();
    const code = (
      await fake.authorize(buildAuthUrl(cfg, { state: 's', codeChallenge: challenge, scopes: SCOPES }))
    ).searchParams.get('code')!;
    const forged = await fake.signPushToken(
      { aud: cfg.clientId, email: 'attacker@example.com', email_verified: true },
      { foreignKey: true },
    );
    const tampering: typeof cfg.fetch = async (input, init) => {
      const res = await cfg.fetch(input, init);
      if (!new Request(input, init).url.endsWith('/token')) return res;
      const body = (await res.json()) as Record<string, unknown>;
      return Response.json({ ...body, id_token: forged }, { status: res.status });
    };
    const err = await rejection(exchangeCode({ ...cfg, fetch: tampering }, { code, codeVerifier: verifier }));
    expect(err).toMatchObject({ code: 'unknown', reason: 'invalid_id_token' });
  });

  it('says network, not a bad token, when Google’s keys cannot be fetched', async () => {
    const { cfg, fake } = setup();
    const { verifier, challenge } = await pkce();
    const code = (
      await fake.authorize(buildAuthUrl(cfg, { state: 's', codeChallenge: challenge, scopes: SCOPES }))
    ).searchParams.get('code')!;
    const err = await rejection(
      exchangeCode({ ...cfg, jwksUrl: 'http://down.test/certs' }, { code, codeVerifier: verifier }),
    );
    expect(err).toMatchObject({ code: 'network', status: 0 });
  });

  it('reports a token endpoint fault without retrying it', async () => {
    const { cfg, fake, requests } = setup();
    const { verifier, challenge } = await pkce();
    const code = (
      await fake.authorize(buildAuthUrl(cfg, { state: 's', codeChallenge: challenge, scopes: SCOPES }))
    ).searchParams.get('code')!;
    fake.failNext('token', { status: 500 });
    requests.length = 0;
    expect(await rejection(exchangeCode(cfg, { code, codeVerifier: verifier }))).toMatchObject({
      code: 'unknown',
      status: 500,
    });
    expect(requests).toEqual(['POST /token']);
    await expect(exchangeCode(cfg, { code, codeVerifier: verifier })).resolves.toMatchObject({ email: MERCHANT });
  });
});

describe('refresh and revoke', () => {
  it('the OAuth2Client refreshes through our fetch at the configured token URL', async () => {
    const { cfg, fake, requests } = setup();
    const client = createAuthorizedClient(cfg, fake.issueRefreshToken(MERCHANT, [READONLY]));
    const { token } = await client.getAccessToken();
    expect(token).toMatch(/^ya29\./);
    expect(requests).toEqual(['POST /token']);
  });

  it('revoking the refresh token ends the grant; a second revoke says invalid_token', async () => {
    const { cfg, fake, openMailbox } = setup();
    const refresh = fake.issueRefreshToken(MERCHANT, [READONLY]);
    await expect(openMailbox(refresh).getProfile()).resolves.toBeTruthy();
    expect(await revokeToken(cfg, refresh)).toEqual({ ok: true });
    expect(await revokeToken(cfg, refresh)).toEqual({ ok: false, reason: 'already_invalid' });
    expect(await rejection(openMailbox(refresh).getProfile())).toMatchObject({ code: 'invalid_grant' });
  });

  it('revoking an access token revokes its refresh token too; the query form works as well', async () => {
    const { cfg, fake, fetch } = setup();
    const refresh = fake.issueRefreshToken(MERCHANT, [READONLY]);
    const { token } = await createAuthorizedClient(cfg, refresh).getAccessToken();
    const res = await fetch(`${BASE}/revoke?token=${encodeURIComponent(token!)}`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const refreshed = await fetch(`${BASE}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refresh,
        client_id: cfg.clientId,
        client_secret: cfg.clientSecret,
      }),
    });
    expect(refreshed.status).toBe(400);
    expect(await refreshed.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Token has been expired or revoked.',
    });
    const unknown = await fetch(`${BASE}/revoke`, { method: 'POST', body: new URLSearchParams({ token: 'nope' }) });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: 'invalid_token', error_description: 'Token expired or revoked' });
  });

  it('revokeToken reports a network failure instead of throwing', async () => {
    const { cfg } = setup();
    expect(await revokeToken({ ...cfg, revokeUrl: 'http://down.test/revoke' }, 'x')).toEqual({
      ok: false,
      reason: 'network',
    });
  });

  it('the token endpoint answers Google-shaped errors', async () => {
    const { cfg, fetch } = setup();
    const post = (form: Record<string, string>) =>
      fetch(`${BASE}/token`, { method: 'POST', body: new URLSearchParams(form) }).then(async (r) => [
        r.status,
        await r.json(),
      ]);
    expect(
      await post({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'nobody', client_secret: 'x' }),
    ).toEqual([401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' }]);
    expect(
      await post({
        grant_type: 'refresh_token',
        refresh_token: 'x',
        client_id: cfg.clientId,
        client_secret: cfg.clientSecret,
      }),
    ).toEqual([400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }]);
    expect(await post({ grant_type: 'password', client_id: cfg.clientId, client_secret: cfg.clientSecret })).toEqual([
      400,
      { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: password' },
    ]);
  });
});
