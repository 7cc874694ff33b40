import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * The fake's RS256 signing key (like one entry of https://www.googleapis.com/oauth2/v3/certs) and
 * a second, unpublished key under the same kid to forge "bad signature" tokens in tests.
 * Keys are generated lazily (WebCrypto is async) and once per fake.
 */
export interface SigningKeys {
  ready(): Promise<void>;
  jwks(): Promise<{ keys: JWK[] }>;
  sign(claims: JWTPayload, opts?: { foreign?: boolean }): Promise<string>;
  readonly kid: string;
}

interface Pair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export function createSigningKeys(): SigningKeys {
  const kid = Array.from(crypto.getRandomValues(new Uint8Array(20)), (b) => b.toString(16).padStart(2, '0')).join('');
  let main: Promise<Pair> | null = null;
  let foreign: Promise<Pair> | null = null;
  const getMain = () => (main ??= generateKeyPair('RS256', { extractable: true }));
  const getForeign = () => (foreign ??= generateKeyPair('RS256', { extractable: true }));

  return {
    kid,
    ready: async () => {
      await getMain();
    },
    jwks: async () => {
      const jwk = await exportJWK((await getMain()).publicKey);
      return { keys: [{ ...jwk, alg: 'RS256', use: 'sig', kid }] };
    },
    sign: async (claims, opts = {}) => {
      const pair = opts.foreign ? await getForeign() : await getMain();
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(pair.privateKey);
    },
  };
}
