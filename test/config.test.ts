import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config';

const base = { TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'), SESSION_SECRET: 'x'.repeat(32) };

describe('config', () => {
  it('runs the sandbox when Google and OpenAI credentials are missing, pointing every client at /sandbox', () => {
    const config = parseConfig({ ...base, APP_URL: 'http://localhost:9000/' });
    expect(config.mode).toBe('sandbox');
    expect(config.port).toBe(8787);
    expect(config.database.url).toBe('file:./data/draftline.db');
    expect(config.google.tokenUrl).toBe('http://localhost:9000/sandbox/google/token');
    expect(config.google.gmailApiUrl).toBe('http://localhost:9000/sandbox/google/');
    expect(config.openai.baseUrl).toBe('http://localhost:9000/sandbox/openai/v1');
    expect(config.shopify.apiUrl).toBe('http://localhost:9000/sandbox/shopify');
  });

  it('runs live with real endpoints when credentials are set', () => {
    const config = parseConfig({ ...base, GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 's', OPENAI_API_KEY: 'sk', HASH_KEY: 'h' });
    expect(config.mode).toBe('live');
    expect(config.google.tokenUrl).toBe('https://oauth2.googleapis.com/token');
    expect(config.shopify.apiUrl).toBeNull();
    expect(config.openai.baseUrl).toBe('https://api.openai.com/v1');
  });

  it('names every missing or malformed variable in one error', () => {
    try {
      parseConfig({ TOKEN_ENCRYPTION_KEY: 'short', PORT: 'eighty', APP_URL: 'not a url' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as ConfigError).message;
      for (const name of ['TOKEN_ENCRYPTION_KEY', 'SESSION_SECRET', 'PORT', 'APP_URL']) expect(message).toContain(name);
    }
  });

  it('refuses live mode without the credentials it needs', () => {
    expect(() => parseConfig({ ...base, DRAFTLINE_MODE: 'live', GOOGLE_CLIENT_ID: 'id' })).toThrow(/GOOGLE_CLIENT_SECRET.*\n.*OPENAI_API_KEY/s);
  });

  it('requires a HASH_KEY of its own in live mode, and offers Shopify only with real app credentials', () => {
    const live = { ...base, GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 's', OPENAI_API_KEY: 'sk' };
    expect(() => parseConfig(live)).toThrow(/HASH_KEY: required in live mode/);
    expect(parseConfig({ ...live, HASH_KEY: 'h' }).shopify.configured).toBe(false);
    expect(parseConfig({ ...live, HASH_KEY: 'h', SHOPIFY_API_KEY: 'k', SHOPIFY_API_SECRET: 's' }).shopify.configured).toBe(true);
    expect(parseConfig(base).shopify.configured).toBe(true);
  });

  it('parses old encryption keys for rotation and rejects bad ones', () => {
    const old = `k0:${Buffer.alloc(32, 2).toString('base64')}`;
    expect(parseConfig({ ...base, TOKEN_ENCRYPTION_OLD_KEYS: old }).secrets.oldEncryptionKeys[0]?.id).toBe('k0');
    expect(() => parseConfig({ ...base, TOKEN_ENCRYPTION_OLD_KEYS: 'k0:abc' })).toThrow(ConfigError);
  });
});
