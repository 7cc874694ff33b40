import { browserClient, field, type Page } from './browser-client';
import type { TestRuntime } from './runtime';

type Browser = ReturnType<typeof browserClient>;

/** GET /auth/google/start, which lands on the sandbox's Google consent screen: the scopes it asks for and its request id. */
export async function googleConsent(browser: Browser) {
  const consent = await browser.get('/auth/google/start');
  const scopes = [...consent.html.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1]!);
  return { consent, scopes, requestId: field(consent.html, 'request_id') };
}

export interface SignedIn {
  /** The browser, holding the session cookie. */
  browser: Browser;
  /** The consent screen Google showed. */
  consent: Page;
  /** The scopes it asked for (all of them granted). */
  scopes: string[];
  /** The page the sign-in landed on (the dashboard). */
  app: Page;
  /** The dashboard's anti-forgery token, for the forms that follow. */
  csrf: string;
  accountId: string;
}

/**
 * Signs in as a merchant does: /auth/google/start, then Allow on the sandbox's Google consent
 * screen with every scope it asks for, back to the dashboard. In a fresh browser unless given one.
 */
export async function signIn(rt: TestRuntime, browser: Browser = browserClient(rt)): Promise<SignedIn> {
  const { consent, scopes, requestId } = await googleConsent(browser);
  const app = await browser.post('/sandbox/google/o/oauth2/v2/auth', {
    request_id: requestId,
    action: 'allow',
    scope: scopes,
  });
  const account = await rt.services.db.query.accounts.findFirst();
  if (!account) throw new Error(`signing in made no account (landed on ${app.url})`);
  return {
    browser,
    consent,
    scopes,
    app,
    // Read when asked for: a page without the token fails only the tests that want it.
    get csrf() {
      return field(app.html, 'csrf');
    },
    accountId: account.id,
  };
}
