import type { FetchLike } from '../../src/platform/fetch';

/**
 * The fetch the benchmarked app uses: every request to a sandbox URL goes to that fake's Hono app
 * in-process, after a set delay per service (the "network"). Each call is logged with its start and
 * end time, and with the CPU time the fake itself spent, so that the app's own CPU can be told
 * apart from the fakes' (they run in the same process).
 */
export type Service = 'google' | 'store' | 'llm';

export interface RoutedCall {
  service: Service;
  /** Gmail method name ("messages.get"), "oauth.token", "jwks", "orders" or "chat". */
  name: string;
  start: number;
  end: number;
  /** CPU microseconds spent inside the fake (meaningful only when calls do not overlap). */
  fakeCpuMicros: number;
}

export interface Route {
  prefix: string;
  service: Service;
  app: { fetch(req: Request): Response | Promise<Response> };
}

export interface Router {
  fetch: FetchLike;
  calls: RoutedCall[];
  latencyMs: Record<Service, number>;
  /**
   * 'inside': a call lasts its latency in all, the fake's work inside it (as a real service's answer
   * time holds its own work). 'on_top': the latency, then the fake's work (the bench before issue
   * 16's last stop; kept to show what the other side's work weighs).
   */
  work: SideWork;
  /** Called with each chat completion request body and its response body (both parsed JSON). */
  onChat?: (request: unknown, response: unknown) => void;
}

export type SideWork = 'inside' | 'on_top';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves at `deadline` (performance.now() time), never before: timers alone may fire up to a
 * millisecond early (libuv counts from the loop's cached clock), so the last stretch is waited out
 * turn by turn, other work running in between.
 */
export async function waitUntil(deadline: number): Promise<void> {
  // Timers fire at most ~0.75 ms early here: the turn-by-turn stretch is kept under 1 ms.
  const coarse = Math.ceil(deadline - performance.now()) - 1;
  if (coarse > 0) await sleep(coarse);
  while (performance.now() < deadline) await new Promise((r) => setImmediate(r));
}

export function createRouter(routes: Route[], latencyMs: Record<Service, number>): Router {
  const router: Router = { calls: [], latencyMs, work: 'inside', fetch: async () => new Response(null) };
  router.fetch = async (input, init) => {
    const req = new Request(input, init);
    const route = routes.find((r) => req.url.startsWith(r.prefix));
    if (!route) throw new Error(`bench router: no fake serves ${new URL(req.url).origin}`);
    // Building the Request and reading its body is what a real fetch does for the app; everything
    // after it stands for the network and the other side (the fake's request, its answer, the
    // copy handed back), so it is billed to the fake, not the app, and by default lasts `delay`
    // in all, the fake's own work inside it.
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer();
    const start = performance.now();
    const delay = router.latencyMs[route.service];
    if (delay > 0 && router.work === 'on_top') await sleep(delay);
    const cpu = process.cpuUsage();
    const url = new URL(req.url);
    const target = new URL(req.url.slice(route.prefix.length) || '/', 'http://fake.local');
    target.search = url.search;
    const name = callName(route.service, req.method, target.pathname);
    const res = await route.app.fetch(new Request(target, { method: req.method, headers: req.headers, body }));
    const bytes = await res.arrayBuffer();
    const answer = new Response(bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
    const used = process.cpuUsage(cpu);
    if (delay > 0 && router.work === 'inside') await waitUntil(start + delay);

    if (name === 'chat' && router.onChat && body) {
      router.onChat(JSON.parse(new TextDecoder().decode(body)), safeJson(bytes));
    }
    router.calls.push({
      service: route.service,
      name,
      start,
      end: performance.now(),
      fakeCpuMicros: used.user + used.system,
    });
    return answer;
  };
  return router;
}

function safeJson(bytes: ArrayBuffer): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/** A short name for a call, matching the Gmail method names the Google fake counts units by. */
function callName(service: Service, method: string, path: string): string {
  if (service === 'llm') return path.endsWith('/chat/completions') ? 'chat' : 'llm.other';
  if (service === 'store') return 'orders';
  if (path === '/token') return 'oauth.token';
  if (path.endsWith('/certs')) return 'jwks';
  const gmail = /^\/gmail\/v1\/users\/[^/]+\/(.+)$/.exec(path)?.[1] ?? path;
  if (gmail === 'profile') return 'getProfile';
  if (gmail === 'history') return 'history.list';
  if (gmail === 'watch') return 'watch';
  if (gmail.startsWith('messages/')) return 'messages.get';
  if (gmail === 'messages') return 'messages.list';
  if (gmail.startsWith('threads/')) return 'threads.get';
  if (gmail === 'drafts') return method === 'POST' ? 'drafts.create' : 'drafts.list';
  return `gmail:${gmail}`;
}
