import { describe, expect, it } from 'vitest';
import { dohResolver, isPublicAddress } from '../../src/platform/public-host';
import { checkStoreUrl } from '../../src/stores/woocommerce-connect';
import { createDohFake } from '../../src/sandbox/fakes/doh';

const doh = createDohFake({
  'shop.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'sneaky.example.com': ['93.184.215.14', '10.0.0.7'],
  'metadata.example.com': ['169.254.169.254'],
  'v6local.example.com': ['fd00::1'],
});
const resolver = dohResolver({
  url: 'https://dns.test/dns-query',
  fetch: async (input, init) => doh.request(String(input).replace('https://dns.test', ''), init),
});
const live = { resolver, sandbox: false };

describe('WooCommerce store URL (SSRF guard)', () => {
  it('accepts a public https store and normalises it', async () => {
    expect(await checkStoreUrl(' https://shop.example.com/ ', live)).toEqual({
      ok: true,
      url: 'https://shop.example.com',
    });
    expect(await checkStoreUrl('shop.example.com/wp', live)).toEqual({ ok: true, url: 'https://shop.example.com/wp' });
  });

  it.each([
    ['http://shop.example.com', 'not_https'],
    ['https://127.0.0.1', 'private_address'],
    ['https://10.1.2.3', 'private_address'],
    ['https://192.168.1.10', 'private_address'],
    ['https://172.20.0.1', 'private_address'],
    ['https://169.254.169.254/latest/meta-data', 'private_address'],
    ['https://[::1]', 'private_address'],
    ['https://[::ffff:127.0.0.1]', 'private_address'],
    ['https://localhost', 'private_address'],
    ['https://metadata.example.com', 'private_address'],
    ['https://sneaky.example.com', 'private_address'],
    ['https://v6local.example.com', 'private_address'],
    ['https://nowhere.example.com', 'unresolvable'],
    ['https://user:pw@shop.example.com', 'invalid_url'],
    ['ftp://shop.example.com', 'not_https'],
    ['https://', 'invalid_url'],
  ])('refuses %s (%s)', async (input, reason) => {
    expect(await checkStoreUrl(input, live)).toEqual({ ok: false, reason });
  });

  it('allows the sandbox store on localhost only in sandbox mode', async () => {
    expect(await checkStoreUrl('http://localhost:8787/sandbox/woocommerce', { resolver, sandbox: true })).toEqual({
      ok: true,
      url: 'http://localhost:8787/sandbox/woocommerce',
    });
  });

  it('treats a resolver failure as unresolvable, never as public', async () => {
    const down = dohResolver({
      url: 'https://dns.test/dns-query',
      fetch: async () => new Response('nope', { status: 502 }),
    });
    expect(await checkStoreUrl('https://shop.example.com', { resolver: down, sandbox: false })).toEqual({
      ok: false,
      reason: 'unresolvable',
    });
  });

  it('classifies addresses', () => {
    expect(['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888'].every(isPublicAddress)).toBe(true);
    expect(['0.0.0.0', '100.64.0.1', '224.0.0.1', 'fe80::1', 'ff02::1', '::', 'not-an-ip'].some(isPublicAddress)).toBe(
      false,
    );
  });
});
