import { Hono, type Context } from 'hono';
import { ok, type Result, refused } from '../../../platform/result';
import {
  badRequest,
  gmailError,
  injectedGmailError,
  insufficientScopes,
  isGmailRateLimit,
  notFound,
  unauthenticated,
  type GmailErrorBody,
} from './errors';
import { base64Decode, base64UrlEncode, headerValue, messageIds, snippetOf, toPayload } from './mime';
import type { PubSub } from './pubsub';
import { GMAIL_SCOPE, type FakeState, type Mailbox, type StoredMessage } from './state';

/** A query parameter Gmail would refuse, with the 400 body Gmail answers it with. */
type Param<T extends object, R extends string> = Result<T, R, { body: GmailErrorBody }>;

/**
 * Gmail API v1 under /gmail/v1/users/:userId/... (userId `me` or the mailbox address).
 * Implemented: getProfile, watch, stop, history.list, messages.list, messages.get, threads.get,
 * drafts.create, drafts.list, drafts.get; each with Google's scope rules, quota cost and error bodies.
 *
 * messages.list `q` understands: in:/label: (inbox, sent, drafts, spam, trash, starred, unread, anywhere,
 * or a label id), is:unread|read|starred, category:, newer_than:/older_than: (Nd, Nm, Ny), from:,
 * rfc822msgid:, and a leading `-` to negate label terms. Any other term is ignored (matches all).
 * drafts.list ignores `q`. Page tokens are opaque decimal strings.
 */

export const UNIT_COST = {
  getProfile: 1,
  watch: 100,
  stop: 50,
  'history.list': 2,
  'messages.list': 5,
  'messages.get': 5,
  'threads.get': 10,
  'drafts.create': 10,
  'drafts.list': 5,
  'drafts.get': 5,
} as const;

export type GmailMethod = keyof typeof UNIT_COST;

const { full, modify, readonly, compose, metadata } = GMAIL_SCOPE;
const READ_SCOPES = [full, modify, readonly, metadata];
const ALLOWED_SCOPES: Record<GmailMethod, string[]> = {
  getProfile: [full, modify, compose, readonly, metadata],
  watch: READ_SCOPES,
  stop: READ_SCOPES,
  'history.list': READ_SCOPES,
  'messages.list': READ_SCOPES,
  'messages.get': READ_SCOPES,
  'threads.get': READ_SCOPES,
  'drafts.create': [full, modify, compose],
  'drafts.list': [full, modify, compose, readonly],
  'drafts.get': [full, modify, compose, readonly],
};
const RPC_METHOD: Record<GmailMethod, string> = {
  getProfile: 'caribou.api.proto.MailboxService.GetProfile',
  watch: 'caribou.api.proto.MailboxService.Watch',
  stop: 'caribou.api.proto.MailboxService.Stop',
  'history.list': 'caribou.api.proto.MailboxService.ListHistory',
  'messages.list': 'caribou.api.proto.MailboxService.ListMessages',
  'messages.get': 'caribou.api.proto.MailboxService.GetMessage',
  'threads.get': 'caribou.api.proto.MailboxService.GetThread',
  'drafts.create': 'caribou.api.proto.MailboxService.CreateDraft',
  'drafts.list': 'caribou.api.proto.MailboxService.ListDrafts',
  'drafts.get': 'caribou.api.proto.MailboxService.GetDraft',
};

const WATCH_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const FORMATS = ['minimal', 'full', 'raw', 'metadata'] as const;
type Format = (typeof FORMATS)[number];

interface Ctx {
  mb: Mailbox;
  scopes: string[];
}

