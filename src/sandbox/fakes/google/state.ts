import { SANDBOX_PLACEHOLDERS } from '../../../config';
import { headerValue, messageIds, normalizeSubject, parseMime, type MimePart } from './mime';

/**
 * In-memory state of the Google fake: OAuth clients, grants and tokens, and one Gmail mailbox per
 * Google account (messages, threads, drafts, history, watch, quota counters). Routes in oauth.ts
 * and gmail.ts read and change it; index.ts exposes the programmatic API on top of it.
 * Nothing here logs: the fake plays Google and holds mail, it must not print it.
 */

export const GMAIL_SCOPE = {
  full: 'https://mail.google.com/',
  modify: 'https://www.googleapis.com/auth/gmail.modify',
  readonly: 'https://www.googleapis.com/auth/gmail.readonly',
  compose: 'https://www.googleapis.com/auth/gmail.compose',
  metadata: 'https://www.googleapis.com/auth/gmail.metadata',
} as const;

export const USERINFO_EMAIL = 'https://www.googleapis.com/auth/userinfo.email';
export const USERINFO_PROFILE = 'https://www.googleapis.com/auth/userinfo.profile';

/** Google answers short scope names in their long form (`email` → userinfo.email). */
export function normalizeScope(scope: string): string {
  if (scope === 'email') return USERINFO_EMAIL;
  if (scope === 'profile') return USERINFO_PROFILE;
  return scope;
}

/** Sign-in scopes are granted with the account and have no checkbox on Google's consent screen. */
export const isBasicScope = (scope: string) =>
  scope === 'openid' || scope === USERINFO_EMAIL || scope === USERINFO_PROFILE;

export const DEFAULT_ACCOUNT = 'merchant@example.com';
/** The client the sandbox config uses by default (GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET unset). */
export const DEFAULT_CLIENT: FakeClient = {
  clientId: SANDBOX_PLACEHOLDERS.googleClientId,
  clientSecret: SANDBOX_PLACEHOLDERS.googleClientSecret,
  redirectUris: null,
  name: 'Draftline',
};

export const ACCESS_TOKEN_TTL_SECONDS = 3599;
const CODE_TTL_MS = 10 * 60 * 1000;
const DEFAULT_HISTORY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_LABELS = ['INBOX', 'UNREAD', 'CATEGORY_PERSONAL'];

export interface FakeClient {
  clientId: string;
  clientSecret: string;
  /** Exact redirect URIs allowed; null accepts any http(s) URI (convenient for the sandbox). */
  redirectUris: string[] | null;
  /** Shown on the consent screen. */
  name: string;
}

/** One person's authorisation of one client; revoking any of its tokens revokes all of it. */
export interface Grant {
  email: string;
  clientId: string;
  revoked: boolean;
}

export interface RefreshTokenRecord {
  grant: Grant;
  scopes: string[];
}

export interface AccessTokenRecord {
  grant: Grant;
  scopes: string[];
  expiresAt: number;
}

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  email: string;
  scopes: string[];
  offline: boolean;
  /** Whether this consent should hand out a refresh token (offline and (prompt=consent or first grant)). */
  issueRefreshToken: boolean;
  expiresAt: number;
  used: boolean;
}

export interface PendingConsent {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  scopes: string[];
  offline: boolean;
  prompt: string;
  includeGrantedScopes: boolean;
  email: string;
}

export interface StoredMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  raw: Uint8Array;
  mime: MimePart;
  internalDate: number;
  historyId: bigint;
  rfcMessageId: string | null;
}

export interface HistoryRecord {
  id: bigint;
  at: number;
  messageId: string;
  threadId: string;
}

export interface Watch {
  topicName: string;
  labelIds: string[];
  labelFilterBehavior: 'include' | 'exclude';
  expiration: number;
}

