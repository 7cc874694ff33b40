import { gmail, type gmail_v1 } from '@googleapis/gmail';
import type { OAuth2Client } from 'google-auth-library';
import { z } from 'zod';
import { fromBase64, toBase64Url, utf8 } from '../crypto/encoding';
import type { FetchLike } from '../platform/fetch';
import { GoogleAuthError, googleAuthErrorFrom } from './oauth';

/**
 * The Gmail calls Draftline makes, through the generated @googleapis/gmail client pointed at
 * `rootUrl` and our fetch. No retries here (gaxios' are switched off): the pipeline decides.
 *
 * A 401 means the access token died early (revoked session, clock skew): the token is refreshed
 * once, shared by every call made with the same OAuth client that hit it, and the call is made again; a second
 * 401 surfaces. google-auth-library does not do this itself once it knows the token's expiry.
 * Every call has a timeout, so a hung connection becomes a retryable 'network' error.
 *
 * Failures surface as:
 * - GmailApiError {status, reason, retryAfterSeconds}: Gmail answered non-2xx (reason from
 *   error.errors[0].reason, e.g. notFound, rateLimitExceeded, userRateLimitExceeded, backendError;
 *   retryAfterSeconds from Retry-After, else from the "Retry after <instant>" a rate limit's
 *   message names), or status 0 / reason 'network' when no answer came;
 * - GoogleAuthError: refreshing the access token failed (invalid_grant → reconnect needed).
 * Neither carries a message body, an address or mail content.
 */

export interface HistoryPage {
  /** In history order; `historyId` is the id of the history record that added the message. */
  records: { messageId: string; threadId: string; labelIds: string[]; historyId: string }[];
  nextPageToken: string | null;
  /** The mailbox's current historyId: where the cursor goes once every page is handled. */
  historyId: string;
  /** The id of this page's last history record: where the cursor may go when later pages are left for another run. */
  lastRecordId: string | null;
}

export interface GmailMailbox {
  getProfile(): Promise<{ emailAddress: string; historyId: string }>;
  /** history.list with historyTypes=messageAdded, labelId=INBOX; messagesAdded flattened, each message once. */
  listHistory(startHistoryId: string, pageToken?: string): Promise<HistoryPage>;
  /** Newest first. */
  listRecentInbox(maxResults: number): Promise<{ id: string; threadId: string }[]>;
  /** messages.get format=metadata: labels, size, date and the filter headers, without the body. */
  getMessageMeta(id: string): Promise<MessageMeta>;
  getRawMessage(id: string): Promise<{
    id: string;
    threadId: string;
    labelIds: string[];
    internalDate: number;
    sizeEstimate: number;
    raw: Uint8Array;
  }>;
  /** threads.get format=minimal: messages in thread order (drafts included, labelled DRAFT), and the thread's historyId. */
  getThread(threadId: string): Promise<ThreadLabels>;
  /**
   * threads.get format=metadata: the same, with every message's size, date and filter headers, so
   * one read (10 units) serves as both the thread check and the message's metadata read.
   */
  getThreadMeta(threadId: string): Promise<ThreadMeta>;
  /**
   * Whether a message other than `exceptMessageId` was added to the thread after `historyId` (a
   * reply sent, a draft started, a new customer message). One history.list (2 units) instead of another threads.get (10); when the
   * answer would take more than a few pages it says true, and the caller looks at the thread.
   */
  threadChangedSince(threadId: string, historyId: string, exceptMessageId?: string): Promise<boolean>;
  /** rawMessage is RFC 5322 text; it joins the thread only with In-Reply-To/References and a matching subject. */
  createDraft(threadId: string, rawMessage: string): Promise<{ draftId: string; messageId: string }>;
  watch(topicName: string): Promise<{ historyId: string; expiration: number }>;
  stop(): Promise<void>;
}

export interface ThreadLabels {
  historyId: string;
  messages: { messageId: string; labelIds: string[] }[];
}

