import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { customerMail, sampleOrder } from '../support/runtime';

/**
 * `npm run start:worker` as a newcomer runs it: a real child process on PORT, the production Worker
 * in workerd behind the sandbox contract, and Ctrl-C (SIGINT to the whole process group, as a
 * terminal sends it) leaves no process behind.
 */
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const groupAlive = (pgid: number) => {
  try {
    return execFileSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false; // ps exits 1 when nothing matches
  }
};

describe('npm run start:worker', () => {
  let child: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'draftline-start-worker-'));
  afterAll(() => {
    if (child?.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the sandbox contract from the production Worker on PORT, says workerd, and stops on Ctrl-C', async () => {
    const port = await freePort();
    const output: string[] = [];
    child = spawn('npm', ['run', 'start:worker'], {
      cwd: process.cwd(),
      detached: true,
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: `file:${join(dir, 'workerd.db')}`,
        // Given, so that nothing is generated into the repository's .dev.vars.
        TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        SESSION_SECRET: randomBytes(32).toString('base64url'),
        HASH_KEY: randomBytes(32).toString('base64url'),
        APP_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output.push(chunk.toString());
        const m = /production Worker in workerd\) at (\S+)/.exec(output.join(''));
        if (m) resolve(m[1]!);
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
      child!.once('exit', (code) => reject(new Error(`start:worker exited with ${code}: ${output.join('')}`)));
    });
    const url = await started;
    expect(url).toBe(`http://localhost:${port}`);
    const base = `http://127.0.0.1:${port}`;

    const health = await fetch(`${base}/healthz`);
    expect(await health.json()).toEqual({ ok: true, mode: 'sandbox', runtime: 'workerd' });

    const reset = await fetch(`${base}/sandbox/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        store: 'shopify',
        orders: [sampleOrder({ createdAt: new Date(Date.now() - 86_400_000).toISOString() })],
      }),
    });
    expect(reset.status).toBe(200);
    const raw = customerMail({
      from: 'Jane <jane@example.net>',
      subject: 'Where is my order #1042?',
      body: 'Hi, where is my order #1042?',
      messageId: '<start-worker-1@example.net>',
    });
    const sent = await fetch(`${base}/sandbox/gmail/messages`, {
      method: 'POST',
      headers: { 'content-type': 'message/rfc822' },
      body: raw,
    });
    expect(sent.status).toBe(200);
    const drafts = (await (await fetch(`${base}/sandbox/gmail/drafts`)).json()) as { to: string; text: string }[];
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({ to: 'jane@example.net', text: expect.stringContaining('1Z999AA10123456784') });
    // The Worker's own log lines reach the terminal.
    expect(output.join('')).toContain('"event":"sync.done"');

    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal })),
    );
    process.kill(-child.pid!, 'SIGINT');
    // npm itself ends by the signal it was sent; the script under it exits 0.
    const { code, signal } = await exited;
    expect(code === 0 || signal === 'SIGINT', `exit ${code} ${signal}`).toBe(true);
    for (let i = 0; i < 50 && groupAlive(child.pid!); i++) await new Promise((r) => setTimeout(r, 100));
    expect(groupAlive(child.pid!)).toBe(false);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 120_000);
});
