import { describe, expect, it } from 'vitest';
import {
  checkPublicHost,
  dohResolver,
  isPublicAddress,
  parseIpv6,
  type HostResolver,
} from '../../src/platform/public-host';
import { createDohFake } from '../../src/sandbox/fakes/doh';
import { checkStoreUrl } from '../../src/stores/woocommerce-connect';

/**
 * The private-address check behind every store URL a merchant types (SSRF guard). The store URL
 * flow as a whole is in test/stores/store-url.test.ts; this file is the address table.
 */

const refused = { ok: false, reason: 'private_address' } as const;

describe('isPublicAddress: IPv6 that stands for an IPv4 address, or is not global', () => {
  it.each([
    // ::/96, IPv4-compatible (deprecated), in every spelling
    '::127.0.0.1',
    '::7f00:1',
    '0:0:0:0:0:0:7f00:1',
    '::8.8.8.8',
    '::a00:1',
    // ::ffff:0:0/96, IPv4-mapped: the v4 host itself, however it is written
    '0:0:0:0:0:ffff:7f00:1',
    '0000:0000:0000:0000:0000:FFFF:7F00:0001',
    '0:0:0:0:0:ffff:127.0.0.1',
    '::0:ffff:7f00:1',
    '::ffff:8.8.8.8',
    // ::ffff:0:0:0/96, SIIT (IPv4-translated)
    '::ffff:0:127.0.0.1',
    '::ffff:0:7f00:1',
    '::ffff:0:a9fe:a9fe',
    // 2002::/16 6to4, refused whole (a public v4 inside too: see public-host.ts)
    '2002:7f00:1::',
    '2002:a00:1::1',
    '2002:808:808::1',
    // fec0::/10 site-local (deprecated)
    'fec0::1',
    'feff::1',
    // 2001::/23 IETF protocol assignments (Teredo 2001::/32 embeds a v4 server and client)
    '2001::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '2001:2::1',
    // 3fff::/20 documentation, and anything outside global unicast 2000::/3
    '3fff::1',
    '4000::1',
    '5f00::1',
    '1000::1',
    // bracketed, as URL hosts are written
    '[::1]',
    '[fe80::1]',
    '[fc00::1]',
    '[::ffff:7f00:1]',
    // not an address at all
    '::1::1',
    '1:2:3:4:5:6:7:8:9',
    '12345::1',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    // the usual ones (refused before too; kept here so the table is complete)
    '::',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'febf::1',
    'ff02::1',
    '100::1',
    '100::ffff:1',
    '2001:db8::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '::ffff:127.0.0.256',
    'fe80::1%eth0',
    // 64:ff9b::/96 NAT64 with a private IPv4 address inside (all of 64:ff9b:: was refused before),
    // and the local-use NAT64 /48
    '64:ff9b::127.0.0.1',
    '64:ff9b::7f00:1',
    '64:ff9b::a00:1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::808:808',
  ])('refuses %s (already refused)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    '2001:4860:4860::8888',
    '2606:4700:4700::1111',
    '2a00:1450:4007:80f::200e',
    '2001:200::1', // first block after 2001::/23
    '[2606:2800:21f:cb07:6820:80da:af6b:8b2c]',
    // NAT64 of a public v4 is public (DNS64 networks hand these out)
    '64:ff9b::8.8.8.8',
    '64:ff9b::808:808',
    // 192.0.0.0/16 is not all reserved: only 192.0.0.0/24 and 192.0.2.0/24 are
    '192.0.32.10',
  ])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    '192.88.99.1', // 6to4 relay anycast
    '198.51.100.7', // TEST-NET-2
    '203.0.113.9', // TEST-NET-3
  ])('refuses the IPv4 address %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    '192.0.0.8',
    '192.0.2.1',
    '240.0.0.1',
    '255.255.255.255',
    '127.000.000.001', // leading zeros: some parsers read octal
    '0177.0.0.1',
  ])('refuses the IPv4 address %s (already refused)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
});

