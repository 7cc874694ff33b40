import { Hono } from 'hono';
import { gmailRoutes, UNIT_COST, type GmailMethod } from './gmail';
import { createSigningKeys } from './keys';
import { oauthRoutes } from './oauth';
import { createPubSub, type PushConfig, type PushDeliverer, type PushRecord } from './pubsub';
import { DEFAULT_CLIENT, FakeState, normalizeScope, type FakeClient } from './state';

/**
 * A faithful in-memory Google: OAuth 2.0 (consent screen, token, revoke, JWKS), the Gmail API
 * methods Draftline uses, and Cloud Pub/Sub push for watched mailboxes. Mount `app` anywhere
 * (`parent.route('/sandbox/google', fake.app)`); routes are relative. Holds mail in memory only and
 * never logs it. See state.ts (model), oauth.ts, gmail.ts, pubsub.ts (wire behaviour).
 */

export { DEFAULT_CLIENT, GMAIL_SCOPE } from './state';
export { DEFAULT_PUSH_SERVICE_ACCOUNT, PUSH_SUBSCRIPTION, type PushRecord } from './pubsub';
export { UNIT_COST, type GmailMethod } from './gmail';

export type FaultMethod = GmailMethod | 'token' | 'revoke';

export interface GoogleFakeOptions {
  /** Clock for token expiry, history retention, watch expiration and internalDate (ms epoch). */
  now?: () => number;
  /** Every request waits this long first (benchmarks). Default 0. */
  latencyMs?: number;
  /** How long history records are kept, in ms (Gmail keeps about a week). Older startHistoryIds get 404. */
  historyRetention?: number;
  /** The default OAuth client (defaults to the sandbox config's `sandbox-client-id`/`sandbox-client-secret`, any redirect URI). */
  client?: Partial<FakeClient>;
}

export interface FakeMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  raw: string;
  internalDate: number;
  historyId: string;
}

export interface GoogleFake {
  app: Hono;
  readonly client: FakeClient;
  registerClient(client: {
    clientId: string;
    clientSecret: string;
    redirectUris?: string[] | null;
    name?: string;
  }): void;
  /** Which Google account "is signed in" on the consent screen (default merchant@example.com). */
  consentAs(email: string): void;
  /** Drives the consent screen like a person would; returns the redirect back to the client. */
  authorize(authUrl: string, opts?: { grant?: string[]; cancel?: boolean }): Promise<URL>;
  issueRefreshToken(email: string, scopes: string[], opts?: { clientId?: string }): string;
  revokeAll(email: string): void;
  /** Access tokens issued so far answer 401 from now on; the next call must refresh. */
  expireAccessTokens(): void;
  insertMessage(
    email: string,
    raw: string | Uint8Array,
    opts?: { labelIds?: string[]; internalDate?: number },
  ): { id: string; threadId: string; historyId: string };
  messages(email: string): FakeMessage[];
  drafts(email: string): Array<{ id: string; threadId: string; raw: string }>;
  historyId(email: string): string;
  expireHistory(email: string): void;
  watchOf(
    email: string,
  ): { topicName: string; labelIds: string[]; labelFilterBehavior: string; expiration: number } | null;
  /** Quota units served for this mailbox (Google's per-method costs). */
  units(email: string): number;
  /** Requests to the token endpoint so far (code exchanges and refreshes). */
  tokenRequests(): number;
  /** Grants ended through POST /revoke so far. */
  revocations(): number;
  /** Authenticated calls per method, including ones answered with an injected or scope error. */
  calls(email: string): Record<string, number>;
  failNext(
    method: FaultMethod,
    rule: { status: number; count?: number; retryAfterSeconds?: number; reason?: string },
  ): void;
  configurePush(config: PushConfig): void;
  onPush(deliver: PushDeliverer): void;
  signPushToken(claimsOverride?: Record<string, unknown>, opts?: { foreignKey?: boolean }): Promise<string>;
  /** Resolves when every push under way has been answered. */
  flushPushes(): Promise<void>;
  pushes(): PushRecord[];
  redeliverFailedPushes(): Promise<void>;
  reset(): void;
}

const decoder = new TextDecoder();