export interface ThreadMeta {
  historyId: string;
  messages: MessageMeta[];
}

export interface MessageMeta {
  id: string;
  threadId: string;
  labelIds: string[];
  internalDate: number;
  sizeEstimate: number;
  /** Lower-cased names of FILTER_HEADERS → value (first occurrence), as Gmail decodes them. */
  headers: Map<string, string>;
  /** Gmail's preview of the text: its start, whitespace collapsed, HTML-escaped ('' when none). */
  snippet: string;
  /** The message's own Content-Type (multipart/mixed when it has attachments); null when not given. */
  mimeType: string | null;
}

/** The headers the filters read before a message body is downloaded. */
export const FILTER_HEADERS = [
  'From',
  'Subject',
  'Auto-Submitted',
  'Precedence',
  'List-Id',
  'List-Unsubscribe',
  'X-Autoreply',
  'X-Autorespond',
] as const;

/** Per call; Gmail answers in well under a second, so this only catches hung connections. */
export const GMAIL_TIMEOUT_MS = 30_000;

export class GmailApiError extends Error {
  override readonly name = 'GmailApiError';
  constructor(
    /** HTTP status; 0 when no answer came. */
    readonly status: number,
    /** Gmail's reason word (error.errors[0].reason), else the status as text; 'network' / 'malformed_response'. */
    readonly reason: string,
    readonly retryAfterSeconds: number | null,
  ) {
    super(
      `gmail_api_error status=${status} reason=${reason}${retryAfterSeconds !== null ? ` retry_after=${retryAfterSeconds}` : ''}`,
    );
  }
}

const REASON = /^[A-Za-z0-9_]{1,64}$/;
const ME = 'me';
const LIST_PAGE_MAX = 500;
/** history.list pages threadChangedSince reads before it gives up and says "changed". */
const CHANGE_CHECK_PAGES = 3;

