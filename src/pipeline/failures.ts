import { DatabaseError } from '../db/errors';
import { LlmError } from '../drafting/llm';
import { GmailApiError } from '../google/gmail';
import { GoogleAuthError } from '../google/oauth';
import { StoreApiError } from '../stores/errors';

/**
 * What a failure means for the pipeline, decided in one place from the error's class and status
 * (never its message). The class names are the `error:<class>` counters and log reasons.
 *
 * - gmail_rate_limited: 429, or 403 rateLimitExceeded / userRateLimitExceeded. Back off (longer),
 *   never sooner than Retry-After.
 * - gmail_unavailable: 5xx, 408, no answer (network, timeout). Retry with backoff.
 * - gmail_auth: 401 even after one token refresh. Retry: Google's sessions do recover.
 * - google_token: the token endpoint failed without invalid_grant (429, 5xx, network). Retry, never
 *   sooner than Retry-After.
 * - reconnect_needed: invalid_grant. Not retried: the merchant has to connect again.
 * - llm_unavailable / store_unavailable: retryable failures of the model or the store.
 * - llm_failed / store_failed: refusals, bad output, bad credentials. Retrying cannot help.
 * - gmail_rejected: any other Gmail answer (400, 403 forbidden, malformed). Retrying cannot help.
 * - database_unavailable: a database call inside a message's handling failed. Retry.
 * - internal: anything else (a bug, the database). Retried as a whole run, since a database blip is
 *   the likely cause; inside one message's handling it is that message's own trouble (a parse error).
 */
export type FailureClass =
  | 'gmail_rate_limited'
  | 'gmail_unavailable'
  | 'gmail_auth'
  | 'gmail_rejected'
  | 'google_token'
  | 'reconnect_needed'
  | 'llm_unavailable'
  | 'llm_failed'
  | 'store_unavailable'
  | 'store_failed'
  | 'database_unavailable'
  | 'internal';

export interface Failure {
  class: FailureClass;
  retryable: boolean;
  /** What the provider asked for (Retry-After), in seconds. */
  retryAfterSeconds: number | null;
}

const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

export function classifyFailure(err: unknown): Failure {
  const f = (cls: FailureClass, retryable: boolean, retryAfterSeconds: number | null = null): Failure => ({
    class: cls,
    retryable,
    retryAfterSeconds,
  });
  if (err instanceof GmailApiError) {
    if (err.status === 429 || (err.status === 403 && RATE_LIMIT_REASONS.has(err.reason))) {
      return f('gmail_rate_limited', true, err.retryAfterSeconds);
    }
    if (err.status === 0 && err.reason === 'network') return f('gmail_unavailable', true);
    if (err.status >= 500 || err.status === 408) return f('gmail_unavailable', true, err.retryAfterSeconds);
    if (err.status === 401) return f('gmail_auth', true);
    return f('gmail_rejected', false);
  }
  if (err instanceof GoogleAuthError) {
    if (err.code === 'invalid_grant') return f('reconnect_needed', false);
    const transient = err.code === 'network' || err.status === 0 || err.status === 429 || err.status >= 500;
    return f('google_token', transient, transient ? err.retryAfterSeconds : null);
  }
  if (err instanceof LlmError)
    return err.retryable ? f('llm_unavailable', true, err.retryAfterSeconds) : f('llm_failed', false);
  if (err instanceof StoreApiError) return err.retryable ? f('store_unavailable', true) : f('store_failed', false);
  if (err instanceof DatabaseError) return f('database_unavailable', true);
  return f('internal', true);
}

/**
 * What a failure while handling one message costs, so that a poison message costs itself and
 * never the mailbox:
 * - 'retry_run': the mailbox's trouble, not the message's (rate limits, the token, a dead grant, the
 *   database): the run is retried, or the account marked, and the message waits with it.
 * - 'count': transient, but possibly this message's own (Gmail 5xx or a timeout on its download or
 *   its draft): the run is retried a bounded number of times for it (sync.ts), then it is skipped.
 * - 'skip': retrying cannot help (a message the parser chokes on, Gmail 400 on its draft, a bug).
 */
export type MessageFailureVerdict = 'retry_run' | 'count' | 'skip';

const MAILBOX_WIDE = new Set<FailureClass>([
  'gmail_rate_limited',
  'gmail_auth',
  'google_token',
  'reconnect_needed',
  'database_unavailable',
]);

export function messageFailureVerdict(failure: Failure): MessageFailureVerdict {
  if (MAILBOX_WIDE.has(failure.class)) return 'retry_run';
  if (failure.class === 'internal' || !failure.retryable) return 'skip';
  return 'count';
}

/** Cloudflare Queues' longest `retry({ delaySeconds })`: 12 hours. */
export const MAX_QUEUE_DELAY_SECONDS = 12 * 60 * 60;

/**
 * Queue redelivery delay: Google's exponential backoff (1, 2, 4, … seconds) with jitter, so accounts
 * that failed together do not come back together; never sooner than Retry-After (so a long one
 * spends one retry, not all of them); at most 15 minutes unless the provider asked for more, and
 * never past what Queues accepts.
 */
export function retryDelaySeconds(err: unknown, attempts: number, random: () => number = Math.random): number {
  const failure = classifyFailure(err);
  const backoff = Math.min(900, 2 ** Math.max(0, attempts - 1));
  const jittered = Math.max(1, Math.round(backoff * (0.5 + random() / 2)));
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(failure.retryAfterSeconds ?? 0, jittered));
}

/**
 * In-process retry for one call inside a message (the model, the store): a few attempts with short
 * jittered backoff, honouring Retry-After when it is short. A longer Retry-After, or a failure
 * retrying cannot fix, ends the attempts at once. The caller decides what giving up means.
 */
export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  /** The longest Retry-After worth waiting for in-process. */
  maxWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called with every failure, retried or not (for the error counters). */
  onFailure?: (failure: Failure) => void;
}

export async function withRetries<T>(run: () => Promise<T>, o: RetryOptions): Promise<T> {
  const random = o.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const failure = classifyFailure(err);
      o.onFailure?.(failure);
      if (!failure.retryable || attempt >= o.attempts) throw err;
      const asked = (failure.retryAfterSeconds ?? 0) * 1000;
      if (asked > o.maxWaitMs) throw err;
      const backoff = o.baseDelayMs * 2 ** (attempt - 1) * (0.5 + random() / 2);
      await o.sleep(Math.min(o.maxWaitMs, Math.max(asked, backoff)));
    }
  }
}
