/**
 * "This, or why not": the one shape every check and use case that can refuse answers in. The
 * reason is a literal union, so a caller's switch (and a label map keyed by it) is checked by the
 * compiler; a refusal may carry what the caller needs to explain it (`X`).
 *
 *   const r = verifyHmac(...);            // Result<{ shop: string }, 'bad_hmac' | 'stale'>
 *   if (!r.ok) return refuse(r.reason);   // r.reason: 'bad_hmac' | 'stale'
 *   use(r.shop);
 */
export type Ok<T extends object = object> = { ok: true } & T;
export type Refused<R extends string, X extends object = object> = { ok: false; reason: R } & X;
export type Result<T extends object, R extends string, X extends object = object> = Ok<T> | Refused<R, X>;

export function ok(): Ok;
export function ok<T extends object>(value: T): Ok<T>;
export function ok<T extends object>(value?: T): Ok<T> {
  return { ok: true, ...(value as T) };
}

export function refused<R extends string>(reason: R): Refused<R>;
export function refused<R extends string, X extends object>(reason: R, extra: X): Refused<R, X>;
export function refused<R extends string, X extends object>(reason: R, extra?: X): Refused<R, X> {
  return { ...(extra as X), ok: false, reason };
}
