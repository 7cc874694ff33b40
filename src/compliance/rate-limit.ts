import { toHex } from '../crypto/encoding';
import { hmacSha256 } from '../crypto/hmac';
import { parseIpv4, parseIpv6 } from '../platform/public-host';
import { ok, type Result, refused } from '../platform/result';

/**
 * An in-memory token bucket per client, keyed by a keyed hash of the client's IP address, plus one
 * shared bucket as a ceiling for the whole process. Nothing is written anywhere: the IP is hashed
 * with a random key made at start-up and known to no one, and the buckets live in this map only.
 *
 * The address comes from the runtime (src/http/client-address.ts), never from a header the client
 * chose. An IPv6 client is counted by its /64, since one home or phone is handed a whole /64 and
 * can pick any address in it; an IPv4-mapped IPv6 address (::ffff:a.b.c.d, as Node reports IPv4
 * peers on a dual-stack socket) counts as the IPv4 address.
 *
 * When the runtime cannot name the client (null), the request is not put in one "unknown" bucket
 * shared by the world, which one sender could drain to lock everybody out. It draws instead from a
 * bucket per `scope` (the opt-out form passes the account), several times larger than a client's:
 * a sender without an address can at worst slow down other address-less visitors of that one form,
 * never a client whose address is known. The global ceiling still applies to all.
 *
 * Caveat (Workers): each isolate has its own map, and Cloudflare runs many isolates across many
 * locations, so a determined sender spread over them gets more than `capacity` tries. This is a
 * speed bump for a form, not a guarantee; a hard limit belongs in a Cloudflare rate-limiting rule
 * on /opt-out/* (or a Durable Object), which needs no change here.
 */
export interface RateLimiterOptions {
  /** Tries a client may make at once. */
  capacity: number;
  /** Tries a client gets back per minute. */
  refillPerMinute: number;
  /** Ceiling for all clients together, per process/isolate. */
  globalCapacity: number;
  globalRefillPerMinute: number;
  /** For requests whose client address is unknown, one bucket per scope. Default: ten clients' worth. */
  unknownCapacity?: number;
  unknownRefillPerMinute?: number;
  /** Buckets kept at most; the least recently used go first. */
  maxClients?: number;
  now?: () => number;
}

export interface RateLimiter {
  /** `clientIp`: from the runtime, or null when it cannot say; `scope`: what the unknown are counted by. */
  take(clientIp: string | null, scope?: string): Promise<Result<object, 'rate_limited', { retryAfterSeconds: number }>>;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const maxClients = options.maxClients ?? 10_000;
  const unknownCapacity = options.unknownCapacity ?? options.capacity * 10;
  const unknownRefill = options.unknownRefillPerMinute ?? options.refillPerMinute * 10;
  const ipKey = toHex(crypto.getRandomValues(new Uint8Array(32)));
  const buckets = new Map<string, Bucket>();
  const global: Bucket = { tokens: options.globalCapacity, at: now() };

  const refill = (bucket: Bucket, capacity: number, perMinute: number, t: number) => {
    bucket.tokens = Math.min(capacity, bucket.tokens + ((t - bucket.at) / 60_000) * perMinute);
    bucket.at = t;
  };
  const wait = (bucket: Bucket, perMinute: number) => Math.max(1, Math.ceil(((1 - bucket.tokens) / perMinute) * 60));

  return {
    async take(clientIp, scope = '') {
      const known = clientIp !== null;
      const [capacity, perMinute] = known
        ? [options.capacity, options.refillPerMinute]
        : [unknownCapacity, unknownRefill];
      // The prefixes keep the two kinds of key apart: no address can name an unknown-scope bucket.
      const key = toHex(await hmacSha256(ipKey, known ? `ip ${clientKey(clientIp)}` : `unknown ${scope}`));
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: capacity, at: t };
      buckets.delete(key); // re-inserted below: Map order doubles as least-recently-used order
      refill(bucket, capacity, perMinute, t);
      refill(global, options.globalCapacity, options.globalRefillPerMinute, t);
      buckets.set(key, bucket);
      if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value!);

      if (bucket.tokens < 1) return refused('rate_limited', { retryAfterSeconds: wait(bucket, perMinute) });
      if (global.tokens < 1)
        return refused('rate_limited', { retryAfterSeconds: wait(global, options.globalRefillPerMinute) });
      bucket.tokens -= 1;
      global.tokens -= 1;
      return ok();
    },
  };
}

/** What one client is counted as: an IPv4 address, or an IPv6 /64 (IPv4-mapped IPv6 counts as its IPv4). */
export function clientKey(address: string): string {
  const text = address
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%.*$/, '');
  if (parseIpv4(text)) return text;
  const g = parseIpv6(text);
  if (!g) return text;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    return [g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255].join('.');
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}
