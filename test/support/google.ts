import { createGoogleFake, type GoogleFakeOptions } from '../../src/sandbox/fakes/google';
import { routeFetch } from '../../src/sandbox/fakes/route-fetch';
import { createGmailMailbox } from '../../src/google/gmail';
import { createAuthorizedClient, type GoogleOAuthConfig } from '../../src/google/oauth';
import type { FetchLike } from '../../src/platform/fetch';

/** Shared wiring for test/google: a fake Google at http://sandbox.test/google, reached in-process. */
export const BASE = 'http://sandbox.test/google';
export const MERCHANT = 'merchant@example.com';
export const READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
export const COMPOSE = 'https://www.googleapis.com/auth/gmail.compose';

export function setup(options: GoogleFakeOptions = {}) {
  const fake = createGoogleFake(options);
  const routed = routeFetch(BASE, fake.app);
  /** Every request the clients made, as "METHOD /path" (path relative to the fake). */
  const requests: string[] = [];
  const fetch: FetchLike = async (input, init) => {
    const req = new Request(input, init);
    requests.push(`${req.method} ${new URL(req.url).pathname.slice(new URL(BASE).pathname.length)}`);
    return routed(req);
  };
  const cfg: GoogleOAuthConfig = {
    clientId: fake.client.clientId,
    clientSecret: fake.client.clientSecret,
    redirectUri: 'http://draftline.test/auth/google/callback',
    authUrl: `${BASE}/o/oauth2/v2/auth`,
    tokenUrl: `${BASE}/token`,
    revokeUrl: `${BASE}/revoke`,
    jwksUrl: `${BASE}/oauth2/v3/certs`,
    fetch,
  };
  const openMailbox = (refreshToken: string) =>
    createGmailMailbox({ rootUrl: `${BASE}/`, fetch, auth: createAuthorizedClient(cfg, refreshToken) });
  const mailboxFor = (email: string, scopes: string[] = [READONLY, COMPOSE]) =>
    openMailbox(fake.issueRefreshToken(email, scopes));
  return { fake, fetch, cfg, requests, openMailbox, mailboxFor };
}

export function mail(opts: {
  from?: string;
  to?: string;
  subject?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string;
  body?: string;
  extraHeaders?: string[];
}): string {
  const lines = [
    `From: ${opts.from ?? 'Jane Doe <jane@example.net>'}`,
    `To: ${opts.to ?? MERCHANT}`,
    `Subject: ${opts.subject ?? 'Where is my order?'}`,
    'Date: Tue, 25 Nov 2025 10:00:00 +0000',
  ];
  if (opts.messageId) lines.push(`Message-ID: ${opts.messageId}`);
  if (opts.inReplyTo) lines.push(`In-Reply-To: ${opts.inReplyTo}`);
  if (opts.references) lines.push(`References: ${opts.references}`);
  lines.push(
    ...(opts.extraHeaders ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.body ?? 'Hello, where is my order #1042?',
    '',
  );
  return lines.join('\r\n');
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
