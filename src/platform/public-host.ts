import type { FetchLike } from './fetch';

/**
 * Is this host on the public internet? Used before Draftline calls a URL a person typed (a
 * WooCommerce store), so that nobody can point our server at 127.0.0.1, the cloud metadata address
 * or a private network. Names are resolved with DNS-over-HTTPS (JSON API) through our own fetch,
 * which works the same on Workers and Node and is faked in tests.
 *
 * This is a check at connect time. A name that later re-resolves to a private address (DNS
 * rebinding) is not caught here; on Workers outbound fetch cannot reach private ranges anyway.
 */
export type HostCheck = { public: true } | { public: false; reason: 'private_address' | 'unresolvable' };

export interface HostResolver {
  resolve(host: string): Promise<string[] | null>;
}

export function dohResolver(opts: { url: string; fetch: FetchLike }): HostResolver {
  return {
    async resolve(host) {
      const answers: string[] = [];
      for (const type of ['A', 'AAAA']) {
        try {
          const res = await opts.fetch(`${opts.url}?name=${encodeURIComponent(host)}&type=${type}`, {
            headers: { accept: 'application/dns-json' },
          });
          if (!res.ok) return null;
          const body = (await res.json()) as { Status?: number; Answer?: { type: number; data: string }[] };
          if (body.Status !== 0 && body.Status !== 3) return null;
          for (const a of body.Answer ?? []) if (a.type === 1 || a.type === 28) answers.push(a.data);
        } catch {
          return null;
        }
      }
      return answers;
    },
  };
}

export async function checkPublicHost(host: string, resolver: HostResolver): Promise<HostCheck> {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost') || bare.endsWith('.local') || bare.endsWith('.internal')) {
    return { public: false, reason: 'private_address' };
  }
  const literal = isIpLiteral(bare);
  const addresses = literal ? [bare] : await resolver.resolve(bare);
  if (!addresses || !addresses.length) return { public: false, reason: 'unresolvable' };
  return addresses.every(isPublicAddress) ? { public: true } : { public: false, reason: 'private_address' };
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** False for loopback, private, link-local, CGNAT, multicast, reserved and unspecified ranges (v4 and v6). */
export function isPublicAddress(address: string): boolean {
  const v4 = parseIpv4(address);
  if (v4) return isPublicV4(v4);
  const v6 = address.toLowerCase();
  if (!v6.includes(':')) return false;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(v6);
  if (mapped) return isPublicAddress(mapped[1]!);
  // WHATWG URL writes IPv4-mapped addresses in hex: [::ffff:127.0.0.1] becomes [::ffff:7f00:1].
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (mappedHex) {
    const [hi, lo] = [parseInt(mappedHex[1]!, 16), parseInt(mappedHex[2]!, 16)];
    return isPublicAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  if (v6 === '::' || v6 === '::1') return false;
  const first = parseInt(v6.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return false; // fe80::/10 link-local
  if ((first & 0xff00) === 0xff00) return false; // multicast
  if (v6.startsWith('64:ff9b:') || v6.startsWith('2001:db8:') || v6.startsWith('100:')) return false;
  return true;
}

function parseIpv4(address: string): number[] | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  const nums = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return nums.every((n) => n >= 0 && n <= 255) ? nums : null;
}

function isPublicV4([a, b]: number[]): boolean {
  if (a === 0 || a === 10 || a === 127) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b! >= 16 && b! <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 100 && b! >= 64 && b! <= 127) return false; // CGNAT
  if (a === 192 && b === 0) return false;
  if (a === 198 && (b === 18 || b === 19)) return false;
  if (a! >= 224) return false; // multicast and reserved
  return true;
}
