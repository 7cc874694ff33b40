import { describe, expect, expectTypeOf, it } from 'vitest';
import { ok, refused, type Result } from '../../src/platform/result';

function parsePort(
  text: string,
): Result<{ port: number }, 'empty' | 'not_a_number' | 'out_of_range', { max?: number }> {
  if (!text) return refused('empty');
  const port = Number(text);
  if (!Number.isInteger(port)) return refused('not_a_number');
  if (port < 1 || port > 65_535) return refused('out_of_range', { max: 65_535 });
  return ok({ port });
}

describe('Result', () => {
  it('an ok result carries its value beside ok: true', () => {
    expect(parsePort('8080')).toEqual({ ok: true, port: 8080 });
    expect(ok()).toEqual({ ok: true });
  });

  it('a refusal carries its reason and what explains it', () => {
    expect(parsePort('')).toEqual({ ok: false, reason: 'empty' });
    expect(parsePort('70000')).toEqual({ ok: false, reason: 'out_of_range', max: 65_535 });
  });

  it('a value or an extra with fields called ok or reason does not compile, and could not overwrite them', () => {
    const sneaky = { ok: false, reason: 'other' } as unknown as object;
    // @ts-expect-error a value may not bring its own `ok`
    ok({ ok: false });
    // @ts-expect-error an extra may not bring its own `reason`
    refused('empty', { reason: 'other' });
    expect(ok(sneaky)).toEqual({ ok: true, reason: 'other' });
    expect(refused('empty', sneaky)).toEqual({ ok: false, reason: 'empty' });
  });

  it('narrows on ok, and the reason is the literal union', () => {
    const r = parsePort('x');
    if (r.ok) {
      expectTypeOf(r.port).toEqualTypeOf<number>();
      throw new Error('expected a refusal');
    }
    expectTypeOf(r.reason).toEqualTypeOf<'empty' | 'not_a_number' | 'out_of_range'>();
    expect(r.reason).toBe('not_a_number');
  });
});
