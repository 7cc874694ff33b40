/**
 * "This, or why not": the one shape every check and use case that can refuse answers in. The
 * reason is a literal union, so a caller's switch (and a label map keyed by it) is checked by the
 * compiler; a refusal may carry what the caller needs to explain it (`X`).
 *
 *   const signed = await verifyShopifySignature(secrets, rawBody, header);
 *   if (!signed.ok) return reject(signed.reason); // 'missing_signature' | 'no_secret_configured' | 'bad_signature'
 *
 * A value or an extra may not have fields called `ok` or `reason` of its own (it would not compile).
 */
type OwnFields = { ok?: never; reason?: never };

export type Ok<T extends object = object> = { ok: true } & T;
export type Refused<R extends string, X extends object = object> = { ok: false; reason: R } & X;
export type Result<T extends object, R extends string, X extends object = object> = Ok<T> | Refused<R, X>;

export function ok(): Ok;
export function ok<T extends object>(value: T & OwnFields): Ok<T>;
export function ok<T extends object>(value?: T): Ok<T> {
  return { ...(value as T), ok: true };
}

export function refused<R extends string>(reason: R): Refused<R>;
export function refused<R extends string, X extends object>(reason: R, extra: X & OwnFields): Refused<R, X>;
export function refused<R extends string, X extends object>(reason: R, extra?: X): Refused<R, X> {
  return { ...(extra as X), ok: false, reason };
}
