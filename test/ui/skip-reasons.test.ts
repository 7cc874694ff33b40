import { describe, expect, it } from 'vitest';
import { SKIP_REASONS } from '../../src/pipeline/filters';
import { describeSkip, REASONS } from '../../src/ui/skip-reasons';

describe('skip reason labels', () => {
  it.each(SKIP_REASONS)('%s has words of its own, not its code', (reason) => {
    const label = describeSkip(reason);
    expect(label).not.toBe(reason);
    expect(label).toMatch(/^[A-Z][^_]{5,}$/);
  });

  it('labels exactly the reasons there are: none missing, none left over from a removed one', () => {
    expect(Object.keys(REASONS).sort()).toEqual([...SKIP_REASONS].sort());
  });

  it('no two reasons read the same on the dashboard', () => {
    const labels = SKIP_REASONS.map((r) => REASONS[r]);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('an unknown word (a counter from an older version) is shown as it is', () => {
    expect(describeSkip('retired_reason')).toBe('retired_reason');
    expect(describeSkip('constructor')).toBe('constructor');
  });
});
