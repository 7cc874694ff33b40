import { ok, type Result, refused } from '../platform/result';

/** Why a request is not from our own pages, or that it is. */
export type SameOrigin = Result<object, 'foreign_origin' | 'foreign_referer' | 'no_origin'>;

/**
 * The request must come from our own page: Origin (sent by browsers on every POST) must be ours;
 * without it, Referer must be; without either, refuse. Shared by the CSRF middleware and the
 * public opt-out form.
 */
export function checkSameOrigin(origin: string | undefined, referer: string | undefined, appUrl: string): SameOrigin {
  const ours = new URL(appUrl).origin;
  if (origin) return originOf(origin) === ours ? ok() : refused('foreign_origin');
  if (referer) return originOf(referer) === ours ? ok() : refused('foreign_referer');
  return refused('no_origin');
}

function originOf(value: string): string | null {
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}
