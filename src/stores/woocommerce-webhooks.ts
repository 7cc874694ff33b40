import type { FetchLike } from '../platform/fetch';
import { ok, refused, type Ok, type Refused } from '../platform/result';
import { wooRestClient } from './woocommerce';

/**
 * The webhooks Draftline keeps registered in a WooCommerce store, through REST v3
 * (/wp-json/wc/v3/webhooks): the calls, and how a store's webhooks are created, checked, repaired
 * and removed. What was found is returned; the use cases record it (accounts/woo-webhook-registration.ts,
 * pipeline/woo-store-repair.ts).
 *
 * checkWooWebhooks turns a disabled webhook back on, or recreates a deleted one (why they need it:
 * pipeline/woo-store-repair.ts).
 *
 * Managing webhooks needs an API key with write permission ('read_write'); a 'read' key gets 401
 * "The API key provided does not have write permissions.", which is reported as an error (the
 * caller marks the store 'failing').
 */
export const WOO_WEBHOOK_TOPICS = ['customer.deleted'] as const;

export type WooWebhookStatus = 'active' | 'restored' | 'failing';

interface WooWebhook {
  id: number;
  status: 'active' | 'paused' | 'disabled';
  topic: string;
  delivery_url: string;
}

/** A failed webhook call: the HTTP status and WooCommerce's error code, never its message or body. */
export class WooWebhookError extends Error {
  override readonly name = 'WooWebhookError';
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`woocommerce_webhook_error status=${status} code=${code}`);
  }

  /** The webhook does not exist (any more): WooCommerce answers 404, or 400 "ID is invalid." on GET/PUT. */
  get gone(): boolean {
    return this.status === 404 || (this.status === 400 && this.code === 'woocommerce_rest_shop_webhook_invalid_id');
  }
}

export interface WooWebhooksApi {
  create(body: Record<string, unknown>): Promise<WooWebhook>;
  get(id: number): Promise<WooWebhook>;
  update(id: number, body: Record<string, unknown>): Promise<WooWebhook>;
  remove(id: number): Promise<WooWebhook>;
}

/** Webhook calls for one store, through the same client as the order source (wooRestClient). */
export function wooWebhooksClient(opts: {
  storeUrl: string;
  consumerKey: string;
  consumerSecret: string;
  fetch: FetchLike;
}): WooWebhooksApi {
  const api = wooRestClient(opts);
  const call = async (request: Promise<{ data: unknown }>): Promise<WooWebhook> => {
    let data: unknown;
    try {
      ({ data } = await request);
    } catch (err) {
      const response = (err as { response?: { status?: number; data?: { code?: unknown } } }).response;
      const code =
        typeof response?.data?.code === 'string' && /^[a-z0-9_]{1,80}$/.test(response.data.code)
          ? response.data.code
          : 'unknown';
      throw new WooWebhookError(response?.status ?? 0, response ? code : 'network');
    }
    const hook = data as Partial<WooWebhook> | null;
    if (!hook || typeof hook.id !== 'number') throw new WooWebhookError(200, 'bad_response');
    return hook as WooWebhook;
  };
  return {
    create: (body) => call(api.post('webhooks', body)),
    get: (id) => call(api.get(`webhooks/${id}`)),
    update: (id, body) => call(api.put(`webhooks/${id}`, body)),
    remove: (id) => call(api.delete(`webhooks/${id}`, { force: true })),
  };
}

/** Where our webhooks deliver, and the secret they sign with. */
export interface WooWebhookTarget {
  deliveryUrl: string;
  secret: string;
}

const newWebhookBody = (target: WooWebhookTarget, topic: string) => ({
  name: `Draftline (${topic})`,
  topic,
  delivery_url: target.deliveryUrl,
  secret: target.secret,
  status: 'active',
});

/** A store call failed: what was done before it stands, `error` is why (whatever was thrown). */
type CallFailed<X extends object> = Refused<'call_failed', X & { error: unknown }>;

/**
 * Creates one webhook per topic. Never throws: `created` holds the ids of those made, also when a
 * call failed before the last one.
 */
export async function createWooWebhooks(
  api: WooWebhooksApi,
  target: WooWebhookTarget,
): Promise<Ok<{ created: number[] }> | CallFailed<{ created: number[] }>> {
  const created: number[] = [];
  try {
    for (const topic of WOO_WEBHOOK_TOPICS) created.push((await api.create(newWebhookBody(target, topic))).id);
  } catch (err) {
    return refused('call_failed', { created, error: err });
  }
  return ok({ created });
}

/**
 * Deletes these webhooks. Never throws; `left` are the ids that could not be removed (a webhook
 * already gone counts as removed), `errors` why.
 */
export async function deleteWooWebhooks(
  api: WooWebhooksApi,
  ids: number[],
): Promise<{ left: number[]; errors: unknown[] }> {
  const left: number[] = [];
  const errors: unknown[] = [];
  for (const id of ids) {
    try {
      await api.remove(id);
    } catch (err) {
      if (!(err instanceof WooWebhookError && err.gone)) {
        left.push(id);
        errors.push(err);
      }
    }
  }
  return { left, errors };
}

/**
 * Checks each registered webhook (GET /webhooks/{id}). Disabled (by WooCommerce, after repeated
 * failures) → turned back on with our URL and secret; deleted → recreated; paused (by the merchant,
 * on purpose) → left alone and reported 'failing' so the status page can ask them. `resign`: the
 * secret is new, so every webhook is given it. Never throws: a store that cannot be checked is
 * 'failing' (call_failed), keeps every id not seen gone, and `error` says why.
 */
export async function checkWooWebhooks(
  api: WooWebhooksApi,
  ids: number[],
  target: WooWebhookTarget & { resign: boolean },
): Promise<Ok<{ kept: number[]; status: WooWebhookStatus }> | CallFailed<{ kept: number[]; status: 'failing' }>> {
  const kept: number[] = [];
  const gone = new Set<number>();
  let restored = false;
  let failing = false;
  try {
    const covered = new Set<string>();
    for (const id of ids) {
      let hook: WooWebhook;
      try {
        hook = await api.get(id);
      } catch (err) {
        if (!(err instanceof WooWebhookError && err.gone)) throw err;
        gone.add(id); // recreated below, under a new id
        continue;
      }
      kept.push(id);
      covered.add(hook.topic);
      if (hook.status === 'paused') {
        failing = true;
      } else if (hook.status !== 'active' || hook.delivery_url !== target.deliveryUrl || target.resign) {
        await api.update(id, { status: 'active', delivery_url: target.deliveryUrl, secret: target.secret });
        restored = true;
      }
    }
    // Topics with no webhook (never created, or deleted in the store): create them now.
    for (const topic of WOO_WEBHOOK_TOPICS.filter((t) => !covered.has(t))) {
      const hook = await api.create(newWebhookBody(target, topic));
      kept.push(hook.id);
      restored = true;
    }
  } catch (err) {
    // The store could not be checked: keep every id we did not see gone, and try again next time.
    kept.push(...ids.filter((id) => !kept.includes(id) && !gone.has(id)));
    return refused('call_failed', { kept, status: 'failing', error: err });
  }
  return ok({ kept, status: failing ? 'failing' : restored ? 'restored' : 'active' });
}