export function gmailRoutes(state: FakeState, pubsub: PubSub): Hono {
  const app = new Hono();

  const err = (c: Context, body: GmailErrorBody) => c.json(body, body.error.code as 400);

  function handle(method: GmailMethod, fn: (c: Context, ctx: Ctx) => Response | Promise<Response>) {
    return async (c: Context): Promise<Response> => {
      const m = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
      const rec = m ? state.validAccessToken(m[1]!) : null;
      if (!rec) {
        c.header('WWW-Authenticate', 'Bearer realm="https://accounts.google.com/", error="invalid_token"');
        return err(c, unauthenticated());
      }
      const mb = state.mailbox(rec.grant.email);
      const userId = c.req.param('userId') ?? '';
      if (userId !== 'me' && userId.toLowerCase() !== mb.email.toLowerCase()) {
        return err(c, gmailError(403, 'forbidden', `Delegation denied for ${mb.email}`));
      }
      mb.calls.set(method, (mb.calls.get(method) ?? 0) + 1);
      if (!rec.scopes.some((s) => ALLOWED_SCOPES[method].includes(s))) {
        c.header(
          'WWW-Authenticate',
          `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${ALLOWED_SCOPES[method].join(' ')}"`,
        );
        return err(c, insufficientScopes(RPC_METHOD[method]));
      }
      const fault = state.takeFailure(method);
      if (fault) {
        // Gmail's rate limits name the moment in the body and send no Retry-After (errors.ts).
        const rateLimit = isGmailRateLimit(fault.status, fault.reason);
        const retryAt = fault.retryAfterSeconds === null ? null : state.now() + fault.retryAfterSeconds * 1000;
        if (fault.retryAfterSeconds !== null && !rateLimit) c.header('Retry-After', String(fault.retryAfterSeconds));
        return err(c, injectedGmailError(fault.status, fault.reason ?? undefined, rateLimit ? retryAt : null));
      }
      mb.units += UNIT_COST[method];
      state.pruneHistory(mb);
      return fn(c, { mb, scopes: rec.scopes });
    };
  }

  const onlyMetadata = (scopes: string[]) =>
    !scopes.some((s) => s === full || s === modify || s === readonly || s === compose);

  function parseFormat(c: Context, allowed: readonly Format[]): Param<{ format: Format }, 'bad_format'> {
    const f = (c.req.query('format') ?? 'full').toLowerCase();
    if (!(allowed as readonly string[]).includes(f))
      return refused('bad_format', { body: badRequest(`Invalid value at 'format' (${f})`) });
    return ok({ format: f as Format });
  }

  function parseMaxResults(c: Context): Param<{ max: number }, 'bad_max_results'> {
    const raw = c.req.query('maxResults');
    if (raw === undefined) return ok({ max: 100 });
    if (!/^\d{1,6}$/.test(raw))
      return refused('bad_max_results', { body: badRequest(`Invalid value at 'max_results' (TYPE_UINT32), "${raw}"`) });
    return ok({ max: Math.min(500, Math.max(1, Number(raw))) });
  }

  function parseOffset(c: Context): Param<{ offset: number }, 'bad_page_token'> {
    const token = c.req.query('pageToken');
    if (!token) return ok({ offset: 0 });
    if (!/^\d{1,9}$/.test(token)) return refused('bad_page_token', { body: badRequest('Invalid pageToken') });
    return ok({ offset: Number(token) });
  }

  /** maxResults and pageToken of a list call (messages.list, drafts.list), checked in Gmail's order. */
  function parsePage(c: Context): Param<{ max: number; offset: number }, 'bad_max_results' | 'bad_page_token'> {
    const maxResults = parseMaxResults(c);
    if (!maxResults.ok) return maxResults;
    const offset = parseOffset(c);
    return offset.ok ? ok({ max: maxResults.max, offset: offset.offset }) : offset;
  }

  function messageResource(m: StoredMessage, format: Format, wanted: string[] = []): Record<string, unknown> {
    const out: Record<string, unknown> = {
      id: m.id,
      threadId: m.threadId,
      labelIds: [...m.labelIds],
      snippet: snippetOf(m.mime),
    };
    if (format === 'metadata') {
      const lower = wanted.map((h) => h.toLowerCase());
      out.payload = {
        partId: '',
        mimeType: m.mime.mimeType,
        filename: '',
        headers: lower.length ? m.mime.headers.filter((h) => lower.includes(h.name.toLowerCase())) : m.mime.headers,
      };
    } else if (format === 'full') {
      out.payload = toPayload(m.mime, '', (partId) => `ANGjdJ_${m.id}_${partId || 'root'}`);
    }
    out.sizeEstimate = m.raw.length;
    out.historyId = m.historyId.toString();
    out.internalDate = String(m.internalDate);
    if (format === 'raw') out.raw = base64UrlEncode(m.raw);
    return out;
  }

  const base = '/gmail/v1/users/:userId';

  app.get(
    `${base}/profile`,
    handle('getProfile', (c, { mb }) =>
      c.json({
        emailAddress: mb.email,
        messagesTotal: mb.messages.size,
        threadsTotal: mb.threads.size,
        historyId: mb.historyId.toString(),
      }),
    ),
  );

  app.post(
    `${base}/watch`,
    handle('watch', async (c, { mb }) => {
      const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
      const topicName = typeof body?.topicName === 'string' ? body.topicName : '';
      if (!topicName) return err(c, badRequest('Missing required field: topicName'));
      if (!/^projects\/[^/]+\/topics\/[^/]+$/.test(topicName)) {
        return err(c, badRequest('Invalid topicName does not match projects/SOME_ANDROID_PROJECT_ID/topics/*'));
      }
      const labelIds = Array.isArray(body?.labelIds)
        ? body.labelIds.filter((l): l is string => typeof l === 'string')
        : [];
      const behaviorRaw = String(body?.labelFilterBehavior ?? body?.labelFilterAction ?? 'include').toLowerCase();
      if (behaviorRaw !== 'include' && behaviorRaw !== 'exclude')
        return err(c, badRequest(`Invalid value at 'label_filter_behavior' (${behaviorRaw})`));
      await pubsub.ready();
      const expiration = state.now() + WATCH_TTL_MS;
      mb.watch = { topicName, labelIds, labelFilterBehavior: behaviorRaw, expiration };
      return c.json({ historyId: mb.historyId.toString(), expiration: String(expiration) });
    }),
  );

  app.post(
    `${base}/stop`,
    handle('stop', (c, { mb }) => {
      mb.watch = null;
      return c.body(null, 204);
    }),
  );

  app.get(
    `${base}/history`,
    handle('history.list', (c, { mb }) => {
      const start = c.req.query('startHistoryId');
      if (!start) return err(c, badRequest('Missing required parameter: startHistoryId', 'required'));
      if (!/^\d{1,20}$/.test(start)) return err(c, badRequest('Invalid startHistoryId'));
      const startId = BigInt(start);
      if (startId < mb.historyFloor) return err(c, notFound());
      const maxResults = parseMaxResults(c);
      if (!maxResults.ok) return err(c, maxResults.body);
      const { max } = maxResults;
      const token = c.req.query('pageToken');
      if (token !== undefined && !/^\d{1,20}$/.test(token)) return err(c, badRequest('Invalid pageToken'));
      const after = token ? (BigInt(token) > startId ? BigInt(token) : startId) : startId;
      const types = c.req.queries('historyTypes') ?? [];
      const labelId = c.req.query('labelId');

      const matching =
        types.length && !types.some((t) => t.toLowerCase() === 'messageadded')
          ? []
          : mb.history.filter((r) => {
              if (r.id <= after) return false;
              const m = mb.messages.get(r.messageId);
              return !!m && (!labelId || m.labelIds.includes(labelId));
            });
      const page = matching.slice(0, max);
      const out: Record<string, unknown> = {};
      if (page.length) {
        out.history = page.map((r) => {
          const m = mb.messages.get(r.messageId)!;
          return {
            id: r.id.toString(),
            messages: [{ id: m.id, threadId: m.threadId }],
            messagesAdded: [{ message: { id: m.id, threadId: m.threadId, labelIds: [...m.labelIds] } }],
          };
        });
      }
      if (matching.length > page.length) out.nextPageToken = page[page.length - 1]!.id.toString();
      out.historyId = mb.historyId.toString();
      return c.json(out);
    }),
  );

  app.get(
    `${base}/messages`,
    handle('messages.list', (c, { mb, scopes }) => {
      const q = c.req.query('q') ?? '';
      if (q && onlyMetadata(scopes))
        return err(c, gmailError(403, 'forbidden', "Metadata scope does not support 'q' parameter"));
      const paging = parsePage(c);
      if (!paging.ok) return err(c, paging.body);
      const { max, offset } = paging;
      const filter = compileQuery(
        q,
        c.req.queries('labelIds') ?? [],
        c.req.query('includeSpamTrash') === 'true',
        state.now(),
      );
      const all = [...mb.order]
        .reverse()
        .map((id) => mb.messages.get(id)!)
        .filter(filter)
        .sort((a, b) => b.internalDate - a.internalDate);
      const page = all.slice(offset, offset + max);
      const out: Record<string, unknown> = {};
      if (page.length) out.messages = page.map((m) => ({ id: m.id, threadId: m.threadId }));
      if (offset + max < all.length) out.nextPageToken = String(offset + max);
      out.resultSizeEstimate = all.length;
      return c.json(out);
    }),
  );

  app.get(
    `${base}/messages/:id`,
    handle('messages.get', (c, { mb, scopes }) => {
      const formatParam = parseFormat(c, FORMATS);
      if (!formatParam.ok) return err(c, formatParam.body);
      const { format } = formatParam;
      if ((format === 'raw' || format === 'full') && onlyMetadata(scopes)) {
        return err(c, gmailError(403, 'forbidden', `Metadata scope doesn't allow format ${format.toUpperCase()}`));
      }
      const m = mb.messages.get(c.req.param('id') ?? '');
      if (!m) return err(c, notFound());
      return c.json(messageResource(m, format, c.req.queries('metadataHeaders') ?? []));
    }),
  );

  app.get(
    `${base}/threads/:id`,
    handle('threads.get', (c, { mb, scopes }) => {
      const formatParam = parseFormat(c, ['minimal', 'full', 'metadata']);
      if (!formatParam.ok) return err(c, formatParam.body);
      const { format } = formatParam;
      if (format === 'full' && onlyMetadata(scopes))
        return err(c, gmailError(403, 'forbidden', "Metadata scope doesn't allow format FULL"));
      const ids = mb.threads.get(c.req.param('id') ?? '');
      if (!ids) return err(c, notFound());
      const msgs = ids.map((id) => mb.messages.get(id)!).filter(Boolean);
      // biome-ignore lint/complexity/useMathMinMax: historyIds are bigints, which Math.max does not take.
      const historyId = msgs.reduce((max, m) => (m.historyId > max ? m.historyId : max), 0n);
      const wanted = c.req.queries('metadataHeaders') ?? [];
      return c.json({
        id: c.req.param('id'),
        historyId: historyId.toString(),
        messages: msgs.map((m) => messageResource(m, format, wanted)),
      });
    }),
  );

  app.post(
    `${base}/drafts`,
    handle('drafts.create', async (c, { mb }) => {
      const body = (await c.req.json().catch(() => null)) as { message?: { raw?: unknown; threadId?: unknown } } | null;
      if (!body) return err(c, badRequest('Invalid JSON payload received.', 'parseError'));
      const rawText = body.message?.raw;
      if (typeof rawText !== 'string' || !rawText)
        return err(c, badRequest('Missing draft message', 'invalidArgument'));
      const raw = base64Decode(rawText);
      if (!raw) return err(c, badRequest("Invalid value at 'draft.message.raw' (TYPE_BYTES), Base64 decoding failed"));
      const threadId =
        typeof body.message?.threadId === 'string' && body.message.threadId ? body.message.threadId : null;
      const created = state.createDraft(mb, raw, threadId);
      if (created === 'thread_not_found') return err(c, notFound());
      const { draftId, message } = created;
      return c.json({
        id: draftId,
        message: { id: message.id, threadId: message.threadId, labelIds: [...message.labelIds] },
      });
    }),
  );

  app.get(
    `${base}/drafts`,
    handle('drafts.list', (c, { mb }) => {
      const paging = parsePage(c);
      if (!paging.ok) return err(c, paging.body);
      const { max, offset } = paging;
      const all = [...mb.drafts.entries()].reverse();
      const page = all.slice(offset, offset + max);
      const out: Record<string, unknown> = {};
      if (page.length) {
        out.drafts = page.map(([id, messageId]) => ({
          id,
          message: { id: messageId, threadId: mb.messages.get(messageId)!.threadId },
        }));
      }
      if (offset + max < all.length) out.nextPageToken = String(offset + max);
      out.resultSizeEstimate = all.length;
      return c.json(out);
    }),
  );

  app.get(
    `${base}/drafts/:id`,
    handle('drafts.get', (c, { mb }) => {
      const formatParam = parseFormat(c, FORMATS);
      if (!formatParam.ok) return err(c, formatParam.body);
      const { format } = formatParam;
      const draftId = c.req.param('id') ?? '';
      const messageId = mb.drafts.get(draftId);
      const m = messageId ? mb.messages.get(messageId) : undefined;
      if (!m) return err(c, notFound());
      return c.json({ id: draftId, message: messageResource(m, format) });
    }),
  );

  return app;
}

