import { findAccountIdByMailbox, getGmailConnection } from '../db/accounts';
import { exchangeCode, GMAIL_SCOPES, GoogleAuthError, revokeToken } from '../google/oauth';
import { ok, type Refused, type Result, refused } from '../platform/result';
import type { Services } from '../services';
import { connectGmail, createAccount } from './connect';

/** Exactly what Draftline asks Google for: read mail, write drafts. Nothing to send or delete mail. */
export const REQUIRED_SCOPES = [GMAIL_SCOPES.readonly, GMAIL_SCOPES.compose] as const;

export type SignInResult =
  | Result<
      { accountId: string; mailbox: string; isNew: boolean },
      'no_refresh_token' | 'exchange_failed' | 'google_unavailable'
    >
  | Refused<'partial_scopes', { missing: string[] }>;

/**
 * The end of "Sign in with Google": exchange the code (PKCE), insist on both scopes and a refresh
 * token, learn the mailbox address from Gmail itself, then create or find the account and connect
 * the mailbox. When something is missing nothing is stored, and a partial grant is revoked so it
 * does not linger in the merchant's Google account.
 */
export async function completeGoogleSignIn(
  s: Services,
  input: {
    code: string;
    codeVerifier: string /** The account already signed in in this browser, if any. */;
    signedInAccountId?: string | null;
  },
): Promise<SignInResult> {
  let exchange;
  try {
    exchange = await exchangeCode(s.googleOAuth, input);
  } catch (err) {
    const unavailable = err instanceof GoogleAuthError && err.code === 'network';
    return refused(unavailable ? 'google_unavailable' : 'exchange_failed');
  }
  const missing = REQUIRED_SCOPES.filter((scope) => !exchange.grantedScopes.includes(scope));
  if (missing.length) {
    await revokeToken(s.googleOAuth, exchange.refreshToken ?? exchange.accessToken);
    return refused('partial_scopes', { missing });
  }
  if (!exchange.refreshToken) return refused('no_refresh_token');

  let profile: { emailAddress: string; historyId: string };
  try {
    profile = await s.openMailbox(exchange.refreshToken).getProfile();
  } catch {
    return refused('google_unavailable');
  }
  const mailbox = profile.emailAddress.trim().toLowerCase();
  // The mailbox is the identity. A mailbox we do not know yet joins the signed-in account when that
  // account has no working Gmail connection (reconnecting after a disconnect), else a new account.
  const existing = (await findAccountIdByMailbox(s.db, mailbox)) ?? (await reusableAccount(s, input.signedInAccountId));
  const accountId = existing ?? (await createAccount(s));
  await connectGmail(s, {
    accountId,
    mailbox,
    refreshToken: exchange.refreshToken,
    grantedScopes: [...REQUIRED_SCOPES],
    profileHistoryId: profile.historyId,
  });
  s.logger.info('account.signed_in', { accountId, reason: existing ? 'returning' : 'new' });
  return ok({ accountId, mailbox, isNew: !existing });
}

async function reusableAccount(s: Services, accountId: string | null | undefined): Promise<string | undefined> {
  if (!accountId) return undefined;
  const gmail = await getGmailConnection(s.db, accountId);
  return !gmail || gmail.status === 'disconnected' ? accountId : undefined;
}
