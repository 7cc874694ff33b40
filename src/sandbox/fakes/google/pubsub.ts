import { SANDBOX_PLACEHOLDERS } from '../../../config';
import type { JWTPayload } from 'jose';
import type { SigningKeys } from './keys';
import { bytesToLatin1 } from './mime';
import { GOOGLE_ISSUER } from './oauth';
import type { FakeState, Mailbox } from './state';

/**
 * Cloud Pub/Sub push for Gmail watch notifications. When a watched mailbox changes (and the change
 * passes the watch's label filter), the fake POSTs what a push subscription would:
 *   {message:{data: base64(JSON {emailAddress, historyId:number}), messageId, message_id,
 *             publishTime, publish_time, attributes:{}}, subscription}
 * with `Authorization: Bearer <OIDC JWT>` signed by the fake's key (iss accounts.google.com,
 * aud = the subscription's audience, email = the push service account, email_verified true).
 *
 * Delivery starts synchronously inside the change (insertMessage, drafts.create) whenever a signed
 * token is cached, so a caller that tracks the promise handed to `onPush` sees it at once. The
 * token is signed when push is configured and before `watch` answers (like Pub/Sub, one token is
 * reused for up to an hour). Non-2xx answers are recorded; `redeliverFailed()` plays Pub/Sub's retry.
 */

export const PUSH_SUBSCRIPTION = 'projects/sandbox/subscriptions/gmail-push';
export const DEFAULT_PUSH_SERVICE_ACCOUNT = SANDBOX_PLACEHOLDERS.googlePushServiceAccount;
const SERVICE_ACCOUNT_UID = '109876543210987654321';
const TOKEN_TTL_S = 3600;
const TOKEN_REFRESH_MARGIN_S = 600;

export interface PushConfig {
  endpoint: string;
  /** The subscription's OIDC audience; defaults to the endpoint URL like Pub/Sub does. */
  audience?: string;
  serviceAccountEmail?: string;
}

export interface PushRecord {
  messageId: string;
  emailAddress: string;
  historyId: string;
  publishTime: string;
  attempts: number;
  /** Last HTTP status from the endpoint; null while not delivered (no endpoint or deliverer yet); 0 when delivery threw. */
  status: number | null;
}

export type PushDeliverer = (req: Request) => Promise<Response>;

export interface PubSub {
  configure(config: PushConfig): void;
  onPush(deliver: PushDeliverer): void;
  /** Ensures a signed push token is cached (called by watch before it answers). */
  ready(): Promise<void>;
  notifyIfWatched(mb: Mailbox, labelIds: string[]): void;
  signPushToken(claims?: Record<string, unknown>, opts?: { foreignKey?: boolean }): Promise<string>;
  flush(): Promise<void>;
  log(): PushRecord[];
  redeliverFailed(): Promise<void>;
  reset(): void;
}

export function createPubSub(state: FakeState, keys: SigningKeys): PubSub {
  let config: Required<PushConfig> | null = null;
  let deliverer: PushDeliverer | null = null;
  let cached: { token: string; exp: number; audience: string; email: string } | null = null;
  let signing: Promise<void> | null = null;
  let seq = 0;
  const inflight = new Set<Promise<void>>();
  let records: PushRecord[] = [];

  const nowS = () => Math.floor(state.now() / 1000);

  function claimsFor(override: Record<string, unknown> = {}): JWTPayload {
    const iat = nowS();
    const base: Record<string, unknown> = {
      aud: config?.audience ?? 'http://sandbox.test/webhooks/gmail',
      azp: SERVICE_ACCOUNT_UID,
      email: config?.serviceAccountEmail ?? DEFAULT_PUSH_SERVICE_ACCOUNT,
      email_verified: true,
      exp: iat + TOKEN_TTL_S,
      iat,
      iss: GOOGLE_ISSUER,
      sub: SERVICE_ACCOUNT_UID,
      ...override,
    };
    for (const [k, v] of Object.entries(base)) if (v === undefined) delete base[k];
    return base as JWTPayload;
  }

  function tokenUsable(): boolean {
    return (
      !!cached &&
      !!config &&
      cached.audience === config.audience &&
      cached.email === config.serviceAccountEmail &&
      cached.exp - nowS() > TOKEN_REFRESH_MARGIN_S
    );
  }

  function ensureToken(): Promise<void> {
    if (tokenUsable()) return Promise.resolve();
    if (!config) return keys.ready();
    signing ??= (async () => {
      try {
        const cfg = config!;
        const claims = claimsFor();
        const token = await keys.sign(claims);
        cached = { token, exp: Number(claims.exp), audience: cfg.audience, email: cfg.serviceAccountEmail };
      } finally {
        signing = null;
      }
    })();
    return signing;
  }

  function send(record: PushRecord): void {
    if (!config || !deliverer || !cached) return;
    record.attempts += 1;
    const json = JSON.stringify({ emailAddress: record.emailAddress, historyId: Number(record.historyId) });
    const data = btoa(bytesToLatin1(new TextEncoder().encode(json)));
    const body = {
      message: {
        data,
        messageId: record.messageId,
        message_id: record.messageId,
        publishTime: record.publishTime,
        publish_time: record.publishTime,
        attributes: {},
      },
      subscription: PUSH_SUBSCRIPTION,
    };
    const req = new Request(config.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${cached.token}`,
        'user-agent': 'APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)',
      },
      body: JSON.stringify(body),
    });
    let p: Promise<void>;
    try {
      p = deliverer(req).then(
        (res) => {
          record.status = res.status;
        },
        () => {
          record.status = 0;
        },
      );
    } catch {
      record.status = 0;
      return;
    }
    const tracked = p.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  }

  function deliver(record: PushRecord): void {
    if (tokenUsable()) {
      send(record);
      return;
    }
    // Token missing or stale (e.g. the fake clock jumped): sign, then send. flush() awaits this.
    const later = ensureToken()
      .then(() => send(record))
      .catch(() => {
        record.status = 0;
      });
    const tracked = later.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  }

  return {
    configure(next) {
      config = {
        endpoint: next.endpoint,
        audience: next.audience ?? next.endpoint,
        serviceAccountEmail: next.serviceAccountEmail ?? DEFAULT_PUSH_SERVICE_ACCOUNT,
      };
      cached = null;
      void ensureToken().catch(() => undefined);
    },
    onPush(fn) {
      deliverer = fn;
    },
    ready: () => ensureToken(),
    notifyIfWatched(mb, labelIds) {
      const w = mb.watch;
      if (!w || w.expiration <= state.now()) return;
      if (w.labelIds.length) {
        const hit = labelIds.some((l) => w.labelIds.includes(l));
        if (w.labelFilterBehavior === 'include' ? !hit : hit) return;
      }
      const record: PushRecord = {
        messageId: String(17_000_000_000_000_000n + BigInt(++seq) * 1_000_003n),
        emailAddress: mb.email,
        historyId: mb.historyId.toString(),
        publishTime: new Date(state.now()).toISOString(),
        attempts: 0,
        status: null,
      };
      records.push(record);
      deliver(record);
    },
    signPushToken: (claims, opts = {}) => keys.sign(claimsFor(claims), { foreign: !!opts.foreignKey }),
    async flush() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
    log: () => records.map((r) => ({ ...r })),
    async redeliverFailed() {
      for (const r of records) if (r.status === null || r.status < 200 || r.status > 299) deliver(r);
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
    reset() {
      records = [];
    },
  };
}
