import { toHex } from '../crypto/encoding';
import { hmacSha256 } from '../crypto/hmac';

/**
 * An in-memory token bucket per client, keyed by a keyed hash of the client's IP address, plus one
 * shared bucket as a ceiling for the whole process. Nothing is written anywhere: the IP is hashed
 * with a random key made at start-up and known to no one, and the buckets live in this map only.
 *
 * Caveat (Workers): each isolate has its own map, and Cloudflare runs many isolates across many
 * locations, so a determined sender spread over them gets more than `capacity` tries. This is a
 * speed bump for a form, not a guarantee; a hard limit belongs in a Cloudflare rate-limiting rule
 * on /opt-out/* (or a Durable Object), which needs no change here. On Node there is one map per
 * process, and without a proxy that sets X-Forwarded-For every client shares the 'unknown' bucket.
 */
export interface RateLimiterOptions {
  /** Tries a client may make at once. */
  capacity: number;
  /** Tries a client gets back per minute. */
  refillPerMinute: number;
  /** Ceiling for all clients together, per process/isolate. */
  globalCapacity: number;
  globalRefillPerMinute: number;
  /** Buckets kept at most; the least recently used go first. */
  maxClients?: number;
  now?: () => number;
}

export interface RateLimiter {
  take(clientIp: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }>;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const maxClients = options.maxClients ?? 10_000;
  const ipKey = toHex(crypto.getRandomValues(new Uint8Array(32)));
  const buckets = new Map<string, Bucket>();
  const global: Bucket = { tokens: options.globalCapacity, at: now() };

  const refill = (bucket: Bucket, capacity: number, perMinute: number, t: number) => {
    bucket.tokens = Math.min(capacity, bucket.tokens + ((t - bucket.at) / 60_000) * perMinute);
    bucket.at = t;
  };
  const wait = (bucket: Bucket, perMinute: number) => Math.max(1, Math.ceil(((1 - bucket.tokens) / perMinute) * 60));

  return {
    async take(clientIp) {
      const key = toHex(await hmacSha256(ipKey, clientIp));
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: options.capacity, at: t };
      buckets.delete(key); // re-inserted below: Map order doubles as least-recently-used order
      refill(bucket, options.capacity, options.refillPerMinute, t);
      refill(global, options.globalCapacity, options.globalRefillPerMinute, t);
      buckets.set(key, bucket);
      if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value!);

      if (bucket.tokens < 1) return { allowed: false, retryAfterSeconds: wait(bucket, options.refillPerMinute) };
      if (global.tokens < 1) return { allowed: false, retryAfterSeconds: wait(global, options.globalRefillPerMinute) };
      bucket.tokens -= 1;
      global.tokens -= 1;
      return { allowed: true };
    },
  };
}

/** The client's address as the platform reports it: Cloudflare sets CF-Connecting-IP and overwrites any forged one. */
export function clientIpFrom(header: (name: string) => string | undefined): string {
  const cf = header('cf-connecting-ip')?.trim();
  if (cf) return cf;
  const real = header('x-real-ip')?.trim();
  if (real) return real;
  // The entry our own proxy appended is the last one; earlier ones are whatever the client sent.
  const forwarded = header('x-forwarded-for')?.split(',').map((p) => p.trim()).filter(Boolean);
  return forwarded?.at(-1) ?? 'unknown';
}
