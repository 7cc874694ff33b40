import { Hono } from 'hono';
import { completeGoogleSignIn, REQUIRED_SCOPES } from '../accounts/sign-in';
import { getStoreConnection, storeCanDraft } from '../db/accounts';
import { buildAuthUrl, codeChallengeS256, createCodeVerifier } from '../google/oauth';
import { csrfProtection } from '../http/csrf';
import { beginOAuth, finishOAuth } from '../http/oauth-state';
import { currentSession, endSession, requireSession, startSession, type SessionVars } from '../http/session';
import type { Services } from '../services';

/**
 * "Sign in with Google": authorization code flow with PKCE, state bound to a signed cookie,
 * offline access, exactly the two Gmail scopes. The Gmail connection is the merchant's identity:
 * the mailbox address comes from Gmail itself, so no openid/email scope is asked for.
 */
export function googleAuthRoutes(s: Services) {
  const app = new Hono<{ Variables: SessionVars }>();

  app.get('/google/start', async (c) => {
    const codeVerifier = createCodeVerifier();
    const state = await beginOAuth(c, s, 'google', { codeVerifier });
    const url = buildAuthUrl(s.googleOAuth, {
      state,
      codeChallenge: await codeChallengeS256(codeVerifier),
      scopes: [...REQUIRED_SCOPES],
    });
    return c.redirect(url, 302);
  });

  app.get('/google/callback', async (c) => {
    const { state, code, error } = c.req.query();
    const pending = await finishOAuth(c, s, 'google', state);
    const signedIn = await currentSession(c, s);
    // A merchant still signed in (connecting Gmail again) hears why on the dashboard, not signed out.
    const refuse = (notice: string) => c.redirect(`${signedIn ? '/app' : '/'}?notice=${notice}`, 303);
    if (!pending) return refuse('oauth_state');
    if (error) return refuse(error === 'access_denied' ? 'declined' : 'google_error');
    const codeVerifier = pending.data.codeVerifier;
    if (!code || !codeVerifier) return refuse('google_error');

    const result = await completeGoogleSignIn(s, { code, codeVerifier, signedInAccountId: signedIn?.account.id });
    if (!result.ok) {
      s.logger.info('account.sign_in_refused', { reason: result.reason });
      return refuse(
        result.reason === 'exchange_failed' || result.reason === 'google_unavailable' ? 'google_error' : result.reason,
      );
    }
    await startSession(c, s, result.accountId);
    // The next step is the store unless one is connected that can draft (an uninstalled or
    // refused one still has to be connected again).
    const store = await getStoreConnection(s.db, result.accountId);
    const next = store && storeCanDraft(store.status) ? 'signed_in_with_store' : 'signed_in';
    return c.redirect(`/app?notice=${next}`, 303);
  });

  app.post('/sign-out', requireSession(s), csrfProtection(s.config.appUrl), async (c) => {
    await endSession(c, s, c.get('session').accountId);
    return c.redirect('/?notice=signed_out', 303);
  });
  return app;
}
