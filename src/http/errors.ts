import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorClass, type Logger } from '../platform/log';

/**
 * One error envelope for every JSON endpoint: `{ error: { code, message, requestId } }`.
 * Messages are ours, fixed and content-free; an unexpected error shows nothing of its own text.
 */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(status, { message });
  }
}

export function errorBody(c: Context, code: string, message: string) {
  return { error: { code, message, requestId: c.get('requestId') as string } };
}

export function errorHandler(logger: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(c, err.code, err.message), err.status);
    if (err instanceof HTTPException) {
      return c.json(errorBody(c, err.status === 413 ? 'payload_too_large' : 'bad_request', err.status === 413 ? 'Request body too large.' : 'Bad request.'), err.status);
    }
    logger.error('http.unhandled', { requestId: c.get('requestId') as string, errorClass: errorClass(err) });
    return c.json(errorBody(c, 'internal', 'Something went wrong on our side.'), 500);
  };
}

export const notFound: NotFoundHandler = (c) => c.json(errorBody(c, 'not_found', 'No such route.'), 404);