describe('parseIpv6', () => {
  it.each([
    ['::', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['1::', [1, 0, 0, 0, 0, 0, 0, 0]],
    ['1:2:3:4:5:6:7::', [1, 2, 3, 4, 5, 6, 7, 0]],
    ['::ffff:1.2.3.4', [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]],
    ['64:ff9b::10.0.0.1', [0x64, 0xff9b, 0, 0, 0, 0, 0x0a00, 0x0001]],
    ['2001:DB8:0:0:1::1', [0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]],
  ])('reads %s', (text, groups) => {
    expect(parseIpv6(text)).toEqual(groups);
  });

  it.each([
    '',
    ':',
    ':::',
    '1:2',
    '1::2::3',
    ':1::',
    '1.2.3.4',
    '::1.2.3',
    'g::1',
    '[::1]',
    'fe80::1%eth0',
    '1:2:3:4:5:6:7:8::',
  ])('refuses %j', (text) => {
    expect(parseIpv6(text)).toBeNull();
  });
});

describe('checkPublicHost', () => {
  // A resolver that would call any name public: only the literal check stands between these
  // hosts and the network.
  const everythingPublic: HostResolver = { resolve: async () => ['93.184.215.14'] };

  it.each([
    // IPv4 in the spellings URL parsers accept, given raw rather than through new URL()
    '2130706433',
    '0x7f000001',
    '0x7f.1',
    '127.1',
    '0177.0.0.1',
    '127.0.0.1.',
    // names with a trailing dot
    'localhost.',
    'printer.local.',
    // IPv6 raw, bracketed and with a zone id
    '::7f00:1',
    '[::7f00:1]',
    '[0:0:0:0:0:ffff:7f00:1]',
    '[fec0::1]',
    '[2002:7f00:1::]',
  ])('refuses %s without asking DNS', async (host) => {
    let asked = false;
    const resolver: HostResolver = { resolve: async (name) => ((asked = true), everythingPublic.resolve(name)) };
    expect(await checkPublicHost(host, resolver)).toEqual(refused);
    expect(asked).toBe(false);
  });

  it.each(['fe80::1%eth0', '[fe80::1%25eth0]'])('refuses %s, a zone id (already refused)', async (host) => {
    expect(await checkPublicHost(host, everythingPublic)).toEqual(refused);
  });

  it('still resolves and accepts an ordinary public name', async () => {
    expect(await checkPublicHost('shop.example.com', everythingPublic)).toEqual({ ok: true });
    expect(await checkPublicHost('shop.example.com.', everythingPublic)).toEqual({ ok: true });
  });

  // The same rules for what DNS answers: AAAA records that smuggle a private IPv4 address.
  const doh = createDohFake({
    'compat.example.com': ['::7f00:1'],
    'mapped.example.com': ['0:0:0:0:0:ffff:a9fe:a9fe'],
    'siit.example.com': ['::ffff:0:a00:1'],
    'nat64.example.com': ['64:ff9b::a9fe:a9fe'],
    'sixtofour.example.com': ['2002:a9fe:a9fe::1'],
    'sitelocal.example.com': ['fec0::1'],
    'mixed.example.com': ['93.184.215.14', '::7f00:1'],
    'nat64-public.example.com': ['64:ff9b::808:808'],
    'public.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  });
  const resolver = dohResolver({
    url: 'https://dns.test/dns-query',
    fetch: async (input, init) => doh.request(String(input).replace('https://dns.test', ''), init),
  });

  it.each(['compat', 'mapped', 'siit', 'sixtofour', 'sitelocal', 'mixed', 'nat64' /* already refused */])(
    'refuses a name whose DNS answer is private (%s)',
    async (name) => {
      expect(await checkPublicHost(`${name}.example.com`, resolver)).toEqual(refused);
    },
  );

  it('accepts names whose every answer is public', async () => {
    expect(await checkPublicHost('public.example.com', resolver)).toEqual({ ok: true });
    expect(await checkPublicHost('nat64-public.example.com', resolver)).toEqual({ ok: true });
  });
});

describe('checkStoreUrl: the store URL as typed, parsed by new URL()', () => {
  const resolver: HostResolver = { resolve: async () => ['93.184.215.14'] };
  const live = { resolver, sandbox: false };

  it.each([
    'https://[::127.0.0.1]/',
    'https://[::7f00:1]/',
    'https://[::ffff:0:127.0.0.1]/',
    'https://[2002:a9fe:a9fe::]/',
    'https://[fec0::1]/',
    'https://localhost./',
  ])('refuses %s', async (input) => {
    expect(await checkStoreUrl(input, live)).toEqual({ ok: false, reason: 'private_address' });
  });

  it.each([
    // WHATWG URL normalises these to 127.0.0.1 (or ::ffff:7f00:1) before we see them
    'https://2130706433/',
    'https://0x7f.1/',
    'https://127.1/',
    'https://0177.0.0.1/',
    'https://127.0.0.1./',
    'https://①②⑦.0.0.1/',
    'https://[0:0:0:0:0:ffff:7f00:1]/',
    'https://[64:ff9b::10.0.0.1]/',
    'https://[64:ff9b::169.254.169.254]/latest/meta-data',
  ])('refuses %s (already refused)', async (input) => {
    expect(await checkStoreUrl(input, live)).toEqual({ ok: false, reason: 'private_address' });
  });
});