const LABEL_ALIASES: Record<string, string> = {
  inbox: 'INBOX',
  sent: 'SENT',
  draft: 'DRAFT',
  drafts: 'DRAFT',
  spam: 'SPAM',
  trash: 'TRASH',
  starred: 'STARRED',
  important: 'IMPORTANT',
  unread: 'UNREAD',
  chats: 'CHAT',
};

const DAY_MS = 24 * 60 * 60 * 1000;

function compileQuery(
  q: string,
  labelIds: string[],
  includeSpamTrash: boolean,
  now: number,
): (m: StoredMessage) => boolean {
  const tests: ((m: StoredMessage) => boolean)[] = labelIds.map((l) => (m) => m.labelIds.includes(l));
  let anywhere = includeSpamTrash;
  const mentioned = new Set(labelIds);
  for (const rawTerm of q.split(/\s+/).filter(Boolean)) {
    const negate = rawTerm.startsWith('-');
    const term = negate ? rawTerm.slice(1) : rawTerm;
    const colon = term.indexOf(':');
    if (colon <= 0) continue;
    const key = term.slice(0, colon).toLowerCase();
    const value = term.slice(colon + 1);
    let test: ((m: StoredMessage) => boolean) | null = null;
    if (key === 'in' || key === 'label') {
      if (value.toLowerCase() === 'anywhere') {
        anywhere = true;
        continue;
      }
      const label = LABEL_ALIASES[value.toLowerCase()] ?? value;
      mentioned.add(label);
      test = (m) => m.labelIds.includes(label);
    } else if (key === 'is') {
      const v = value.toLowerCase();
      if (v === 'read') test = (m) => !m.labelIds.includes('UNREAD');
      else {
        const label = LABEL_ALIASES[v];
        if (label) test = (m) => m.labelIds.includes(label);
      }
    } else if (key === 'category') {
      const label = value.toLowerCase() === 'primary' ? 'CATEGORY_PERSONAL' : `CATEGORY_${value.toUpperCase()}`;
      test = (m) => m.labelIds.includes(label);
    } else if (key === 'newer_than' || key === 'older_than') {
      const mm = /^(\d+)([dmy])$/i.exec(value);
      if (mm) {
        const unit = mm[2]!.toLowerCase() === 'd' ? DAY_MS : mm[2]!.toLowerCase() === 'm' ? 30 * DAY_MS : 365 * DAY_MS;
        const cutoff = now - Number(mm[1]) * unit;
        test = key === 'newer_than' ? (m) => m.internalDate >= cutoff : (m) => m.internalDate < cutoff;
      }
    } else if (key === 'from') {
      const needle = value.toLowerCase();
      test = (m) => (headerValue(m.mime.headers, 'From') ?? '').toLowerCase().includes(needle);
    } else if (key === 'rfc822msgid') {
      const id = value.startsWith('<') ? value : `<${value}>`;
      test = (m) => messageIds(headerValue(m.mime.headers, 'Message-ID')).includes(id);
    }
    if (test) {
      const t = test;
      tests.push(negate ? (m) => !t(m) : t);
    }
  }
  const hideSpamTrash = !anywhere && !mentioned.has('SPAM') && !mentioned.has('TRASH');
  return (m) =>
    (!hideSpamTrash || (!m.labelIds.includes('SPAM') && !m.labelIds.includes('TRASH'))) && tests.every((t) => t(m));
}
