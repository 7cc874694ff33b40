import type { TestRuntime } from './runtime';

/**
 * A minimal browser over app.request: keeps cookies per host path, follows redirects within the
 * app (the sandbox fakes live there too), sends Origin on POSTs like a browser does, and can read
 * form fields (CSRF token) out of pages. Enough to drive the setup flow without Chromium.
 */
export interface Page {
  status: number;
  url: string;
  html: string;
  headers: Headers;
}

export function browserClient(rt: TestRuntime, opts: { origin?: string } = {}) {
  const cookies = new Map<string, string>();
  const origin = opts.origin ?? rt.config.appUrl;

  function store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (!value || /max-age=0/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
  }

  async function raw(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('accept', headers.get('accept') ?? 'text/html');
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const abs = new URL(url, rt.config.appUrl).toString();
    const res = await rt.app.request(abs, { ...init, headers, redirect: 'manual' });
    store(res);
    return res;
  }

  async function go(url: string, init: RequestInit = {}, hops = 10): Promise<Page> {
    let res = await raw(url, init);
    let current = new URL(url, rt.config.appUrl).toString();
    while (res.status >= 300 && res.status < 400 && hops-- > 0) {
      current = new URL(res.headers.get('location')!, current).toString();
      if (!current.startsWith(rt.config.appUrl)) break;
      res = await raw(current);
    }
    return { status: res.status, url: current, html: await res.text(), headers: res.headers };
  }

  return {
    cookies,
    raw,
    get: (url: string) => go(url),
    post: (url: string, form: Record<string, string | string[]>, extra: { origin?: string | null } = {}) => {
      const body = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      const o = extra.origin === undefined ? origin : extra.origin;
      if (o) headers.origin = o;
      return go(url, { method: 'POST', headers, body: body.toString() });
    },
  };
}

/** The value of a named hidden field in a page (first match). */
export function field(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no field ${name} in page`);
  return m[1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
}
