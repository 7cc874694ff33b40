import { describe, expect, it } from 'vitest';
import { checkFacts } from '../../src/drafting/fact-guard';

const order = JSON.stringify({
  number: '1042',
  createdAt: '2026-11-01T10:00:00Z',
  tracking: [{ company: 'UPS', number: '1Z999AA10123456784', url: 'https://ups.example/track?n=1Z999AA10123456784' }],
});
const sources = [order, 'Where is my order #1042?', 'Sandbox Shop'];

describe('fact guard', () => {
  it('accepts a draft whose numbers, codes and links all come from the data', () => {
    const draft =
      'Hi Jane, order #1042 (placed 2026-11-01) shipped with UPS, tracking 1Z999AA10123456784: https://ups.example/track?n=1Z999AA10123456784. You ordered 2 mugs.';
    expect(checkFacts(draft, sources)).toEqual({ ok: true });
  });

  it.each([
    ['an invented tracking number', 'Your tracking number is 1Z999AA10999999999.'],
    ['an invented link', 'Track it at https://evil.example/track.'],
    ['another order number', 'Your order #1043 is on its way.'],
    ['an invented date', 'It will arrive on 2026-12-24.'],
    ['an invented amount', 'We refunded 129.99 EUR.'],
  ])('rejects %s', (_label, draft) => {
    const result = checkFacts(draft, sources);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).not.toMatch(/1Z|evil|1043|2026|129/);
  });
});
