import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { fromBase64, fromUtf8, toBase64Url, utf8 } from '../crypto/encoding';

/**
 * A JSON value in an HttpOnly, SameSite=Lax cookie signed with HMAC-SHA256 (hono/cookie), with
 * its own expiry inside the signed payload so an old cookie replayed by hand is refused too.
 * Secure whenever the app is served over https.
 */
export interface SignedCookieOptions {
  name: string;
  secret: string;
  secure: boolean;
  maxAgeSeconds: number;
  /** Narrows the cookie to one path (e.g. an OAuth callback). */
  path?: string;
}

export async function writeSignedJson(
  c: Context,
  opts: SignedCookieOptions,
  value: object,
  now: number,
): Promise<void> {
  const payload = toBase64Url(utf8(JSON.stringify({ ...value, exp: now + opts.maxAgeSeconds * 1000 })));
  await setSignedCookie(c, opts.name, payload, opts.secret, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: opts.secure,
    path: opts.path ?? '/',
    maxAge: opts.maxAgeSeconds,
  });
}

/** The cookie's value when it is present, correctly signed and not expired; otherwise null. */
export async function readSignedJson<T extends object>(
  c: Context,
  opts: SignedCookieOptions,
  now: number,
): Promise<T | null> {
  const raw = await getSignedCookie(c, opts.secret, opts.name);
  if (!raw) return null;
  try {
    const value = JSON.parse(fromUtf8(fromBase64(raw))) as T & { exp?: unknown };
    if (typeof value.exp !== 'number' || value.exp < now) return null;
    return value;
  } catch {
    return null;
  }
}

export function clearCookie(c: Context, opts: Pick<SignedCookieOptions, 'name' | 'secure' | 'path'>): void {
  deleteCookie(c, opts.name, { path: opts.path ?? '/', secure: opts.secure, httpOnly: true, sameSite: 'Lax' });
}
