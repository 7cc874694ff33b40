import type { FetchLike } from '../../src/platform/fetch';

/**
 * Network faults below the HTTP clients, where a real network would cause them: wraps the fetch
 * every client uses (createLocalRuntime's wrapFetch), so the sandbox fakes stay untouched and the
 * real Gmail, OAuth, store and model clients meet the fault exactly as they would in production.
 *
 * - hang: the request is never answered; it ends only when the caller's signal aborts (the
 *   client's timeout). A hang nobody cuts short stays pending and is counted (stuck()).
 * - drop: the connection is reset before the request reached the server (undici's
 *   TypeError('fetch failed') with an ECONNRESET cause).
 * - drop_after: the server handled the request, then the connection died before the answer
 *   arrived: the caller sees a network error for something that did happen.
 */
export type NetFault = 'hang' | 'drop' | 'drop_after';

/** What a request is, by method and path (Gmail method names as the Google fake counts them). */
export type Target =
  | 'token'
  | 'getProfile'
  | 'watch'
  | 'history.list'
  | 'messages.list'
  | 'messages.get'
  | 'threads.get'
  | 'drafts.create'
  | 'drafts.list'
  | 'store'
  | 'model'
  | 'other';

export function targetOf(req: Request): Target {
  const path = new URL(req.url).pathname;
  if (/\/google\/token$/.test(path)) return 'token';
  const gmail = /\/gmail\/v1\/users\/[^/]+\/(.*)$/.exec(path);
  if (gmail) {
    const rest = gmail[1]!;
    if (rest === 'profile') return 'getProfile';
    if (rest === 'watch') return 'watch';
    if (rest === 'history') return 'history.list';
    if (rest === 'messages') return 'messages.list';
    if (rest.startsWith('messages/')) return 'messages.get';
    if (rest.startsWith('threads/')) return 'threads.get';
    if (rest === 'drafts') return req.method === 'POST' ? 'drafts.create' : 'drafts.list';
    return 'other';
  }
  if (/\/sandbox\/(shopify|woocommerce)\//.test(path)) return 'store';
  if (/\/sandbox\/openai\//.test(path)) return 'model';
  return 'other';
}

export function connectionReset(): TypeError {
  const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
  return new TypeError('fetch failed', { cause });
}

export interface FaultFetch {
  wrap(fetch: FetchLike): FetchLike;
  /** The next `count` requests to `target` meet `fault`. */
  failNext(target: Target, fault: NetFault, count?: number): void;
  /** Faults served so far, by `${target}:${fault}`. */
  served(): Record<string, number>;
  /** Faults planned but not (yet) met. */
  pending(): number;
  /** Hung requests nobody cut short: each is a client without a timeout. */
  stuck(): number;
  /** Ends stuck requests (test cleanup) and forgets planned faults. */
  clear(): void;
  /** Called before every request is passed on (after any fault decision). */
  onRequest?: (target: Target, req: Request) => void | Promise<void>;
}

export function createFaultFetch(): FaultFetch {
  const plans = new Map<Target, { fault: NetFault; left: number }[]>();
  const served = new Map<string, number>();
  const stuck = new Set<(err: unknown) => void>();

  const take = (target: Target): NetFault | null => {
    const list = plans.get(target);
    const first = list?.[0];
    if (!list || !first) return null;
    if (--first.left <= 0) list.shift();
    served.set(`${target}:${first.fault}`, (served.get(`${target}:${first.fault}`) ?? 0) + 1);
    return first.fault;
  };

  const hang = (signal: AbortSignal) =>
    new Promise<Response>((_, reject) => {
      const end = (err: unknown) => {
        stuck.delete(end);
        reject(err);
      };
      if (signal.aborted) return reject(signal.reason);
      stuck.add(end);
      signal.addEventListener('abort', () => end(signal.reason ?? new DOMException('aborted', 'AbortError')), {
        once: true,
      });
    });

  const layer: FaultFetch = {
    wrap: (fetch) => async (input, init) => {
      const req = new Request(input, init);
      const target = targetOf(req);
      const fault = take(target);
      await layer.onRequest?.(target, req);
      if (fault === 'hang') return hang(req.signal);
      if (fault === 'drop') throw connectionReset();
      const res = await fetch(req);
      if (fault === 'drop_after') {
        await res.arrayBuffer().catch(() => undefined);
        throw connectionReset();
      }
      return res;
    },
    failNext: (target, fault, count = 1) => {
      const list = plans.get(target) ?? [];
      list.push({ fault, left: count });
      plans.set(target, list);
    },
    served: () => Object.fromEntries(served),
    pending: () => [...plans.values()].reduce((n, l) => n + l.reduce((m, p) => m + p.left, 0), 0),
    stuck: () => stuck.size,
    clear: () => {
      plans.clear();
      for (const end of [...stuck]) end(new Error('test cleanup'));
    },
  };
  return layer;
}
