import { z } from 'zod';
import type { GoogleOAuthConfig } from './google/oauth';

/**
 * Every setting Draftline reads, parsed once at start-up. Nothing else reads the environment:
 * the parsed Config is passed explicitly to whatever needs it.
 */

const optional = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = z.url({ message: 'must be an absolute http(s) URL' });

/** 32 random bytes, base64 or base64url: the AES-256 key that seals secrets at rest. */
const key32 = z
  .string()
  .trim()
  .refine((v) => decodeBase64Loose(v)?.length === 32, {
    message: 'must be 32 random bytes, base64-encoded (openssl rand -base64 32)',
  });

const EnvSchema = z.object({
  /** The public URL. Only the sandbox may leave it unset (live requires it): then http://localhost:$PORT. */
  APP_URL: optional.pipe(url.optional()),
  PORT: z.coerce.number().int().min(1).max(65535).default(8787),
  DATABASE_URL: z.string().trim().min(1).default('file:./data/draftline.db'),
  DATABASE_AUTH_TOKEN: optional,

  TOKEN_ENCRYPTION_KEY: key32,
  /** Written into every sealed value so that a rotated key can still open older ones. */
  TOKEN_ENCRYPTION_KEY_ID: z
    .string()
    .regex(/^[a-z0-9]{1,16}$/, 'lower-case letters and digits, at most 16')
    .default('k1'),
  /** Older keys still accepted for opening sealed values during a rotation: "kid:base64,kid:base64". */
  TOKEN_ENCRYPTION_OLD_KEYS: optional,
  SESSION_SECRET: z.string().trim().min(32, { message: 'must be at least 32 characters' }),
  /** Key for the keyed hash of end-customer addresses (opt-outs). Required in live mode and never rotated; the sandbox derives one from SESSION_SECRET. */
  HASH_KEY: optional,

  GOOGLE_CLIENT_ID: optional,
  GOOGLE_CLIENT_SECRET: optional,
  GOOGLE_PUBSUB_TOPIC: optional,
  GOOGLE_PUSH_AUDIENCE: optional,
  GOOGLE_PUSH_SERVICE_ACCOUNT: optional,

  SHOPIFY_API_KEY: optional,
  SHOPIFY_API_SECRET: optional,
  /** The previous app secret, still accepted on incoming webhooks while a rotation settles. */
  SHOPIFY_API_SECRET_OLD: optional,
  SHOPIFY_API_VERSION: z.string().default('2026-10'),
  /**
   * "true": ask Shopify for read_all_orders, so orders older than 60 days can be found. Shopify
   * grants it only after approving the app's request for it; without it only the last 60 days of
   * orders are visible, and a customer asking about an older order is asked to check the number.
   */
  SHOPIFY_READ_ALL_ORDERS: z.enum(['true', 'false']).default('false'),

  OPENAI_API_KEY: optional,
  OPENAI_BASE_URL: optional.pipe(url.optional()),
  OPENAI_MODEL: z.string().default('gpt-4o-mini'),

  // Base-URL overrides for every outside API (tests and the sandbox point them at fakes).
  GOOGLE_AUTH_URL: optional.pipe(url.optional()),
  GOOGLE_TOKEN_URL: optional.pipe(url.optional()),
  GOOGLE_REVOKE_URL: optional.pipe(url.optional()),
  GOOGLE_JWKS_URL: optional.pipe(url.optional()),
  GMAIL_API_URL: optional.pipe(url.optional()),
  /** When set, Shopify Admin calls go to `${SHOPIFY_API_URL}/{shop}/admin/...` instead of https://{shop}. */
  SHOPIFY_API_URL: optional.pipe(url.optional()),
  /** DNS-over-HTTPS (JSON) resolver used to refuse store URLs on private networks. */
  DNS_RESOLVER_URL: optional.pipe(url.optional()),

  /**
   * "sandbox" forces the built-in fakes even with credentials; "live" refuses to start without them;
   * "auto" runs the sandbox when no live setting is set, live when all are, and refuses anything in between.
   * The Worker always runs live (parseConfig's `runtime: 'worker'`).
   */
  DRAFTLINE_MODE: z.enum(['auto', 'sandbox', 'live']).default('auto'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type Env = z.input<typeof EnvSchema>;
export type Mode = 'sandbox' | 'live';

/**
 * The public placeholders the sandbox fills in for unset credentials (and its fakes accept). Live
 * mode never fills them in (it requires real values), and shopify-webhook.ts also refuses the
 * Shopify secret there in case someone sets it by hand.
 */
export const SANDBOX_PLACEHOLDERS = {
  googleClientId: 'sandbox-client-id',
  googleClientSecret: 'sandbox-client-secret',
  googlePushServiceAccount: 'gmail-push@sandbox.iam.gserviceaccount.com',
  shopifyApiKey: 'sandbox-shopify-key',
  shopifyApiSecret: 'sandbox-shopify-secret',
  openaiApiKey: 'sandbox-openai-key',
} as const;

export interface Config {
  mode: Mode;
  appUrl: string;
  port: number;
  database: { url: string; authToken: string | undefined };
  secrets: {
    encryptionKey: { id: string; key: Uint8Array };
    oldEncryptionKeys: { id: string; key: Uint8Array }[];
    sessionSecret: string;
    hashKey: string;
  };
  google: Omit<GoogleOAuthConfig, 'fetch'> & {
    gmailApiUrl: string;
    pubsubTopic: string;
    pushAudience: string;
    pushServiceAccount: string;
  };
  /** `configured`: real app credentials are set (or this is the sandbox); otherwise Shopify is not offered. */
  shopify: {
    apiKey: string;
    apiSecret: string;
    oldApiSecret: string | null;
    apiVersion: string;
    apiUrl: string | null;
    configured: boolean;
    /** SHOPIFY_READ_ALL_ORDERS: whether the install asks for read_all_orders (orders older than 60 days). */
    readAllOrders: boolean;
  };
  openai: { apiKey: string; baseUrl: string; model: string };
  dnsResolverUrl: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Draftline cannot start; fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** What live mode cannot run without. Shopify is optional (without it, Shopify is simply not offered). */
const LIVE_REQUIRED = [
  'APP_URL',
  'HASH_KEY',
  'GOOGLE_CLIENT_ID',
  'GOOGLE_CLIENT_SECRET',
  'GOOGLE_PUBSUB_TOPIC',
  'GOOGLE_PUSH_SERVICE_ACCOUNT',
  'OPENAI_API_KEY',
] as const;

/**
 * Settings that only mean something in live mode. In `auto` mode, none of them set is the sandbox;
 * any of them set means someone meant to run live, so a missing one is an error rather than a
 * silent sandbox (whose fakes would accept placeholder secrets and whose reset wipes the database).
 * APP_URL and HASH_KEY are not among them: the sandbox uses both, and `npm start` generates HASH_KEY.
 */
const LIVE_SIGNS = [
  'GOOGLE_CLIENT_ID',
  'GOOGLE_CLIENT_SECRET',
  'GOOGLE_PUBSUB_TOPIC',
  'GOOGLE_PUSH_AUDIENCE',
  'GOOGLE_PUSH_SERVICE_ACCOUNT',
  'OPENAI_API_KEY',
  'SHOPIFY_API_KEY',
  'SHOPIFY_API_SECRET',
  'SHOPIFY_API_SECRET_OLD',
  'DATABASE_AUTH_TOKEN',
] as const;

/** The base-URL overrides; in live mode none may point at a sandbox fake. */
const URL_OVERRIDES = [
  'GOOGLE_AUTH_URL',
  'GOOGLE_TOKEN_URL',
  'GOOGLE_REVOKE_URL',
  'GOOGLE_JWKS_URL',
  'GMAIL_API_URL',
  'SHOPIFY_API_URL',
  'OPENAI_BASE_URL',
  'DNS_RESOLVER_URL',
] as const;

const isLocalFile = (databaseUrl: string) => databaseUrl.startsWith('file:') || databaseUrl === ':memory:';

export interface ParseOptions {
  /**
   * `worker`: the Cloudflare Worker, which always runs live (the sandbox is not in its bundle), so
   * DRAFTLINE_MODE may only be unset or `live`, and the database must be one it reaches over HTTP.
   */
  runtime?: 'node' | 'worker';
}

export function parseConfig(raw: Record<string, string | undefined>, options: ParseOptions = {}): Config {
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const env = parsed.data;
  const problems: string[] = [];
  const set = (name: string) => !!raw[name]?.trim();

  let mode: Mode;
  if (options.runtime === 'worker') {
    mode = 'live';
    if (set('DRAFTLINE_MODE') && env.DRAFTLINE_MODE !== 'live') {
      problems.push(
        `DRAFTLINE_MODE: the Worker always runs live; remove DRAFTLINE_MODE (it is "${env.DRAFTLINE_MODE}") or set it to live`,
      );
    }
    if (!set('DATABASE_URL') || isLocalFile(env.DATABASE_URL)) {
      problems.push(
        'DATABASE_URL: required on the Worker, as libsql://… or https://… (a file: database cannot be opened there)',
      );
    }
  } else if (env.DRAFTLINE_MODE === 'auto') {
    const signs = [
      ...LIVE_SIGNS.filter(set),
      ...(set('DATABASE_URL') && !isLocalFile(env.DATABASE_URL) ? ['DATABASE_URL'] : []),
    ];
    mode = signs.length ? 'live' : 'sandbox';
    if (signs.length && LIVE_REQUIRED.some((k) => !set(k))) {
      problems.push(
        `DRAFTLINE_MODE: auto found live settings (${signs.join(', ')}), so it will not fall back to the sandbox; set the rest below, or DRAFTLINE_MODE=sandbox to use the fakes`,
      );
    }
  } else {
    mode = env.DRAFTLINE_MODE;
  }

  if (mode === 'live') {
    // HASH_KEY too: a hash key derived from SESSION_SECRET would silently stop matching every stored
    // opt-out the day the session secret is rotated, and customers who objected would be read again.
    // APP_URL too: its local default would put localhost into OAuth redirects and the push audience.
    problems.push(...LIVE_REQUIRED.filter((k) => !set(k)).map((k) => `${k}: required in live mode`));
    // Half a Shopify app would silently not offer Shopify (or accept no webhook): name the other half.
    if (set('SHOPIFY_API_KEY') || set('SHOPIFY_API_SECRET') || set('SHOPIFY_API_SECRET_OLD')) {
      for (const k of ['SHOPIFY_API_KEY', 'SHOPIFY_API_SECRET'] as const) {
        if (!set(k)) problems.push(`${k}: required in live mode when any Shopify app setting is set`);
      }
    }
    for (const k of URL_OVERRIDES) {
      const value = env[k];
      if (value && /^\/sandbox(\/|$)/.test(new URL(value).pathname)) {
        problems.push(`${k}: points at a sandbox fake (…/sandbox); remove it in live mode`);
      }
    }
  }
  if (problems.length) throw new ConfigError(problems);

  // Without APP_URL (the sandbox; live refused above), the address `npm start` actually listens
  // on, so OAuth redirects and the banner follow PORT.
  const appUrl = (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  const sandbox = `${appUrl}/sandbox`;
  const pick = (value: string | undefined, live: string, fake: string) => value ?? (mode === 'sandbox' ? fake : live);
  /**
   * A placeholder only the sandbox may use. In live mode every required value is set (checked
   * above), so this only ever yields '' for the optional Shopify app: never a public placeholder.
   */
  const fake = (value: string | undefined, placeholder: string) => value ?? (mode === 'sandbox' ? placeholder : '');

  return {
    mode,
    appUrl,
    port: env.PORT,
    database: { url: env.DATABASE_URL, authToken: env.DATABASE_AUTH_TOKEN },
    secrets: {
      encryptionKey: { id: env.TOKEN_ENCRYPTION_KEY_ID, key: decodeBase64Loose(env.TOKEN_ENCRYPTION_KEY)! },
      oldEncryptionKeys: parseOldKeys(env.TOKEN_ENCRYPTION_OLD_KEYS),
      sessionSecret: env.SESSION_SECRET,
      hashKey: fake(env.HASH_KEY, `hash:${env.SESSION_SECRET}`),
    },
    google: {
      clientId: fake(env.GOOGLE_CLIENT_ID, SANDBOX_PLACEHOLDERS.googleClientId),
      clientSecret: fake(env.GOOGLE_CLIENT_SECRET, SANDBOX_PLACEHOLDERS.googleClientSecret),
      redirectUri: `${appUrl}/auth/google/callback`,
      authUrl: pick(
        env.GOOGLE_AUTH_URL,
        'https://accounts.google.com/o/oauth2/v2/auth',
        `${sandbox}/google/o/oauth2/v2/auth`,
      ),
      tokenUrl: pick(env.GOOGLE_TOKEN_URL, 'https://oauth2.googleapis.com/token', `${sandbox}/google/token`),
      revokeUrl: pick(env.GOOGLE_REVOKE_URL, 'https://oauth2.googleapis.com/revoke', `${sandbox}/google/revoke`),
      jwksUrl: pick(
        env.GOOGLE_JWKS_URL,
        'https://www.googleapis.com/oauth2/v3/certs',
        `${sandbox}/google/oauth2/v3/certs`,
      ),
      gmailApiUrl: pick(env.GMAIL_API_URL, 'https://gmail.googleapis.com/', `${sandbox}/google/`),
      pubsubTopic: fake(env.GOOGLE_PUBSUB_TOPIC, 'projects/sandbox/topics/gmail-push'),
      pushAudience: env.GOOGLE_PUSH_AUDIENCE ?? `${appUrl}/webhooks/gmail`,
      pushServiceAccount: fake(env.GOOGLE_PUSH_SERVICE_ACCOUNT, SANDBOX_PLACEHOLDERS.googlePushServiceAccount),
    },
    shopify: {
      apiKey: fake(env.SHOPIFY_API_KEY, SANDBOX_PLACEHOLDERS.shopifyApiKey),
      apiSecret: fake(env.SHOPIFY_API_SECRET, SANDBOX_PLACEHOLDERS.shopifyApiSecret),
      oldApiSecret: env.SHOPIFY_API_SECRET_OLD ?? null,
      apiVersion: env.SHOPIFY_API_VERSION,
      apiUrl: env.SHOPIFY_API_URL ?? (mode === 'sandbox' ? `${sandbox}/shopify` : null),
      configured: mode === 'sandbox' || (!!env.SHOPIFY_API_KEY && !!env.SHOPIFY_API_SECRET),
      readAllOrders: env.SHOPIFY_READ_ALL_ORDERS === 'true',
    },
    openai: {
      apiKey: fake(env.OPENAI_API_KEY, SANDBOX_PLACEHOLDERS.openaiApiKey),
      baseUrl: pick(env.OPENAI_BASE_URL, 'https://api.openai.com/v1', `${sandbox}/openai/v1`),
      model: env.OPENAI_MODEL,
    },
    dnsResolverUrl: env.DNS_RESOLVER_URL ?? 'https://cloudflare-dns.com/dns-query',
    logLevel: env.LOG_LEVEL,
  };
}

function parseOldKeys(value: string | undefined): { id: string; key: Uint8Array }[] {
  if (!value) return [];
  return value.split(',').map((entry, i) => {
    const [id, b64] = entry.split(':');
    const key = b64 ? decodeBase64Loose(b64) : null;
    if (!id || !key || key.length !== 32) {
      throw new ConfigError([`TOKEN_ENCRYPTION_OLD_KEYS: entry ${i + 1} must be "kid:<32 bytes base64>"`]);
    }
    return { id, key };
  });
}

function decodeBase64Loose(value: string): Uint8Array | null {
  try {
    const normal = value.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(normal.padEnd(Math.ceil(normal.length / 4) * 4, '='));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