export interface Mailbox {
  email: string;
  /** Stable numeric Google account id (the id_token `sub`). */
  sub: string;
  historyId: bigint;
  /** A startHistoryId below this is too old (history.list → 404). */
  historyFloor: bigint;
  history: HistoryRecord[];
  messages: Map<string, StoredMessage>;
  /** Message ids in arrival order. */
  order: string[];
  threads: Map<string, string[]>;
  /** RFC 5322 Message-ID → first Gmail message id carrying it. */
  rfcIndex: Map<string, string>;
  /** Draft id → message id, in creation order. */
  drafts: Map<string, string>;
  watch: Watch | null;
  units: number;
  calls: Map<string, number>;
}

export interface FailureRule {
  status: number;
  remaining: number;
  retryAfterSeconds: number | null;
  reason: string | null;
}

export type ChangeListener = (mailbox: Mailbox, change: { labelIds: string[] }) => void;

function randomToken(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...b))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export class FakeState {
  readonly now: () => number;
  readonly historyRetentionMs: number;
  clients = new Map<string, FakeClient>();
  signedInAs = DEFAULT_ACCOUNT;
  /** Requests to the token endpoint (code exchanges and refreshes), for tests of token reuse. */
  tokenRequests = 0;
  /** Grants ended through POST /revoke. */
  revocations = 0;
  mailboxes = new Map<string, Mailbox>();
  /** Active (not revoked) grant per `${email}\n${clientId}`. */
  grants = new Map<string, Grant>();
  refreshTokens = new Map<string, RefreshTokenRecord>();
  accessTokens = new Map<string, AccessTokenRecord>();
  codes = new Map<string, AuthCode>();
  consents = new Map<string, PendingConsent>();
  failures = new Map<string, FailureRule[]>();
  listeners: ChangeListener[] = [];
  private seq = 0;
  private mailboxCount = 0;

  readonly defaultClientId: string;

  constructor(opts: { now: () => number; historyRetentionMs?: number; client?: FakeClient }) {
    this.now = opts.now;
    this.historyRetentionMs = opts.historyRetentionMs ?? DEFAULT_HISTORY_RETENTION_MS;
    const client = opts.client ?? DEFAULT_CLIENT;
    this.clients.set(client.clientId, client);
    this.defaultClientId = client.clientId;
  }

  /** Every access token issued so far stops working (as after an hour), refresh tokens stay valid. */
  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  reset(): void {
    this.signedInAs = DEFAULT_ACCOUNT;
    this.mailboxes.clear();
    this.grants.clear();
    this.refreshTokens.clear();
    this.accessTokens.clear();
    this.codes.clear();
    this.consents.clear();
    this.failures.clear();
  }

  // ---- accounts and mailboxes -------------------------------------------------------------

  findMailbox(email: string): Mailbox | undefined {
    return this.mailboxes.get(email.trim().toLowerCase());
  }

  mailbox(email: string): Mailbox {
    const key = email.trim().toLowerCase();
    let mb = this.mailboxes.get(key);
    if (!mb) {
      const n = ++this.mailboxCount;
      const start = 1_000_000n + BigInt(n) * 37_000n + 217n;
      mb = {
        email: email.trim(),
        sub: (100_000_000_000_000_000_000n + BigInt(n) * 7_919_000_011n).toString(),
        historyId: start,
        historyFloor: start,
        history: [],
        messages: new Map(),
        order: [],
        threads: new Map(),
        rfcIndex: new Map(),
        drafts: new Map(),
        watch: null,
        units: 0,
        calls: new Map(),
      };
      this.mailboxes.set(key, mb);
    }
    return mb;
  }

  // ---- OAuth tokens -----------------------------------------------------------------------

  grantFor(email: string, clientId: string): Grant {
    const key = `${email.toLowerCase()}\n${clientId}`;
    let grant = this.grants.get(key);
    if (!grant || grant.revoked) {
      grant = { email: this.mailbox(email).email, clientId, revoked: false };
      this.grants.set(key, grant);
    }
    return grant;
  }

  hasActiveGrant(email: string, clientId: string): boolean {
    const g = this.grants.get(`${email.toLowerCase()}\n${clientId}`);
    return !!g && !g.revoked;
  }

  /** Scopes already granted to the client by this person, across live refresh tokens. */
  grantedScopes(email: string, clientId: string): string[] {
    const g = this.grants.get(`${email.toLowerCase()}\n${clientId}`);
    if (!g || g.revoked) return [];
    const out = new Set<string>();
    for (const rec of this.refreshTokens.values()) if (rec.grant === g) rec.scopes.forEach((s) => out.add(s));
    for (const rec of this.accessTokens.values()) if (rec.grant === g) rec.scopes.forEach((s) => out.add(s));
    return [...out];
  }

  newRefreshToken(grant: Grant, scopes: string[]): string {
    const token = `1//0${randomToken(48)}`;
    this.refreshTokens.set(token, { grant, scopes: [...new Set(scopes)] });
    return token;
  }

  newAccessToken(grant: Grant, scopes: string[]): string {
    const token = `ya29.${randomToken(60)}`;
    this.accessTokens.set(token, {
      grant,
      scopes: [...new Set(scopes)],
      expiresAt: this.now() + ACCESS_TOKEN_TTL_SECONDS * 1000,
    });
    return token;
  }

  newCode(code: Omit<AuthCode, 'expiresAt' | 'used'>): string {
    const value = `4/0${randomToken(40)}`;
    this.codes.set(value, { ...code, expiresAt: this.now() + CODE_TTL_MS, used: false });
    return value;
  }

  newConsent(pending: PendingConsent): string {
    const id = randomToken(18);
    this.consents.set(id, pending);
    return id;
  }

  validAccessToken(token: string): AccessTokenRecord | null {
    const rec = this.accessTokens.get(token);
    if (!rec || rec.grant.revoked || rec.expiresAt <= this.now()) return null;
    return rec;
  }

  revokeGrant(grant: Grant): void {
    grant.revoked = true;
  }

  /** The person removes every app's access to their account. */
  revokeAll(email: string): void {
    const lower = email.toLowerCase();
    for (const g of this.grants.values()) if (g.email.toLowerCase() === lower) g.revoked = true;
  }

  // ---- faults -------------------------------------------------------------------

  failNext(
    method: string,
    rule: { status: number; count?: number; retryAfterSeconds?: number; reason?: string },
  ): void {
    const list = this.failures.get(method) ?? [];
    list.push({
      status: rule.status,
      remaining: rule.count ?? 1,
      retryAfterSeconds: rule.retryAfterSeconds ?? null,
      reason: rule.reason ?? null,
    });
    this.failures.set(method, list);
  }

  takeFailure(method: string): FailureRule | null {
    const list = this.failures.get(method);
    const rule = list?.[0];
    if (!list || !rule) return null;
    rule.remaining -= 1;
    if (rule.remaining <= 0) list.shift();
    return rule;
  }

  // ---- mail -------------------------------------------------------------------------------

  private nextMessageId(mb: Mailbox): string {
    for (;;) {
      const id = ((BigInt(Math.max(0, Math.floor(this.now()))) << 20n) + BigInt(++this.seq))
        .toString(16)
        .padStart(16, '0');
      if (!mb.messages.has(id)) return id;
    }
  }

  nextDraftId(): string {
    return `r-${(4_611_686_018_427_387_904n + BigInt(++this.seq) * 982_451_653n).toString()}`;
  }

  /** historyIds grow by irregular steps, like Gmail's. */
  private bumpHistory(mb: Mailbox): bigint {
    mb.historyId += BigInt(1 + ((++this.seq * 7) % 13));
    return mb.historyId;
  }

  private store(
    mb: Mailbox,
    raw: Uint8Array,
    threadIdHint: string | null,
    labelIds: string[],
    internalDate: number,
  ): StoredMessage {
    const mime = parseMime(raw);
    const rfcMessageId = messageIds(headerValue(mime.headers, 'Message-ID'))[0] ?? null;
    const id = this.nextMessageId(mb);
    const threadId = threadIdHint ?? id;
    const historyId = this.bumpHistory(mb);
    const msg: StoredMessage = {
      id,
      threadId,
      labelIds: [...new Set(labelIds)],
      raw,
      mime,
      internalDate,
      historyId,
      rfcMessageId,
    };
    mb.messages.set(id, msg);
    mb.order.push(id);
    const thread = mb.threads.get(threadId) ?? [];
    thread.push(id);
    mb.threads.set(threadId, thread);
    if (rfcMessageId && !mb.rfcIndex.has(rfcMessageId)) mb.rfcIndex.set(rfcMessageId, id);
    mb.history.push({ id: historyId, at: this.now(), messageId: id, threadId });
    for (const listener of this.listeners) listener(mb, { labelIds: msg.labelIds });
    return msg;
  }

  /**
   * Delivery into the mailbox. Threads like Gmail for received mail: the thread of a message with
   * the same Message-ID, else of the latest message named by References / In-Reply-To.
   */
  insertMessage(
    email: string,
    raw: Uint8Array,
    opts: { labelIds?: string[]; internalDate?: number } = {},
  ): StoredMessage {
    const mb = this.mailbox(email);
    const mime = parseMime(raw);
    const own = messageIds(headerValue(mime.headers, 'Message-ID'))[0];
    let threadId: string | null = null;
    const sameId = own ? mb.rfcIndex.get(own) : undefined;
    if (sameId) threadId = mb.messages.get(sameId)?.threadId ?? null;
    if (!threadId) {
      const refs = [
        ...messageIds(headerValue(mime.headers, 'References')),
        ...messageIds(headerValue(mime.headers, 'In-Reply-To')),
      ];
      for (const ref of refs.reverse()) {
        const hit = mb.rfcIndex.get(ref);
        if (hit) {
          threadId = mb.messages.get(hit)?.threadId ?? null;
          break;
        }
      }
    }
    return this.store(mb, raw, threadId, opts.labelIds ?? DEFAULT_LABELS, opts.internalDate ?? this.now());
  }

  /**
   * drafts.create. The draft joins `threadId` only when Gmail's documented rules hold: threadId
   * given, References/In-Reply-To name a message of that thread, and the subjects match.
   * Otherwise Gmail silently starts a new thread, and so does the fake.
   */
  createDraft(
    mb: Mailbox,
    raw: Uint8Array,
    threadId: string | null,
  ): { draftId: string; message: StoredMessage } | 'thread_not_found' {
    let join: string | null = null;
    if (threadId) {
      const thread = mb.threads.get(threadId);
      if (!thread) return 'thread_not_found';
      const mime = parseMime(raw);
      const refs = new Set([
        ...messageIds(headerValue(mime.headers, 'References')),
        ...messageIds(headerValue(mime.headers, 'In-Reply-To')),
      ]);
      const members = thread.map((id) => mb.messages.get(id)).filter((m): m is StoredMessage => !!m);
      const named = members.some((m) => m.rfcMessageId && refs.has(m.rfcMessageId));
      const subject = normalizeSubject(headerValue(mime.headers, 'Subject'));
      const subjectMatches = members.some((m) => normalizeSubject(headerValue(m.mime.headers, 'Subject')) === subject);
      if (named && subjectMatches) join = threadId;
    }
    const message = this.store(mb, raw, join, ['DRAFT'], this.now());
    const draftId = this.nextDraftId();
    mb.drafts.set(draftId, message.id);
    return { draftId, message };
  }

  /** Drops history older than the retention window; what was dropped raises the floor. */
  pruneHistory(mb: Mailbox): void {
    const cutoff = this.now() - this.historyRetentionMs;
    while (mb.history.length && mb.history[0]!.at < cutoff) {
      const dropped = mb.history.shift()!;
      if (dropped.id > mb.historyFloor) mb.historyFloor = dropped.id;
    }
  }

  expireHistory(email: string): void {
    const mb = this.mailbox(email);
    mb.history = [];
    mb.historyFloor = mb.historyId;
  }
}
