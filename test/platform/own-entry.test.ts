import { describe, expect, it } from 'vitest';
import { ownEntry } from '../../src/platform/own-entry';

describe('ownEntry', () => {
  const words: Readonly<Record<string, string | null>> = { shipped: 'in_transit', cancelled: null };

  it('answers the map’s own keys, a null value included', () => {
    expect(ownEntry(words, 'shipped')).toBe('in_transit');
    expect(ownEntry(words, 'cancelled')).toBeNull();
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'unknown', ''])(
    'answers undefined for %j, which is not one of them',
    (key) => {
      expect(ownEntry(words, key)).toBeUndefined();
    },
  );
});
