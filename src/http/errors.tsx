import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Mode } from '../config';
import { errorClass, type Logger } from '../platform/log';
import { ErrorPage } from '../ui/error-page';
import { renderPage } from '../ui/layout';

/**
 * One error envelope for every JSON endpoint: `{ error: { code, message, requestId } }`, and one
 * error page for browsers (chosen by Accept: text/html). Messages are ours, fixed and content-free;
 * an unexpected error shows nothing of its own text and no stack trace.
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

const wantsHtml = (c: Context) => (c.req.header('accept') ?? '').includes('text/html');

const TITLES: Partial<Record<number, string>> = {
  400: 'That request did not look right',
  403: 'That action was refused',
  404: 'Page not found',
  413: 'That was too large',
  500: 'Something went wrong on our side',
};

function respond(c: Context, mode: Mode, status: ContentfulStatusCode, code: string, message: string) {
  if (!wantsHtml(c)) return c.json(errorBody(c, code, message), status);
  const title = TITLES[status] ?? 'Something went wrong';
  return c.html(
    renderPage(
      <ErrorPage
        mode={mode}
        status={status}
        title={title}
        message={message}
        requestId={c.get('requestId') as string}
      />,
    ),
    status,
  );
}

/** Hono's own HTTPExceptions (body limit, unauthorized, ...) in our words. */
const HTTP_CODES: Partial<Record<number, [string, string]>> = {
  401: ['unauthorized', 'Not signed in or not allowed.'],
  403: ['forbidden', 'That action was refused.'],
  404: ['not_found', 'No such thing here.'],
  405: ['method_not_allowed', 'Method not allowed.'],
  413: ['payload_too_large', 'Request body too large.'],
  415: ['unsupported_media_type', 'Unsupported content type.'],
};

export function errorHandler(logger: Logger, mode: Mode = 'live'): ErrorHandler {
  return (err, c) => {
    if (err instanceof ApiError) return respond(c, mode, err.status, err.code, err.message);
    if (err instanceof HTTPException) {
      const [code, message] = HTTP_CODES[err.status] ?? ['bad_request', 'Bad request.'];
      return respond(c, mode, err.status, code, message);
    }
    logger.error('http.unhandled', { requestId: c.get('requestId') as string, errorClass: errorClass(err) });
    return respond(c, mode, 500, 'internal', 'Something went wrong on our side. Nothing was lost; please try again.');
  };
}

export function notFound(mode: Mode = 'live'): NotFoundHandler {
  return (c) =>
    respond(c, mode, 404, 'not_found', wantsHtml(c) ? 'There is no page at this address.' : 'No such route.');
}
