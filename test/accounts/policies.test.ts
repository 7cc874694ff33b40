import { describe, expect, it } from 'vitest';
import {
  FAQ_MAX,
  PoliciesForm,
  PoliciesJson,
  POLICY_TEXT_MAX,
  policiesSetCount,
  policyColumns,
} from '../../src/accounts/policies';
import { DEFAULT_STALLED_AFTER_DAYS, NO_POLICIES } from '../../src/drafting/policies';

/** What the settings page posts when every field is left empty. */
const EMPTY_FORM = {
  returnWindowDays: '',
  returns: '',
  shipping: '',
  orderChanges: '',
  damagedItems: '',
  faq: '',
  stalledAfterDays: '',
};

const formErrors = (input: Record<string, unknown>) => {
  const r = PoliciesForm.safeParse(input);
  return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [String(i.path[0]), i.message]));
};

describe('store policies: validation shared by the settings form and the sandbox', () => {
  it('an empty form sets nothing: every policy null, stalled after the default', () => {
    const r = PoliciesForm.parse(EMPTY_FORM);
    expect(r).toEqual({ ...NO_POLICIES, stalledAfterDays: DEFAULT_STALLED_AFTER_DAYS });
    expect(policiesSetCount(r)).toBe(0);
  });

  it('takes whole days within bounds, from form text or JSON numbers', () => {
    expect(PoliciesForm.parse({ ...EMPTY_FORM, returnWindowDays: ' 45 ', stalledAfterDays: '10' })).toMatchObject({
      returnWindowDays: 45,
      stalledAfterDays: 10,
    });
    for (const [days, ok] of [
      ['1', true],
      ['365', true],
      ['0', false],
      ['366', false],
      ['-3', false],
      ['30.5', false],
      ['1e2', false],
      ['3 0', false],
      ['thirty', false],
      ['99999', false],
    ] as const) {
      expect(Object.keys(formErrors({ ...EMPTY_FORM, returnWindowDays: days })), days).toEqual(
        ok ? [] : ['returnWindowDays'],
      );
    }
    for (const [days, ok] of [
      ['1', true],
      ['60', true],
      ['0', false],
      ['61', false],
    ] as const) {
      expect(Object.keys(formErrors({ ...EMPTY_FORM, stalledAfterDays: days })), days).toEqual(
        ok ? [] : ['stalledAfterDays'],
      );
    }
    expect(PoliciesJson.parse({ returnWindowDays: 30, stalledAfterDays: 14 })).toEqual({
      returnWindowDays: 30,
      stalledAfterDays: 14,
    });
    for (const bad of [0, 366, 30.5, Number.NaN, true, [30], { days: 30 }])
      expect(PoliciesJson.safeParse({ returnWindowDays: bad }).success, String(bad)).toBe(false);
    expect(formErrors({ ...EMPTY_FORM, returnWindowDays: '0' }).returnWindowDays).toBe(
      'a whole number of days from 1 to 365',
    );
  });

  it('normalises line breaks, trims, and holds each text to its limit after that', () => {
    const r = PoliciesForm.parse({
      ...EMPTY_FORM,
      returns: '  Free returns.\r\nLabel: https://shop.example/returns\r\rThanks \n ',
      shipping: '   \r\n ',
    });
    expect(r.returns).toBe('Free returns.\nLabel: https://shop.example/returns\n\nThanks');
    expect(r.shipping).toBeNull();
    // A browser sends each line break as CRLF; the limit counts it once, as the textarea's maxlength does.
    const lines = `${'x'.repeat(99)}\r\n`;
    expect(PoliciesForm.parse({ ...EMPTY_FORM, returns: lines.repeat(POLICY_TEXT_MAX / 100) }).returns).toHaveLength(
      POLICY_TEXT_MAX - 1,
    );
    expect(formErrors({ ...EMPTY_FORM, returns: 'a'.repeat(POLICY_TEXT_MAX) })).toEqual({});
    expect(formErrors({ ...EMPTY_FORM, returns: 'a'.repeat(POLICY_TEXT_MAX + 1) }).returns).toBe(
      'at most 1,500 characters (this has 1,501)',
    );
    expect(formErrors({ ...EMPTY_FORM, faq: 'a'.repeat(FAQ_MAX) })).toEqual({});
    expect(
      Object.keys(
        formErrors({ ...EMPTY_FORM, faq: 'a'.repeat(FAQ_MAX + 1), damagedItems: 'b'.repeat(POLICY_TEXT_MAX + 1) }),
      ).sort(),
    ).toEqual(['damagedItems', 'faq']);
  });

  it('refuses control characters, a field missing from the post, and a field posted twice', () => {
    expect(formErrors({ ...EMPTY_FORM, shipping: 'EU only\u0000' }).shipping).toMatch(/control characters/);
    expect(formErrors({ ...EMPTY_FORM, faq: 'a\u001bb' }).faq).toMatch(/control characters/);
    expect(formErrors({ ...EMPTY_FORM, faq: 'tabs\tand\nlines are fine' })).toEqual({});
    const { faq: _faq, ...missing } = EMPTY_FORM;
    expect(formErrors(missing).faq).toBe('missing from the form');
    expect(Object.keys(formErrors({ ...EMPTY_FORM, returns: ['one', 'two'] }))).toEqual(['returns']);
  });

  it('the sandbox JSON: every field optional, unknown fields and wrong types refused', () => {
    expect(PoliciesJson.parse({})).toEqual({});
    expect(PoliciesJson.parse({ returns: ' Within 30 days. ', faq: null })).toEqual({
      returns: 'Within 30 days.',
      faq: null,
    });
    expect(PoliciesJson.safeParse({ return_window_days: 30 }).success).toBe(false);
    expect(PoliciesJson.safeParse({ returns: 42 }).success).toBe(false);
    expect(PoliciesJson.safeParse({ returns: 'a'.repeat(POLICY_TEXT_MAX + 1) }).success).toBe(false);
  });

  it('maps to the accounts row, anything left out unset', () => {
    expect(policyColumns({ returns: 'R', returnWindowDays: 30 })).toEqual({
      returnWindowDays: 30,
      policyReturns: 'R',
      policyShipping: null,
      policyOrderChanges: null,
      policyDamagedItems: null,
      policyFaq: null,
      stalledAfterDays: DEFAULT_STALLED_AFTER_DAYS,
    });
    expect(policiesSetCount({ ...NO_POLICIES, returnWindowDays: 30, faq: 'F' })).toBe(2);
  });
});
