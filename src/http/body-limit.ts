import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from './errors';

/**
 * A ceiling for form posts, checked before anything reads the body (Content-Length when sent,
 * otherwise counted while reading), answered with 413 in the app's one error envelope or error
 * page (src/http/errors.tsx). The largest legitimate form is settings: two 80-character lines, a
 * 600-character signature, a handful of choices and the CSRF token, under 10 KiB even with every
 * character 4-byte UTF-8, percent-encoded. 64 KiB leaves room and stops a multi-megabyte post from
 * being buffered and parsed (twice: the CSRF check parses it, then the route).
 */
export const FORM_MAX_BYTES = 64 * 1024;

export function formBodyLimit(maxSize: number = FORM_MAX_BYTES): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(413, 'payload_too_large', 'That form was larger than Draftline accepts. Nothing was saved.');
    },
  });
}

/**
 * The store-policies form (/app/settings/policies) alone holds up to 10,500 characters of the
 * merchant's text: at 9 bytes a character percent-encoded (3-byte UTF-8), about 95 KB.
 */
export const POLICIES_FORM_PATH = '/app/settings/policies';
export const POLICIES_FORM_MAX_BYTES = 128 * 1024;
