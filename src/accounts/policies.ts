import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { accounts } from '../db/schema';
import { DEFAULT_STALLED_AFTER_DAYS, type StorePolicies } from '../drafting/policies';
import { ok, type Result, refused } from '../platform/result';

/**
 * The "Store policies" settings: the shop's own words that replies quote. One validation for the
 * settings form and the sandbox's reset body, so both refuse the same things.
 */
export const POLICY_TEXT_MAX = 1500;
export const FAQ_MAX = 3000;
export const RETURN_WINDOW_DAYS = { min: 1, max: 365 } as const;
export const STALLED_AFTER_DAYS = { min: 1, max: 60 } as const;

export const POLICY_TEXT_FIELDS = ['returns', 'shipping', 'orderChanges', 'damagedItems', 'faq'] as const;
export type PolicyTextField = (typeof POLICY_TEXT_FIELDS)[number];

/** Control characters other than tab and line feed: pasted by accident or planted, never meant. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

/** A policy text: line breaks as \n, trimmed, empty = not set (null). */
function policyText(max: number) {
  return z
    .string({ message: 'must be text' })
    .nullable()
    .transform((v) => (v ?? '').replace(/\r\n?/g, '\n').trim())
    .superRefine((v, ctx) => {
      if (v.length > max)
        ctx.addIssue({
          code: 'custom',
          message: `at most ${max.toLocaleString('en')} characters (this has ${v.length.toLocaleString('en')})`,
        });
      else if (CONTROL.test(v))
        ctx.addIssue({ code: 'custom', message: 'contains control characters: paste it as plain text' });
    })
    .transform((v) => v || null);
}

/**
 * A whole number of days within bounds, or null for "not set". Forms send strings ("30", ""),
 * JSON sends numbers (or null); nothing else passes: not "30.5", "1e2", " 3 0", -1 or 30.5.
 */
function wholeDays(bounds: { min: number; max: number }) {
  const message = `a whole number of days from ${bounds.min} to ${bounds.max}`;
  return z.union([z.string(), z.number(), z.null()], { message }).transform((v, ctx) => {
    if (v === null) return null;
    const text = typeof v === 'string' ? v.trim() : null;
    if (text === '') return null;
    const n = text === null ? v : /^\d{1,4}$/.test(text) ? Number(text) : NaN;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < bounds.min || n > bounds.max) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return n;
  });
}

const fields = {
  returnWindowDays: wholeDays(RETURN_WINDOW_DAYS),
  returns: policyText(POLICY_TEXT_MAX),
  shipping: policyText(POLICY_TEXT_MAX),
  orderChanges: policyText(POLICY_TEXT_MAX),
  damagedItems: policyText(POLICY_TEXT_MAX),
  faq: policyText(FAQ_MAX),
  /** Empty means the default. */
  stalledAfterDays: wholeDays(STALLED_AFTER_DAYS).transform((n) => n ?? DEFAULT_STALLED_AFTER_DAYS),
};

/** A form field the browser always sends; absent means the post did not come from the page. */
const present = <T extends z.ZodType>(field: T) =>
  z
    .any()
    .refine((v) => v !== undefined, { message: 'missing from the form' })
    .pipe(field);

/** The settings page's "Store policies" form, as the browser posts it. */
export const PoliciesForm = z.object({
  returnWindowDays: present(fields.returnWindowDays),
  returns: present(fields.returns),
  shipping: present(fields.shipping),
  orderChanges: present(fields.orderChanges),
  damagedItems: present(fields.damagedItems),
  faq: present(fields.faq),
  stalledAfterDays: present(fields.stalledAfterDays),
});

/** `"policies"` in the sandbox's reset body: every field optional, unknown ones refused. */
export const PoliciesJson = z.strictObject(fields).partial();

export type PolicySettings = StorePolicies & { stalledAfterDays: number };

/** The row's columns for these policies; fields left out are not set (null, or the default). */
export function policyColumns(p: Partial<PolicySettings>) {
  return {
    returnWindowDays: p.returnWindowDays ?? null,
    policyReturns: p.returns ?? null,
    policyShipping: p.shipping ?? null,
    policyOrderChanges: p.orderChanges ?? null,
    policyDamagedItems: p.damagedItems ?? null,
    policyFaq: p.faq ?? null,
    stalledAfterDays: p.stalledAfterDays ?? DEFAULT_STALLED_AFTER_DAYS,
  };
}

export async function savePolicies(db: Db, accountId: string, p: Partial<PolicySettings>): Promise<void> {
  await db.update(accounts).set(policyColumns(p)).where(eq(accounts.id, accountId));
}

/** Saved, or refused with a message per bad field. */
export type PoliciesUpdate = Result<object, 'invalid', { errors: Partial<Record<keyof PolicySettings, string>> }>;

/** The settings form's save: every field valid, or nothing written and a message per bad field. */
export async function updatePolicies(db: Db, accountId: string, input: unknown): Promise<PoliciesUpdate> {
  const parsed = PoliciesForm.safeParse(input);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const i of parsed.error.issues) errors[String(i.path[0] ?? 'form')] ??= i.message;
    return refused('invalid', { errors });
  }
  await savePolicies(db, accountId, parsed.data);
  return ok();
}

/** The policies a merchant can write: the return window and the five texts. */
export const POLICY_COUNT = 1 + POLICY_TEXT_FIELDS.length;

/** How many of them the merchant has written. */
export function policiesSetCount(p: StorePolicies): number {
  return [p.returnWindowDays, ...POLICY_TEXT_FIELDS.map((f) => p[f])].filter((v) => v !== null).length;
}
