import { describe, expect, it } from 'vitest';
import { newId } from '../../src/platform/ids';

describe('newId', () => {
  it('gives the prefix and 20 base-36 characters, two per random byte, never the same twice', () => {
    const ids = Array.from({ length: 3000 }, () => newId('acct')); // more than one batch of random bytes
    for (const id of ids) expect(id).toMatch(/^acct_(?:[0-6][0-9a-z]|7[0-3]){10}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
