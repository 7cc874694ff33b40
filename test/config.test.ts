import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, parseConfig, type Config } from '../src/config';

const base = { TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'), SESSION_SECRET: 'x'.repeat(32) };

/** Everything live mode requires (Shopify is optional: without it, Shopify is not offered). */
const live = {
  ...base,
  APP_URL: 'https://draftline.example.com',
  HASH_KEY: 'h',
  GOOGLE_CLIENT_ID: 'id',
  GOOGLE_CLIENT_SECRET: 's',
  GOOGLE_PUBSUB_TOPIC: 'projects/acme/topics/gmail-push',
  GOOGLE_PUSH_SERVICE_ACCOUNT: 'gmail-push@acme.iam.gserviceaccount.com',
  OPENAI_API_KEY: 'sk',
};
const without = (env: Record<string, string>, ...names: string[]) =>
  Object.fromEntries(Object.entries(env).filter(([k]) => !names.includes(k)));

function problems(env: Record<string, string | undefined>, options?: Parameters<typeof parseConfig>[1]): string {
  try {
    parseConfig(env, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  return expect.unreachable('parseConfig accepted the settings') as never;
}

/** Every string in a config, wherever it is nested. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object' && !(value instanceof Uint8Array))
    return Object.values(value).flatMap(strings);
  return [];
}

describe('config', () => {
  it('runs the sandbox when no live setting is set, pointing every client at /sandbox', () => {
    const config = parseConfig({ ...base, APP_URL: 'http://localhost:9000/' });
    expect(config.mode).toBe('sandbox');
    expect(config.port).toBe(8787);
    expect(config.database.url).toBe('file:./data/draftline.db');
    expect(config.google.tokenUrl).toBe('http://localhost:9000/sandbox/google/token');
    expect(config.google.gmailApiUrl).toBe('http://localhost:9000/sandbox/google/');
    expect(config.openai.baseUrl).toBe('http://localhost:9000/sandbox/openai/v1');
    expect(config.shopify.apiUrl).toBe('http://localhost:9000/sandbox/shopify');
  });

  it('runs live with real endpoints when every live setting is set', () => {
    const config = parseConfig(live);
    expect(config.mode).toBe('live');
    expect(config.google.tokenUrl).toBe('https://oauth2.googleapis.com/token');
    expect(config.google.pubsubTopic).toBe('projects/acme/topics/gmail-push');
    expect(config.google.pushServiceAccount).toBe('gmail-push@acme.iam.gserviceaccount.com');
    expect(config.google.pushAudience).toBe('https://draftline.example.com/webhooks/gmail');
    expect(config.shopify.apiUrl).toBeNull();
    expect(config.openai.baseUrl).toBe('https://api.openai.com/v1');
  });

  it('without APP_URL, the sandbox is at http://localhost:$PORT (OAuth redirects, fakes and push audience follow PORT)', () => {
    const config = parseConfig({ ...base, PORT: '18800' });
    expect(config.appUrl).toBe('http://localhost:18800');
    expect(config.google.redirectUri).toBe('http://localhost:18800/auth/google/callback');
    expect(config.google.tokenUrl).toBe('http://localhost:18800/sandbox/google/token');
    expect(config.google.pushAudience).toBe('http://localhost:18800/webhooks/gmail');
    expect(parseConfig(base).appUrl).toBe('http://localhost:8787');
    expect(parseConfig({ ...base, APP_URL: '  ' }).appUrl).toBe('http://localhost:8787');
  });

  it('an APP_URL that is set wins over PORT (a tunnel or proxy in front)', () => {
    expect(parseConfig({ ...base, PORT: '18800', APP_URL: 'https://tunnel.example/' }).appUrl).toBe(
      'https://tunnel.example',
    );
  });

  it('names every missing or malformed variable in one error', () => {
    const message = problems({ TOKEN_ENCRYPTION_KEY: 'short', PORT: 'eighty', APP_URL: 'not a url' });
    for (const name of ['TOKEN_ENCRYPTION_KEY', 'SESSION_SECRET', 'PORT', 'APP_URL']) expect(message).toContain(name);
  });

  it('refuses live mode without the credentials it needs', () => {
    expect(() => parseConfig({ ...base, DRAFTLINE_MODE: 'live', GOOGLE_CLIENT_ID: 'id' })).toThrow(
      /GOOGLE_CLIENT_SECRET.*\n.*OPENAI_API_KEY/s,
    );
  });

  it('requires a HASH_KEY of its own in live mode, and offers Shopify only with real app credentials', () => {
    expect(() => parseConfig(without(live, 'HASH_KEY'))).toThrow(/HASH_KEY: required in live mode/);
    expect(parseConfig(live).shopify.configured).toBe(false);
    expect(parseConfig({ ...live, SHOPIFY_API_KEY: 'k', SHOPIFY_API_SECRET: 's' }).shopify.configured).toBe(true);
    expect(parseConfig(base).shopify.configured).toBe(true);
  });

  it('parses old encryption keys for rotation and rejects bad ones', () => {
    const old = `k0:${Buffer.alloc(32, 2).toString('base64')}`;
    expect(parseConfig({ ...base, TOKEN_ENCRYPTION_OLD_KEYS: old }).secrets.oldEncryptionKeys[0]?.id).toBe('k0');
    expect(() => parseConfig({ ...base, TOKEN_ENCRYPTION_OLD_KEYS: 'k0:abc' })).toThrow(ConfigError);
  });
});

describe('config: live mode never falls back to sandbox values', () => {
  it.each(['live', 'auto'])(
    'DRAFTLINE_MODE=%s without the Pub/Sub topic and push service account refuses to start, naming both',
    (mode) => {
      const message = problems({
        ...without(live, 'GOOGLE_PUBSUB_TOPIC', 'GOOGLE_PUSH_SERVICE_ACCOUNT'),
        DRAFTLINE_MODE: mode,
      });
      expect(message).toContain('GOOGLE_PUBSUB_TOPIC: required in live mode');
      expect(message).toContain('GOOGLE_PUSH_SERVICE_ACCOUNT: required in live mode');
    },
  );

  it('live mode needs its public URL set, not the local default (OAuth redirects and the push audience are built from it)', () => {
    expect(problems(without(live, 'APP_URL'))).toContain('APP_URL: required in live mode');
    // PORT does not stand in for it: live never derives its public URL from the local port.
    expect(problems({ ...without(live, 'APP_URL'), PORT: '18800' })).toContain('APP_URL: required in live mode');
  });

  it.each([
    ['only a Google client', { GOOGLE_CLIENT_ID: 'client-id-123', GOOGLE_CLIENT_SECRET: 'client-secret-456' }],
    ['only an OpenAI key', { OPENAI_API_KEY: 'sk-proj-789' }],
    ['only Shopify app credentials', { SHOPIFY_API_KEY: 'shopify-key-123', SHOPIFY_API_SECRET: 'shopify-secret-456' }],
    ['only a Pub/Sub topic', { GOOGLE_PUBSUB_TOPIC: 'projects/acme/topics/gmail-push' }],
    [
      'only a Turso database',
      { DATABASE_URL: 'libsql://draftline-acme.turso.io', DATABASE_AUTH_TOKEN: 'turso-token-123' },
    ],
    [
      'Google and OpenAI but not the push settings',
      { GOOGLE_CLIENT_ID: 'client-id-123', GOOGLE_CLIENT_SECRET: 'client-secret-456', OPENAI_API_KEY: 'sk-proj-789' },
    ],
  ])('auto mode with %s is an error naming what is missing, not a silent sandbox', (_label, partial) => {
    const message = problems({ ...base, APP_URL: 'https://draftline.example.com', HASH_KEY: 'h', ...partial });
    const missing = [
      'GOOGLE_CLIENT_ID',
      'GOOGLE_CLIENT_SECRET',
      'GOOGLE_PUBSUB_TOPIC',
      'GOOGLE_PUSH_SERVICE_ACCOUNT',
      'OPENAI_API_KEY',
    ].filter((k) => !(k in partial));
    for (const name of missing) expect(message).toContain(`${name}: required in live mode`);
    // It says why it did not fall back, naming the live settings it found (never their values).
    expect(message).toMatch(/DRAFTLINE_MODE: .*sandbox/);
    for (const name of Object.keys(partial)) expect(message).toContain(name);
    for (const value of Object.values(partial)) expect(message).not.toContain(value);
  });

  it('DRAFTLINE_MODE=sandbox still runs the sandbox whatever is set (the explicit choice)', () => {
    expect(parseConfig({ ...live, DRAFTLINE_MODE: 'sandbox' }).mode).toBe('sandbox');
  });

  it.each([{}, { SHOPIFY_API_KEY: 'k', SHOPIFY_API_SECRET: 's' }])(
    'no sandbox placeholder, fake account or /sandbox URL anywhere in a live config (%o)',
    (shopify) => {
      const config: Config = parseConfig({ ...live, ...shopify });
      const leaks = strings(config).filter((v) => /sandbox/i.test(v));
      expect(leaks).toEqual([]);
    },
  );

  it('without Shopify app credentials, live mode has no Shopify secret at all (not the public placeholder)', () => {
    const config = parseConfig(live);
    expect(config.shopify).toMatchObject({ apiKey: '', apiSecret: '', oldApiSecret: null, configured: false });
  });

  it.each([
    ['a key without its secret', { SHOPIFY_API_KEY: 'k' }, 'SHOPIFY_API_SECRET'],
    ['a secret without its key', { SHOPIFY_API_SECRET: 's' }, 'SHOPIFY_API_KEY'],
    ['only an old secret', { SHOPIFY_API_SECRET_OLD: 'old' }, 'SHOPIFY_API_SECRET'],
  ])('half a Shopify app in live mode (%s) is an error naming the other half', (_label, shopify, missing) => {
    expect(problems({ ...live, ...shopify })).toContain(missing);
  });

  it.each([
    'GOOGLE_AUTH_URL',
    'GOOGLE_TOKEN_URL',
    'GOOGLE_REVOKE_URL',
    'GOOGLE_JWKS_URL',
    'GMAIL_API_URL',
    'SHOPIFY_API_URL',
    'OPENAI_BASE_URL',
  ])('live mode refuses %s pointing at a sandbox fake', (name) => {
    const message = problems({ ...live, [name]: 'https://draftline.example.com/sandbox/fake' });
    expect(message).toContain(name);
    expect(message).not.toContain('/sandbox/fake');
  });

  it('live mode still takes base-URL overrides that are not the sandbox (an OpenAI-compatible endpoint)', () => {
    expect(parseConfig({ ...live, OPENAI_BASE_URL: 'https://llm.internal.example/v1' }).openai.baseUrl).toBe(
      'https://llm.internal.example/v1',
    );
  });
});

describe('config: the Worker always runs live', () => {
  const worker = { ...live, DATABASE_URL: 'libsql://draftline-acme.turso.io', DATABASE_AUTH_TOKEN: 't' };

  it('runs live with DRAFTLINE_MODE unset or live', () => {
    expect(parseConfig(worker, { runtime: 'worker' }).mode).toBe('live');
    expect(parseConfig({ ...worker, DRAFTLINE_MODE: 'live' }, { runtime: 'worker' }).mode).toBe('live');
  });

  it.each(['sandbox', 'auto'])('DRAFTLINE_MODE=%s on the Worker is an error naming the variable', (mode) => {
    expect(problems({ ...worker, DRAFTLINE_MODE: mode }, { runtime: 'worker' })).toMatch(
      /DRAFTLINE_MODE: .*Worker always runs live/,
    );
  });

  it('needs a database it can reach over HTTP, not the local file default', () => {
    expect(problems(without(worker, 'DATABASE_URL'), { runtime: 'worker' })).toContain('DATABASE_URL');
    expect(problems({ ...worker, DATABASE_URL: 'file:./data/draftline.db' }, { runtime: 'worker' })).toContain(
      'DATABASE_URL',
    );
  });

  describe('src/worker.ts', () => {
    afterEach(() => {
      vi.restoreAllMocks();
      vi.resetModules();
    });
    const call = async (vars: Record<string, string>) => {
      const errors: string[] = [];
      vi.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(String(m)));
      const { default: entry } = await import('../src/worker');
      const env = { SYNC_QUEUE: { send: async () => {}, sendBatch: async () => {} }, ...vars };
      const res = await entry.fetch(new Request('https://draftline.example.com/healthz'), env, { waitUntil: () => {} });
      return { res, errors };
    };

    it('serves live with a complete live configuration', async () => {
      const { res } = await call(worker);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, mode: 'live' });
    });

    it('a DRAFTLINE_MODE=sandbox var does not switch the Worker to the sandbox: it answers 503 and logs why', async () => {
      const { res, errors } = await call({ ...worker, DRAFTLINE_MODE: 'sandbox' });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('misconfigured');
      expect(errors.join('\n')).toContain('DRAFTLINE_MODE');
    });
  });
});