const Profile = z.object({ emailAddress: z.string(), historyId: z.string().regex(/^\d+$/) });
const HistoryList = z.object({
  history: z
    .array(
      z.object({
        id: z.string().regex(/^\d+$/),
        messagesAdded: z
          .array(
            z.object({
              message: z.object({ id: z.string(), threadId: z.string(), labelIds: z.array(z.string()).optional() }),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
  nextPageToken: z.string().optional(),
  historyId: z.string().regex(/^\d+$/),
});
const MessageList = z.object({
  messages: z.array(z.object({ id: z.string(), threadId: z.string() })).optional(),
  nextPageToken: z.string().optional(),
});
const MetaMessage = z.object({
  id: z.string(),
  threadId: z.string(),
  labelIds: z.array(z.string()).optional(),
  internalDate: z.string().regex(/^\d+$/),
  sizeEstimate: z.number().int().nonnegative(),
  snippet: z.string().optional(),
  payload: z
    .object({
      mimeType: z.string().optional(),
      headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
    })
    .optional(),
});
const RawMessage = z.object({
  id: z.string(),
  threadId: z.string(),
  labelIds: z.array(z.string()).optional(),
  internalDate: z.string().regex(/^\d+$/),
  sizeEstimate: z.number().int().nonnegative(),
  raw: z.string(),
});
const Thread = z.object({
  historyId: z.string().regex(/^\d+$/),
  messages: z.array(z.object({ id: z.string(), labelIds: z.array(z.string()).optional() })).optional(),
});
const MetaThread = z.object({ historyId: z.string().regex(/^\d+$/), messages: z.array(MetaMessage).optional() });

function toMessageMeta(data: z.infer<typeof MetaMessage>): MessageMeta {
  const headers = new Map<string, string>();
  for (const h of data.payload?.headers ?? []) {
    const name = h.name.toLowerCase();
    if (!headers.has(name)) headers.set(name, h.value);
  }
  return {
    ...messageBasics(data),
    headers,
    snippet: data.snippet ?? '',
    mimeType: data.payload?.mimeType ?? null,
  };
}

/** What every message resource carries, whatever its format. */
function messageBasics(data: z.infer<typeof RawMessage> | z.infer<typeof MetaMessage>) {
  return {
    id: data.id,
    threadId: data.threadId,
    labelIds: data.labelIds ?? [],
    internalDate: Number(data.internalDate),
    sizeEstimate: data.sizeEstimate,
  };
}
const Draft = z.object({ id: z.string(), message: z.object({ id: z.string() }) });
const WatchResponse = z.object({ historyId: z.string().regex(/^\d+$/), expiration: z.string().regex(/^\d+$/) });

/**
 * One refresh at a time per OAuth client: calls that hit a 401 together wait for the same one. Kept
 * by client, not by mailbox, since every mailbox opened with one refresh token shares its client
 * (services.ts) and a second refresh would throw away the first one's new token.
 */
const refreshing = new WeakMap<OAuth2Client, Promise<void>>();

function refreshOnce(auth: OAuth2Client, tokenUrl: string): Promise<void> {
  let pending = refreshing.get(auth);
  if (!pending) {
    pending = (async () => {
      try {
        // Forget the dead access token; getAccessToken() then asks the token endpoint for a new one.
        auth.setCredentials({ refresh_token: auth.credentials.refresh_token });
        await auth.getAccessToken();
      } catch (err) {
        throw toGoogleError(err, tokenUrl);
      }
    })().finally(() => refreshing.delete(auth));
    refreshing.set(auth, pending);
  }
  return pending;
}

function parse<T>(schema: z.ZodType<T>, data: unknown, status: number): T {
  const result = schema.safeParse(data);
  if (!result.success) throw new GmailApiError(status, 'malformed_response', null);
  return result.data;
}

/**
 * The generated client holds only the OAuth client and the fetch (rootUrl and timeout go on each
 * call), so one is kept per OAuth client instead of building one for every sync.
 */
const clients = new WeakMap<OAuth2Client, { fetch: FetchLike; api: gmail_v1.Gmail }>();

function gmailClient(auth: OAuth2Client, fetchImpl: FetchLike): gmail_v1.Gmail {
  const kept = clients.get(auth);
  if (kept?.fetch === fetchImpl) return kept.api;
  const api = gmail({
    version: 'v1',
    // @googleapis/gmail types `auth` against its own (nested) google-auth-library copy; at run time
    // it only calls auth.request(), which goes through our client's transporter and fetch.
    auth: auth as unknown as gmail_v1.Options['auth'],
    retry: false,
    fetchImplementation: fetchImpl as typeof fetch,
  });
  clients.set(auth, { fetch: fetchImpl, api });
  return api;
}

export function createGmailMailbox(opts: {
  rootUrl: string;
  fetch: FetchLike;
  auth: OAuth2Client;
  timeoutMs?: number;
}): GmailMailbox {
  const rootUrl = opts.rootUrl.endsWith('/') ? opts.rootUrl : `${opts.rootUrl}/`;
  const tokenUrl = String(opts.auth.endpoints.oauth2TokenUrl);
  // rootUrl goes on each call, not on the client: a client-level rootUrl keeps only its origin
  // (googleapis-common rebuilds the URL as new URL('/gmail/v1/...', rootUrl)), which would drop a
  // path prefix such as http://localhost:8787/sandbox/google/.
  const o = { rootUrl, timeout: opts.timeoutMs ?? GMAIL_TIMEOUT_MS };
  const api = gmailClient(opts.auth, opts.fetch);

  const refreshAccessToken = () => refreshOnce(opts.auth, tokenUrl);

  async function call<T>(schema: z.ZodType<T>, run: () => Promise<{ status: number; data: unknown }>): Promise<T> {
    let res: { status: number; data: unknown };
    try {
      res = await run();
    } catch (err) {
      const failure = toGoogleError(err, tokenUrl);
      if (!(failure instanceof GmailApiError && failure.status === 401)) throw failure;
      await refreshAccessToken();
      try {
        res = await run();
      } catch (again) {
        throw toGoogleError(again, tokenUrl);
      }
    }
    return parse(schema, res.data, res.status);
  }

  return {
    async getProfile() {
      const data = await call(Profile, () => api.users.getProfile({ userId: ME }, o));
      return { emailAddress: data.emailAddress, historyId: data.historyId };
    },

    async listHistory(startHistoryId, pageToken) {
      const data = await call(HistoryList, () =>
        api.users.history.list(
          { userId: ME, startHistoryId, historyTypes: ['messageAdded'], labelId: 'INBOX', pageToken },
          o,
        ),
      );
      const seen = new Set<string>();
      const records: HistoryPage['records'] = [];
      for (const h of data.history ?? []) {
        for (const added of h.messagesAdded ?? []) {
          const m = added.message;
          if (seen.has(m.id)) continue;
          seen.add(m.id);
          records.push({ messageId: m.id, threadId: m.threadId, labelIds: m.labelIds ?? [], historyId: h.id });
        }
      }
      const lastRecordId = data.history?.at(-1)?.id ?? null;
      return { records, nextPageToken: data.nextPageToken ?? null, historyId: data.historyId, lastRecordId };
    },

    async listRecentInbox(maxResults) {
      const out: { id: string; threadId: string }[] = [];
      let pageToken: string | undefined;
      while (out.length < maxResults) {
        const want = Math.min(LIST_PAGE_MAX, maxResults - out.length);
        const data = await call(MessageList, () =>
          api.users.messages.list({ userId: ME, labelIds: ['INBOX'], maxResults: want, pageToken }, o),
        );
        for (const m of data.messages ?? []) if (out.length < maxResults) out.push({ id: m.id, threadId: m.threadId });
        if (!data.nextPageToken || !data.messages?.length) break;
        pageToken = data.nextPageToken;
      }
      return out;
    },

    async getMessageMeta(id) {
      const data = await call(MetaMessage, () =>
        api.users.messages.get({ userId: ME, id, format: 'metadata', metadataHeaders: [...FILTER_HEADERS] }, o),
      );
      return toMessageMeta(data);
    },

    async getRawMessage(id) {
      const data = await call(RawMessage, () => api.users.messages.get({ userId: ME, id, format: 'raw' }, o));
      let raw: Uint8Array;
      try {
        raw = fromBase64(data.raw);
      } catch {
        throw new GmailApiError(200, 'malformed_response', null);
      }
      return {
        ...messageBasics(data),
        raw,
      };
    },

    async getThread(threadId) {
      const data = await call(Thread, () => api.users.threads.get({ userId: ME, id: threadId, format: 'minimal' }, o));
      return {
        historyId: data.historyId,
        messages: (data.messages ?? []).map((m) => ({ messageId: m.id, labelIds: m.labelIds ?? [] })),
      };
    },

    async getThreadMeta(threadId) {
      const data = await call(MetaThread, () =>
        api.users.threads.get(
          { userId: ME, id: threadId, format: 'metadata', metadataHeaders: [...FILTER_HEADERS] },
          o,
        ),
      );
      return { historyId: data.historyId, messages: (data.messages ?? []).map(toMessageMeta) };
    },

    async threadChangedSince(threadId, historyId, exceptMessageId) {
      let pageToken: string | undefined;
      for (let n = 0; n < CHANGE_CHECK_PAGES; n++) {
        let data;
        try {
          data = await call(HistoryList, () =>
            api.users.history.list(
              {
                userId: ME,
                startHistoryId: historyId,
                historyTypes: ['messageAdded'],
                maxResults: LIST_PAGE_MAX,
                pageToken,
              },
              o,
            ),
          );
        } catch (err) {
          if (err instanceof GmailApiError && err.status === 404) return true; // history gone: cannot tell
          throw err;
        }
        const added = (data.history ?? []).flatMap((h) => h.messagesAdded ?? []);
        if (added.some(({ message: m }) => m.threadId === threadId && m.id !== exceptMessageId)) return true;
        if (!data.nextPageToken) return false;
        pageToken = data.nextPageToken;
      }
      return true;
    },

    async createDraft(threadId, rawMessage) {
      const data = await call(Draft, () =>
        api.users.drafts.create(
          { userId: ME, requestBody: { message: { raw: toBase64Url(utf8(rawMessage)), threadId } } },
          o,
        ),
      );
      return { draftId: data.id, messageId: data.message.id };
    },

    async watch(topicName) {
      const data = await call(WatchResponse, () =>
        api.users.watch(
          { userId: ME, requestBody: { topicName, labelIds: ['INBOX'], labelFilterBehavior: 'include' } },
          o,
        ),
      );
      return { historyId: data.historyId, expiration: Number(data.expiration) };
    },

    async stop() {
      await call(z.unknown(), () => api.users.stop({ userId: ME }, o));
    },
  };
}

/**
 * Turns whatever gaxios threw into GmailApiError or GoogleAuthError, keeping only status, reason
 * and Retry-After. The original error is dropped on purpose: it holds the response body and the
 * request config (headers with the access token).
 */
export function toGoogleError(err: unknown, tokenUrl: string): GmailApiError | GoogleAuthError {
  if (err instanceof GmailApiError || err instanceof GoogleAuthError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    response?: { status?: unknown; headers?: unknown; data?: unknown };
    config?: { url?: unknown };
  };
  const url = e.config?.url === undefined ? '' : String(e.config.url).split('?')[0];
  const fromTokenEndpoint = !!url && url === tokenUrl.split('?')[0];
  const res = e.response;
  if (res && typeof res.status === 'number') {
    const data = res.data as { error?: unknown } | null | undefined;
    const retryAfter = parseRetryAfter(headerOf(res.headers, 'retry-after'));
    if (fromTokenEndpoint || typeof data?.error === 'string')
      return googleAuthErrorFrom(res.status, data?.error, retryAfter);
    const waitNamed = retryAfter ?? retryAfterInMessage(data?.error);
    const first = (data?.error as { errors?: { reason?: unknown }[] } | undefined)?.errors?.[0]?.reason;
    const reason = typeof first === 'string' && REASON.test(first) ? first : String(res.status);
    return new GmailApiError(res.status, reason, waitNamed);
  }
  if (fromTokenEndpoint) return new GoogleAuthError('network', 0, null);
  return new GmailApiError(0, e.config ? 'network' : 'client_error', null);
}

function headerOf(headers: unknown, name: string): string | null {
  if (!headers) return null;
  if (headers instanceof Headers) return headers.get(name);
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
}

/**
 * Gmail's rate limits (429 rateLimitExceeded, 403 userRateLimitExceeded) send no Retry-After header
 * but name the moment in the message: "User-rate limit exceeded.  Retry after
 * 2024-11-12T11:16:42.247Z" (googleapis/google-api-ruby-client#20544). Only that instant is read,
 * as seconds from now; the message itself is dropped with the rest of the body.
 */
const RETRY_AFTER_IN_MESSAGE = /\bRetry after (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z)/;

export function retryAfterInMessage(error: unknown, now: number = Date.now()): number | null {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    errors?: { message?: unknown }[];
  };
  const first = Array.isArray(e.errors) ? e.errors[0]?.message : undefined;
  for (const text of [e.message, first]) {
    if (typeof text !== 'string') continue;
    const m = RETRY_AFTER_IN_MESSAGE.exec(text.slice(0, 500));
    const at = m ? Date.parse(m[1]!) : Number.NaN;
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now) / 1000));
  }
  return null;
}

/** Retry-After as delay-seconds or an HTTP-date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}
