import { errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { fromBase64, fromUtf8 } from '../crypto/encoding';
import type { FetchLike } from '../platform/fetch';
import { ok, type Result, refused } from '../platform/result';
import { GOOGLE_ISSUERS, googleJwks } from './jwks';

/**
 * Cloud Pub/Sub authenticated push: `Authorization: Bearer <OIDC JWT>` signed by Google (keys at
 * the JWKS URL), iss accounts.google.com, aud = the subscription's audience, email = the push
 * service account with email_verified true. And the push body, which names a mailbox and a
 * historyId and nothing else.
 */

export type PushTokenVerdict = Result<
  object,
  'missing' | 'malformed' | 'signature' | 'issuer' | 'audience' | 'email' | 'expired'
>;

export async function verifyPushToken(
  authorization: string | undefined,
  opts: {
    jwksUrl: string;
    audience: string;
    serviceAccountEmail: string;
    fetch: FetchLike;
    /** Clock for exp/iat checks (ms epoch); defaults to Date.now. */
    now?: () => number;
  },
): Promise<PushTokenVerdict> {
  if (!authorization?.trim()) return refused('missing');
  const m = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/i.exec(authorization.trim());
  if (!m) return refused('malformed');
  const token = m[1]!;
  const jwks = googleJwks(opts.jwksUrl, opts.fetch);
  const nowS = Math.floor((opts.now ?? Date.now)() / 1000);
  let payload: Record<string, unknown>;
  const known = verifiedTokens(jwks).get(`${opts.audience}\n${token}`);
  if (known) {
    // Verified before, signature, issuer and audience included: only the clock can have changed
    // (the same checks as jose's, with no tolerance).
    if (known.exp <= nowS) return refused('expired');
    if (known.nbf !== undefined && known.nbf > nowS) return refused('malformed');
    payload = known.payload;
  } else {
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: GOOGLE_ISSUERS,
        audience: opts.audience,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'iat'],
        currentDate: new Date(nowS * 1000),
      }));
    } catch (err) {
      return refused(reasonFor(err));
    }
    remember(jwks, `${opts.audience}\n${token}`, payload);
  }
  const verified = payload.email_verified === true || payload.email_verified === 'true';
  if (payload.email !== opts.serviceAccountEmail || !verified) return refused('email');
  return ok();
}

/**
 * Tokens whose signature and claims were verified, per key set (so per JWKS URL and fetch) and
 * audience. Pub/Sub sends the same token with every push for up to an hour; checking its RSA
 * signature again for each one is most of a push's CPU. Bounded; an entry lives until the
 * token's exp at most (then it fails as expired, like a fresh check would).
 */
interface KnownToken {
  exp: number;
  nbf: number | undefined;
  payload: Record<string, unknown>;
}
const MAX_KNOWN_TOKENS = 64;
const known = new WeakMap<object, Map<string, KnownToken>>();

function verifiedTokens(jwks: object): Map<string, KnownToken> {
  let tokens = known.get(jwks);
  if (!tokens) known.set(jwks, (tokens = new Map()));
  return tokens;
}

function remember(jwks: object, key: string, payload: Record<string, unknown>): void {
  if (typeof payload.exp !== 'number') return;
  const tokens = verifiedTokens(jwks);
  tokens.set(key, { exp: payload.exp, nbf: typeof payload.nbf === 'number' ? payload.nbf : undefined, payload });
  // The oldest out first (Map keeps insertion order).
  if (tokens.size > MAX_KNOWN_TOKENS) tokens.delete(tokens.keys().next().value!);
}

function reasonFor(err: unknown): 'malformed' | 'signature' | 'issuer' | 'audience' | 'expired' {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'issuer';
    if (err.claim === 'aud') return 'audience';
    return 'malformed';
  }
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSEAlgNotAllowed ||
    err instanceof errors.JOSENotSupported
  ) {
    return 'malformed';
  }
  // Bad signature, a kid not in Google's key set, or the key set could not be fetched: in every
  // case the token cannot be shown to come from Google. (Pub/Sub redelivers on our non-2xx.)
  return 'signature';
}

const PushBody = z.object({
  message: z.object({
    data: z.string().min(1).max(4096),
    messageId: z.string().optional(),
    publishTime: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
  }),
  subscription: z.string().optional(),
});

const GmailNotification = z.object({
  emailAddress: z
    .string()
    .min(3)
    .max(320)
    .regex(/^[^\s@]+@[^\s@]+$/),
  // Gmail sends a JSON number; the docs' example shows a string. Accept both, keep decimal text.
  historyId: z.union([z.number().int().nonnegative().refine(Number.isSafeInteger), z.string().regex(/^\d{1,20}$/)]),
});

/** The Gmail notification inside a Pub/Sub push body, or null when it is not one. */
export function decodePushMessage(body: unknown): { emailAddress: string; historyId: string } | null {
  const push = PushBody.safeParse(body);
  if (!push.success) return null;
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(fromBase64(push.data.message.data)));
  } catch {
    return null;
  }
  const note = GmailNotification.safeParse(json);
  if (!note.success) return null;
  const historyId =
    typeof note.data.historyId === 'number'
      ? String(note.data.historyId)
      : note.data.historyId.replace(/^0+(?=\d)/, '');
  return { emailAddress: note.data.emailAddress, historyId };
}
