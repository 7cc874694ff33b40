import type { FetchLike } from './fetch';
import { ok, refused, type Result } from './result';

/**
 * Is this host on the public internet? Used before Draftline calls a URL a person typed (a
 * WooCommerce store), so that nobody can point our server at 127.0.0.1, the cloud metadata address
 * or a private network. Names are resolved with DNS-over-HTTPS (JSON API) through our own fetch,
 * which works the same on Workers and Node and is faked in tests.
 *
 * This is a check at connect time. A name that later re-resolves to a private address (DNS
 * rebinding) is not caught here; on Workers outbound fetch cannot reach private ranges anyway.
 */
export type HostCheck = Result<object, 'private_address' | 'unresolvable'>;

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
  const bare = normaliseHost(host);
  if (bare === null) return refused('private_address');
  if (bare === 'localhost' || bare.endsWith('.localhost') || bare.endsWith('.local') || bare.endsWith('.internal')) {
    return refused('private_address');
  }
  const literal = parseIpv4(bare) !== null || bare.includes(':');
  const addresses = literal ? [bare] : await resolver.resolve(bare);
  if (!addresses?.length) return refused('unresolvable');
  // Every answer must be public: a name with one public and one private address is refused, since
  // we do not choose which of them the connection will use.
  return addresses.every(isPublicAddress) ? ok() : refused('private_address');
}

/**
 * The host as a URL parser sees it, so the check and the later fetch agree on what it means.
 * checkStoreUrl hands us `new URL(...).hostname`, already normalised; a caller passing a raw host
 * gets the same treatment: WHATWG URL turns `2130706433`, `0x7f.1`, `0177.0.0.1` and `127.1` into
 * 127.0.0.1 and `[::ffff:127.0.0.1]` into `[::ffff:7f00:1]`. A trailing dot is dropped
 * (`localhost.` is localhost). An IPv6 zone id (`fe80::1%eth0`) names a local interface, which no
 * public address has, so it is refused (null) rather than stripped.
 */
function normaliseHost(host: string): string | null {
  const h = host.trim().toLowerCase();
  if (!h || h.includes('%')) return null; // a zone id, or a host no URL parser would hand us
  try {
    const parsed = new URL(`http://${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}/`).hostname;
    return parsed.replace(/^\[|\]$/g, '').replace(/\.$/, '') || null;
  } catch {
    return null;
  }
}

/**
 * False for anything that is not a globally reachable unicast address: loopback, private,
 * link-local, CGNAT, multicast, reserved, documentation and unspecified ranges, v4 and v6, and
 * anything that does not parse as an address at all. Takes the address as DNS answers give it or as
 * a URL host (brackets allowed).
 */
export function isPublicAddress(address: string): boolean {
  const text = address
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  const v4 = parseIpv4(text);
  if (v4) return isPublicV4(v4);
  const v6 = parseIpv6(text);
  return v6 ? isPublicV6(v6) : false;
}

/** Dotted-decimal IPv4, strictly: four parts, 0–255, no leading zeros (which some parsers read as octal). */
export function parseIpv4(address: string): number[] | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  const nums = parts.map((p) => (/^(0|[1-9]\d{0,2})$/.test(p) ? Number(p) : NaN));
  return nums.every((n) => n >= 0 && n <= 255) ? nums : null;
}

/**
 * IPv6 text (RFC 4291 §2.2) as eight 16-bit groups: `::` expanded, a trailing dotted quad
 * (`::ffff:1.2.3.4`) read as the last two groups. No brackets and no zone id: callers strip the
 * first and refuse the second. Null for anything else.
 */
export function parseIpv6(address: string): number[] | null {
  if (!/^[0-9a-f:.]+$/i.test(address) || !address.includes(':')) return null;
  let text = address;
  const quad = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const v4 = parseIpv4(quad[2]!);
    if (!v4) return null;
    text = `${quad[1]}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const side = (part: string) =>
    part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
  let groups: number[];
  if (halves.length === 2) {
    const [head, tail] = [side(halves[0]!), side(halves[1]!)];
    if (head.length + tail.length > 7) return null;
    groups = [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    groups = side(text);
  }
  return groups.length === 8 && groups.every((g) => !Number.isNaN(g)) ? groups : null;
}

function isPublicV4([a, b, c]: number[]): boolean {
  if (a === 0 || a === 10 || a === 127) return false; // "this network", private, loopback
  if (a === 169 && b === 254) return false; // link-local, cloud metadata
  if (a === 172 && b! >= 16 && b! <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 100 && b! >= 64 && b! <= 127) return false; // CGNAT
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF protocol assignments, TEST-NET-1
  if (a === 192 && b === 88 && c === 99) return false; // 6to4 relay anycast (deprecated)
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if (a === 198 && b === 51 && c === 100) return false; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return false; // TEST-NET-3
  if (a! >= 224) return false; // multicast, reserved, broadcast
  return true;
}

/**
 * Only global unicast (2000::/3) can be public, minus the special-purpose blocks inside it. That
 * one rule already refuses ::, ::1, ::/96 (IPv4-compatible), ::ffff:0:0/96 (IPv4-mapped),
 * ::ffff:0:0:0/96 (SIIT), 100::/64 (discard), fc00::/7, fe80::/10, fec0::/10 and ff00::/8,
 * whatever IPv4 address they embed; they are named below anyway, so the reason is readable.
 */
function isPublicV6(g: number[]): boolean {
  const [g0, g1, g2, g3, g4, g5] = g as [number, number, number, number, number, number, number, number];
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(6)) return false; // ::, ::1 and ::a.b.c.d (IPv4-compatible, deprecated)
  if (zeroTo(5) && g5 === 0xffff) return false; // ::ffff:a.b.c.d (IPv4-mapped: the v4 host itself)
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return false; // ::ffff:0:a.b.c.d (SIIT, IPv4-translated)
  if (g0 === 0x0064 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    // 64:ff9b::/96 NAT64: public exactly when the IPv4 address it stands for is.
    return isPublicV4([g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255]);
  }
  if (g0 === 0x0064 && g1 === 0xff9b && g2 === 1) return false; // 64:ff9b:1::/48 local-use NAT64
  if (g0 === 0x0100 && zeroTo(4)) return false; // 100::/64 discard-only
  if ((g0 & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return false; // fe80::/10 link-local
  if ((g0 & 0xffc0) === 0xfec0) return false; // fec0::/10 site-local (deprecated)
  if ((g0 & 0xff00) === 0xff00) return false; // ff00::/8 multicast
  if ((g0 & 0xe000) !== 0x2000) return false; // not global unicast: unassigned or reserved
  // 2002::/16 6to4 is refused whole, not only when the IPv4 address in it is private: reaching a
  // 6to4 address goes through whichever relay the routing picks (relay anycast is deprecated,
  // RFC 7526), and no store needs it.
  if (g0 === 0x2002) return false;
  if (g0 === 0x2001 && g1 < 0x0200) return false; // 2001::/23 IETF protocol assignments (Teredo, ORCHID, benchmarking, ...)
  if (g0 === 0x2001 && g1 === 0x0db8) return false; // 2001:db8::/32 documentation
  if (g0 === 0x3fff && g1 < 0x1000) return false; // 3fff::/20 documentation
  return true;
}
