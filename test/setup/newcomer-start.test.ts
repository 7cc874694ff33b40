import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { LIVE_ENV, runtimeForTest, type TestRuntime } from '../support/runtime';

/**
 * The newcomer's `npm start`: the printed URL follows PORT and works, whichever local host is typed
 * the sign-in ends on APP_URL's, and a taken port or an unusable database ends the start with one
 * line saying what to change.
 */

const base = { TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'), SESSION_SECRET: 'x'.repeat(32) };

describe('APP_URL default', () => {
  it('follows PORT when APP_URL is not set (sandbox)', () => {
    const config = parseConfig({ ...base, PORT: '18800' });
    expect(config.mode).toBe('sandbox');
    expect(config.appUrl).toBe('http://localhost:18800');
    expect(config.google.redirectUri).toBe('http://localhost:18800/auth/google/callback');
    expect(config.google.authUrl).toBe('http://localhost:18800/sandbox/google/o/oauth2/v2/auth');
    expect(parseConfig(base).appUrl).toBe('http://localhost:8787');
  });
});

describe('canonical host (sandbox)', () => {
  let rt: TestRuntime;

  // The test runtime's APP_URL is http://draftline.test; the newcomer typed 127.0.0.1 instead.
  const other = 'http://127.0.0.1:8787';

  it('redirects a page on another host to the same path and query on APP_URL, setting no cookie', async () => {
    rt = await runtimeForTest();
    // The control: on APP_URL's host, the sign-in sets its state cookie.
    const here = await rt.app.request(`${rt.config.appUrl}/auth/google/start`, { redirect: 'manual' });
    expect(here.headers.getSetCookie().join('\n')).toMatch(/dl_oauth_google=/);

    const res = await rt.app.request(`${other}/auth/google/start?next=%2Fapp&x=1`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://draftline.test/auth/google/start?next=%2Fapp&x=1');
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get('cache-control')).toBe('no-store');

    for (const path of ['/', '/app', '/sandbox/mail']) {
      const page = await rt.app.request(`${other}${path}`, { redirect: 'manual' });
      expect(page.status, path).toBe(302);
      expect(page.headers.get('location'), path).toBe(`http://draftline.test${path}`);
    }
  });

  it('keeps the method and body of a post from the other host (307), and never leaves APP_URL’s origin', async () => {
    rt = await runtimeForTest();
    const post = await rt.app.request(`${other}/app/pause?a=b`, {
      method: 'POST',
      body: 'csrf=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(post.status).toBe(307);
    expect(post.headers.get('location')).toBe('http://draftline.test/app/pause?a=b');
    expect(post.headers.getSetCookie()).toEqual([]);

    // The target is built from APP_URL, not the Host header; a path that looks like another host stays a path.
    for (const [host, path] of [
      ['evil.example', '/x'],
      ['127.0.0.1:8787', '//evil.example/x'],
      ['127.0.0.1:8787', '/\\evil.example/x'],
    ] as const) {
      const res = await rt.app.request(`http://${host}${path}`, { redirect: 'manual' });
      const location = res.headers.get('location')!;
      expect(new URL(location).origin, path).toBe('http://draftline.test');
      expect(location.startsWith('http://draftline.test/'), path).toBe(true);
    }
  });

  it('answers /healthz, webhooks and the sandbox’s fakes and curl endpoints on any host', async () => {
    rt = await runtimeForTest();
    const health = await rt.app.request(`${other}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, mode: 'sandbox' });

    for (const path of ['/webhooks/gmail', '/webhooks/shopify', '/webhooks/woocommerce']) {
      const res = await rt.app.request(`${other}${path}`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('location'), path).toBeNull();
    }

    expect((await rt.app.request(`${other}/sandbox/gmail/drafts`)).status).toBe(200);
    const reset = await rt.app.request(`${other}/sandbox/reset`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(reset.status).toBe(400); // answered (the body is wrong), not redirected
    const certs = await rt.app.request(`${other}/sandbox/google/oauth2/v3/certs`);
    expect(certs.status).toBe(200);
  });

  it('does nothing in live mode (APP_URL names the public host; proxies and workers.dev may forward another)', async () => {
    rt = await runtimeForTest(LIVE_ENV);
    const res = await rt.app.request('http://draftline-app.acme.workers.dev/', { redirect: 'manual' });
    expect(res.status).toBe(200);
  });
});

/**
 * `npm start` for real: the tsx CLI running src/node.ts in a child process, in a temporary folder
 * (it writes generated secrets to .dev.vars in its working directory, which must not be the repo),
 * with no credential in its environment.
 */
describe('npm start in a child process', () => {
  const REPO = fileURLToPath(new URL('../..', import.meta.url));
  const TSX = join(REPO, 'node_modules', '.bin', 'tsx');
  const children: Started[] = [];
  const dirs: string[] = [];
  const servers: Server[] = [];

  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop()));
    await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  interface Started {
    /** Its working directory (a fresh temporary folder). */
    cwd: string;
    stdout: () => string;
    stderr: () => string;
    /** Resolves with the exit code, or rejects after `ms`. */
    exited: (ms: number) => Promise<number | null>;
    /** Resolves once stdout matches, or rejects (with what was printed) after `ms` or on exit. */
    printed: (pattern: RegExp, ms: number) => Promise<RegExpMatchArray>;
    stop: () => Promise<void>;
  }

  function start(env: Record<string, string>): Started {
    const cwd = mkdtempSync(join(tmpdir(), 'draftline-start-'));
    dirs.push(cwd);
    const child = spawn(TSX, [join(REPO, 'src', 'node.ts')], {
      cwd,
      // Only what a shell needs: no credential, no DRAFTLINE_MODE or APP_URL from the test's own env.
      env: { PATH: process.env.PATH ?? '', HOME: cwd, TSX_TSCONFIG_PATH: join(REPO, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: the tsx CLI runs node.ts in a child of its own, and stop() ends both.
      detached: true,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const within = <T>(ms: number, what: string, p: Promise<T>) =>
      Promise.race([
        p,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`${what} within ${ms} ms; stdout: ${out} stderr: ${err}`)), ms).unref(),
        ),
      ]);
    let exited = false;
    void exit.then(() => (exited = true));
    return {
      cwd,
      stdout: () => out,
      stderr: () => err,
      exited: (ms) => within(ms, 'no exit', exit),
      printed: (pattern, ms) =>
        within(
          ms,
          `no ${pattern}`,
          new Promise<RegExpMatchArray>((done, reject) => {
            const check = () => {
              const m = out.match(pattern);
              if (m) return done(m);
              if (exited) return reject(new Error(`exited before printing ${pattern}; stdout: ${out} stderr: ${err}`));
              setTimeout(check, 100);
            };
            check();
          }),
        ),
      stop: async () => {
        if (exited) return;
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          return;
        }
        const ended = await Promise.race([
          exit.then(() => true),
          new Promise<boolean>((done) => setTimeout(() => done(false), 5000)),
        ]);
        if (!ended) {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      },
    };
  }

  const freePort = () =>
    new Promise<number>((done, reject) => {
      const s = createServer();
      s.on('error', reject);
      s.listen(0, () => {
        const { port } = s.address() as { port: number };
        s.close(() => done(port));
      });
    });

  const tempDb = () => {
    const dir = mkdtempSync(join(tmpdir(), 'draftline-db-'));
    dirs.push(dir);
    return `file:${join(dir, 'draftline.db')}`;
  };

  /** What a person sees on a failed start: one line, no stack frames. */
  function expectOneLine(app: Started) {
    const lines = `${app.stdout()}${app.stderr()}`.split('\n').filter((l) => l.trim());
    expect(lines, app.stderr()).toHaveLength(1);
    expect(app.stderr()).not.toMatch(/^\s+at /m);
    expect(app.stderr()).not.toMatch(/Error:|node:internal/);
    return lines[0]!;
  }

  it('prints the URL with PORT in it, and /healthz answers there (127.0.0.1 is sent to it)', async () => {
    const port = await freePort();
    const app = start({ PORT: String(port), DATABASE_URL: tempDb() });
    children.push(app);
    const [, url] = await app.printed(/Draftline \(sandbox mode\) at (\S+)/, 45_000);
    expect(url).toBe(`http://localhost:${port}`);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, mode: 'sandbox', runtime: 'node' });

    const typed = await fetch(`http://127.0.0.1:${port}/auth/google/start`, { redirect: 'manual' });
    expect(typed.status).toBe(302);
    expect(typed.headers.get('location')).toBe(`http://localhost:${port}/auth/google/start`);
    // The sign-in, started where the redirect leads, goes back to this port.
    const signIn = await fetch(`${url}/auth/google/start`, { redirect: 'manual' });
    expect(decodeURIComponent(signIn.headers.get('location') ?? '')).toContain(
      `redirect_uri=http://localhost:${port}/auth/google/callback`,
    );
    // The generated secrets went to the child's own folder, not the repo.
    expect(existsSync(join(app.cwd, '.dev.vars'))).toBe(true);
  }, 90_000);

  it('a port already taken ends the start with one line naming the port and PORT=…, exit code 1', async () => {
    const taken = createServer();
    servers.push(taken);
    await new Promise<void>((done) => taken.listen(0, done));
    const port = (taken.address() as { port: number }).port;
    const app = start({ PORT: String(port), DATABASE_URL: tempDb() });
    children.push(app);
    expect(await app.exited(45_000)).toBe(1);
    const line = expectOneLine(app);
    expect(line).toContain(`port ${port}`);
    expect(line).toMatch(/PORT=\d+ npm start/);
    expect(app.stdout()).not.toContain('Draftline (sandbox mode) at');
  }, 90_000);

  it.each([
    ['a folder that cannot be created', () => 'file:/proc/nope/x.db', '/proc/nope'],
    [
      'a folder whose path runs through a file',
      () => {
        const db = tempDb(); // file:<dir>/draftline.db, not created yet: use it as a file in the path
        const file = db.slice('file:'.length);
        writeFileSync(file, 'not a folder');
        return `file:${file}/x.db`;
      },
      'not a folder',
    ],
  ])(
    'an unusable database path (%s) ends the start with one clear line, exit code 1',
    async (_, databaseUrl, mention) => {
      const url = databaseUrl();
      const app = start({ PORT: String(await freePort()), DATABASE_URL: url });
      children.push(app);
      expect(await app.exited(45_000)).toBe(1);
      const line = expectOneLine(app);
      expect(line).toContain(url.slice('file:'.length));
      expect(line).toContain(mention);
      expect(line).toContain('DATABASE_URL=file:');
    },
    90_000,
  );
});
