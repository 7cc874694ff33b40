import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64, toBase64Url } from '../../src/crypto/encoding';
import { hmacSha256, verifyHmacBase64 } from '../../src/crypto/hmac';
import { verifyPushToken } from '../../src/google/push-token';
import { createGoogleFake } from '../../src/sandbox/fakes/google';
import { routeFetch } from '../../src/sandbox/fakes/route-fetch';
import { anyString } from '../support/arbitraries';

/**
 * Properties of the webhook signature checks: the HMAC check behind Shopify's and WooCommerce's
 * webhooks (verifyHmacBase64) and the Pub/Sub push token check on /webhooks/gmail. A false accept
 * lets anyone trigger work or compliance actions for an account; a throw turns bad input into a 500.
 */

const secret = fc.string({ minLength: 1, maxLength: 64 });
const body = fc.oneof(anyString(300), fc.uint8Array({ maxLength: 300 }));

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

describe('verifyHmacBase64 (property)', () => {
  it('accepts the true signature, in base64 or base64url, with surrounding spaces', async () => {
    await fc.assert(
      fc.asyncProperty(secret, body, fc.boolean(), async (key, data, url) => {
        const mac = await hmacSha256(key, data);
        const header = url ? toBase64Url(mac) : ` ${toBase64(mac)} `;
        expect(await verifyHmacBase64(key, data, header)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('rejects the signature of other data, or under another secret', async () => {
    await fc.assert(
      fc.asyncProperty(secret, secret, anyString(200), anyString(200), async (key, otherKey, data, otherData) => {
        fc.pre(key !== otherKey && data !== otherData);
        expect(await verifyHmacBase64(key, data, toBase64(await hmacSha256(key, otherData)))).toBe(false);
        expect(await verifyHmacBase64(key, data, toBase64(await hmacSha256(otherKey, data)))).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('rejects any signature with one bit changed', async () => {
    await fc.assert(
      fc.asyncProperty(secret, body, fc.integer({ min: 0, max: 255 }), async (key, data, bit) => {
        const mac = await hmacSha256(key, data);
        mac[bit >> 3]! ^= 1 << (bit & 7);
        expect(await verifyHmacBase64(key, data, toBase64(mac))).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on any header, and accepts only one that decodes to the true signature', async () => {
    await fc.assert(
      fc.asyncProperty(
        secret,
        anyString(100),
        fc.oneof(anyString(60), fc.base64String({ maxLength: 60 })),
        async (key, data, header) => {
          const accepted = await verifyHmacBase64(key, data, header);
          if (accepted) expect(equalBytes(fromBase64(header.trim()), await hmacSha256(key, data))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('verifyPushToken (property)', () => {
  const BASE = 'http://sandbox.test/google';
  const AUDIENCE = 'http://draftline.test/webhooks/gmail';
  const SERVICE_ACCOUNT = 'gmail-push@sandbox.iam.gserviceaccount.com';
  const google = createGoogleFake();
  google.configurePush({ endpoint: AUDIENCE, audience: AUDIENCE, serviceAccountEmail: SERVICE_ACCOUNT });
  const fetch = routeFetch(BASE, google.app);
  const verify = (authorization: string | undefined) =>
    verifyPushToken(authorization, {
      jwksUrl: `${BASE}/oauth2/v3/certs`,
      audience: AUDIENCE,
      serviceAccountEmail: SERVICE_ACCOUNT,
      fetch,
    });

  /** Each way a token can differ from one Google would send us; any of them must be refused. */
  const mutation = fc.record(
    {
      aud: fc.constantFrom('http://draftline.test/webhooks/gmai', 'https://evil.example/webhooks/gmail', ''),
      iss: fc.constantFrom('https://accounts.google.com.evil.example', 'accounts.google', 'https://login.example.com'),
      email: fc.constantFrom(
        'gmail-push@other.iam.gserviceaccount.com',
        'GMAIL-PUSH@sandbox.iam.gserviceaccount.com',
        '',
      ),
      emailVerified: fc.constantFrom(false, 'false', null),
      expiredSecondsAgo: fc.integer({ min: 1, max: 10 * 24 * 3600 }),
      foreignKey: fc.constant(true),
      tamperAt: fc.nat(),
    },
    { requiredKeys: [] },
  );

  it('accepts a genuine token and refuses every token with any claim, key or byte changed', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const now = Math.floor(Date.now() / 1000);
        const claims: Record<string, unknown> = {};
        if (m.aud !== undefined) claims.aud = m.aud;
        if (m.iss !== undefined) claims.iss = m.iss;
        if (m.email !== undefined) claims.email = m.email;
        if (m.emailVerified !== undefined) claims.email_verified = m.emailVerified ?? undefined;
        if (m.expiredSecondsAgo !== undefined)
          Object.assign(claims, { exp: now - m.expiredSecondsAgo, iat: now - m.expiredSecondsAgo - 3600 });
        let token = await google.signPushToken(claims, { foreignKey: m.foreignKey === true });
        if (m.tamperAt !== undefined) token = tamper(token, m.tamperAt);

        const verdict = await verify(`Bearer ${token}`);
        const changed = Object.keys(m).length > 0;
        expect(verdict.ok).toBe(!changed);
      }),
      // The genuine token is one case among 2^7; name it so every run checks it.
      { numRuns: 60, examples: [[{}]] },
    );
  });

  it('never throws on any Authorization header, and refuses all of them', async () => {
    const header = fc.oneof(
      anyString(200),
      fc
        .tuple(fc.base64String(), fc.base64String(), fc.base64String())
        .map(([a, b, c]) => `Bearer ${a}.${b}.${c}`.replace(/[+/=]/g, '_')),
      fc.constant(undefined),
    );
    await fc.assert(
      fc.asyncProperty(header, async (authorization) => {
        expect((await verify(authorization)).ok).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});

/**
 * Changes one base64url character of the payload or signature segment to another. The last
 * character of a segment is never touched: some of its bits can be padding, so changing it may not
 * change the bytes at all.
 */
function tamper(token: string, at: number): string {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const segments = [payload, signature];
  const which = at % 2;
  const segment = segments[which]!;
  const i = Math.floor(at / 2) % (segment.length - 1);
  const current = ALPHABET.indexOf(segment[i]!);
  const replaced = segment.slice(0, i) + ALPHABET[(current + 1 + (at % 63)) % 64] + segment.slice(i + 1);
  segments[which] = replaced;
  return [header, ...segments].join('.');
}