export function createGoogleFake(options: GoogleFakeOptions = {}): GoogleFake {
  const now = options.now ?? Date.now;
  const client: FakeClient = { ...DEFAULT_CLIENT, ...options.client };
  const state = new FakeState({ now, historyRetentionMs: options.historyRetention, client });
  const keys = createSigningKeys();
  const pubsub = createPubSub(state, keys);
  state.listeners.push((mb, change) => pubsub.notifyIfWatched(mb, change.labelIds));

  const app = new Hono();
  const latency = options.latencyMs ?? 0;
  if (latency > 0) {
    app.use('*', async (_c, next) => {
      await new Promise((r) => setTimeout(r, latency));
      await next();
    });
  }
  app.route('/', oauthRoutes(state, keys));
  app.route('/', gmailRoutes(state, pubsub));

  const mailboxOf = (email: string) => state.mailbox(email);

  return {
    app,
    client,
    registerClient: (c) =>
      state.clients.set(c.clientId, {
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        redirectUris: c.redirectUris ?? null,
        name: c.name ?? c.clientId,
      }),
    consentAs: (email) => {
      state.signedInAs = email;
      state.mailbox(email);
    },
    authorize: async (authUrl, opts = {}) => {
      const url = new URL(authUrl);
      const at = url.pathname.indexOf('/o/oauth2/v2/auth');
      if (at < 0) throw new Error('authorize: not an /o/oauth2/v2/auth URL');
      const first = await app.request(`http://fake.local/o/oauth2/v2/auth${url.search}`);
      if (first.status === 302) return new URL(first.headers.get('location')!);
      const page = await first.text();
      if (first.status !== 200) throw new Error(`authorize: consent screen answered ${first.status}`);
      const requestId = /name="request_id" value="([^"]+)"/.exec(page)?.[1];
      if (!requestId) throw new Error('authorize: no consent form');
      const offered = [...page.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
      const form = new URLSearchParams({ request_id: requestId, action: opts.cancel ? 'cancel' : 'allow' });
      for (const s of offered) if (!opts.grant || opts.grant.map(normalizeScope).includes(s)) form.append('scope', s);
      const answer = await app.request('http://fake.local/o/oauth2/v2/auth', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      const location = answer.headers.get('location');
      if (answer.status !== 302 || !location) throw new Error(`authorize: consent answered ${answer.status}`);
      return new URL(location);
    },
    issueRefreshToken: (email, scopes, opts = {}) => {
      const grant = state.grantFor(email, opts.clientId ?? state.defaultClientId);
      return state.newRefreshToken(grant, scopes.map(normalizeScope));
    },
    revokeAll: (email) => state.revokeAll(email),
    expireAccessTokens: () => state.expireAccessTokens(),
    insertMessage: (email, raw, opts = {}) => {
      const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : new Uint8Array(raw);
      const m = state.insertMessage(email, bytes, opts);
      return { id: m.id, threadId: m.threadId, historyId: m.historyId.toString() };
    },
    messages: (email) => {
      const mb = mailboxOf(email);
      return mb.order.map((id) => {
        const m = mb.messages.get(id)!;
        return {
          id: m.id,
          threadId: m.threadId,
          labelIds: [...m.labelIds],
          raw: decoder.decode(m.raw),
          internalDate: m.internalDate,
          historyId: m.historyId.toString(),
        };
      });
    },
    drafts: (email) => {
      const mb = mailboxOf(email);
      return [...mb.drafts.entries()].map(([id, messageId]) => {
        const m = mb.messages.get(messageId)!;
        return { id, threadId: m.threadId, raw: decoder.decode(m.raw) };
      });
    },
    historyId: (email) => mailboxOf(email).historyId.toString(),
    expireHistory: (email) => state.expireHistory(email),
    watchOf: (email) => {
      const w = mailboxOf(email).watch;
      return w && w.expiration > now() ? { ...w, labelIds: [...w.labelIds] } : null;
    },
    units: (email) => state.findMailbox(email)?.units ?? 0,
    tokenRequests: () => state.tokenRequests,
    revocations: () => state.revocations,
    calls: (email) => Object.fromEntries(state.findMailbox(email)?.calls ?? []),
    failNext: (method, rule) => {
      if (method !== 'token' && method !== 'revoke' && !(method in UNIT_COST))
        throw new Error(`failNext: unknown method ${method}`);
      state.failNext(method, rule);
    },
    configurePush: (config) => pubsub.configure(config),
    onPush: (deliver) => pubsub.onPush(deliver),
    signPushToken: (claims, opts) => pubsub.signPushToken(claims, opts),
    flushPushes: () => pubsub.flush(),
    pushes: () => pubsub.log(),
    redeliverFailedPushes: () => pubsub.redeliverFailed(),
    reset: () => {
      state.reset();
      pubsub.reset();
    },
  };
}
