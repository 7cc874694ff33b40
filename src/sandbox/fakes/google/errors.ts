/**
 * Google's error bodies, as the real endpoints send them.
 * - Gmail (googleapis.com JSON APIs): {error:{code, message, errors:[{message, domain, reason, ...}], status}}
 *   (developers.google.com/workspace/gmail/api/guides/handle-errors; `status` is the google.rpc code name).
 * - OAuth token/revoke endpoints: {error, error_description} (RFC 6749 §5.2 shape).
 */

const RPC_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export interface GmailErrorItem {
  message: string;
  domain: string;
  reason: string;
  location?: string;
  locationType?: string;
}

export interface GmailErrorBody {
  error: { code: number; message: string; errors: GmailErrorItem[]; status: string; details?: unknown[] };
}

export function gmailError(
  code: number,
  reason: string,
  message: string,
  extra: Partial<GmailErrorItem> & { details?: unknown[] } = {},
): GmailErrorBody {
  const { details, ...item } = extra;
  const body: GmailErrorBody = {
    error: {
      code,
      message,
      errors: [{ message, domain: item.domain ?? 'global', reason, ...item }],
      status: RPC_STATUS[code] ?? 'UNKNOWN',
    },
  };
  if (details) body.error.details = details;
  return body;
}

export const UNAUTHENTICATED_MESSAGE =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

export const unauthenticated = (): GmailErrorBody =>
  gmailError(401, 'authError', UNAUTHENTICATED_MESSAGE, {
    message: 'Invalid Credentials',
    location: 'Authorization',
    locationType: 'header',
  });

export const notFound = (): GmailErrorBody => gmailError(404, 'notFound', 'Requested entity was not found.');

export const insufficientScopes = (rpcMethod: string): GmailErrorBody =>
  gmailError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.', {
    message: 'Insufficient Permission',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
        domain: 'googleapis.com',
        metadata: { service: 'gmail.googleapis.com', method: rpcMethod },
      },
    ],
  });

export const badRequest = (message: string, reason = 'invalidArgument'): GmailErrorBody =>
  gmailError(400, reason, message);

/** Whether an injected Gmail fault is a rate limit (429, or 403 userRateLimitExceeded / rateLimitExceeded). */
export const isGmailRateLimit = (status: number, reason?: string | null): boolean =>
  status === 429 ||
  (status === 403 && (!reason || reason === 'userRateLimitExceeded' || reason === 'rateLimitExceeded'));

/**
 * Bodies for injected faults (fake.failNext) on Gmail methods. A rate limit that names when to come
 * back says so in its message, not in a Retry-After header, as Gmail does ("User-rate limit
 * exceeded.  Retry after 2024-11-12T11:16:42.247Z", googleapis/google-api-ruby-client#20544).
 */
export function injectedGmailError(status: number, reason?: string, retryAt?: number | null): GmailErrorBody {
  const userRate = (fallback: string) =>
    retryAt === undefined || retryAt === null
      ? fallback
      : `User-rate limit exceeded.  Retry after ${new Date(retryAt).toISOString()}`;
  switch (status) {
    case 429:
      return gmailError(429, reason ?? 'rateLimitExceeded', userRate('Rate Limit Exceeded'), {
        domain: 'usageLimits',
      });
    case 403:
      return reason === 'insufficientPermissions'
        ? insufficientScopes('caribou.api.proto.MailboxService')
        : gmailError(
            403,
            reason ?? 'userRateLimitExceeded',
            reason === 'dailyLimitExceeded' ? 'Daily Limit Exceeded' : userRate('User Rate Limit Exceeded'),
            { domain: 'usageLimits' },
          );
    case 401:
      return unauthenticated();
    case 404:
      return notFound();
    case 400:
      return badRequest('Bad Request', reason ?? 'badRequest');
    case 500:
      return gmailError(500, reason ?? 'backendError', 'Backend Error');
    case 503:
      return gmailError(503, reason ?? 'backendError', 'The service is currently unavailable.');
    default:
      return gmailError(status, reason ?? 'backendError', 'Backend Error');
  }
}

export interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

export const oauthError = (error: string, description?: string): OAuthErrorBody =>
  description === undefined ? { error } : { error, error_description: description };

/**
 * Bodies for injected faults on the token endpoint. Google does not document 429/5xx token bodies;
 * these follow the same {error, error_description} shape with Google's usual descriptions.
 */
export function injectedTokenError(status: number, reason?: string): OAuthErrorBody {
  if (reason)
    return oauthError(reason, reason === 'invalid_grant' ? 'Token has been expired or revoked.' : 'Bad Request');
  if (status === 401) return oauthError('invalid_client', 'Unauthorized');
  if (status === 400) return oauthError('invalid_grant', 'Token has been expired or revoked.');
  if (status === 429) return oauthError('rate_limit_exceeded', 'Rate Limit Exceeded');
  if (status === 503) return oauthError('temporarily_unavailable', 'The service is currently unavailable.');
  return oauthError('internal_failure', 'Backend Error');
}
