import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { hashAddress } from '../crypto/hmac';
import { accounts, optOuts } from '../db/schema';
import { DRAFT_KINDS } from '../drafting/kinds';
import { ok, type Result, refused } from '../platform/result';
import type { Services } from '../services';

export { DRAFT_KINDS } from '../drafting/kinds';
export const TONES = ['friendly', 'formal', 'concise'] as const;
export const LANGUAGES = {
  en: 'English',
  fr: 'Français',
  de: 'Deutsch',
  es: 'Español',
  it: 'Italiano',
  nl: 'Nederlands',
} as const;

const line = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { message: `at most ${max} characters` })
    .transform((v) => v || null);

/** The settings form, as the browser posts it (checkboxes arrive as "on" or not at all). */
export const SettingsForm = z.object({
  shopName: line(80),
  signOffName: line(80),
  signature: z
    .string()
    .max(600, { message: 'at most 600 characters' })
    .transform((v) => v.replace(/\r\n/g, '\n').trim() || null),
  tone: z.enum(TONES, { message: 'pick one of the tones offered' }),
  fallbackLanguage: z.enum(Object.keys(LANGUAGES) as [keyof typeof LANGUAGES], {
    message: 'pick one of the languages offered',
  }),
  draftKinds: z.array(z.enum(DRAFT_KINDS)).default([]),
});
export type Settings = z.output<typeof SettingsForm>;

/** Saved, or refused with a message per bad field. */
export type SettingsUpdate = Result<object, 'invalid', { errors: Record<string, string> }>;

export async function updateSettings(s: Services, accountId: string, input: unknown): Promise<SettingsUpdate> {
  const parsed = SettingsForm.safeParse(input);
  if (!parsed.success) {
    return refused('invalid', {
      errors: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])),
    });
  }
  const v = parsed.data;
  await s.db
    .update(accounts)
    .set({
      shopName: v.shopName,
      signOffName: v.signOffName,
      signature: v.signature,
      tone: v.tone,
      fallbackLanguage: v.fallbackLanguage,
      draftKinds: v.draftKinds.join(','),
    })
    .where(eq(accounts.id, accountId));
  return ok();
}

export async function setPaused(s: Services, accountId: string, paused: boolean): Promise<void> {
  await s.db.update(accounts).set({ paused }).where(eq(accounts.id, accountId));
}

const Address = z.email();

/** Why the merchant's opt-out list refused a typed address, and what the settings form says then. */
export type OptOutRefusal = 'not_an_address';
export const OPT_OUT_REFUSAL_MESSAGES: Record<OptOutRefusal, string> = {
  not_an_address: 'enter one email address, like jane@example.com',
};

export type OptOutChange = Result<{ changed: boolean }, OptOutRefusal>;

/**
 * The merchant's own opt-out list: an address typed here is hashed with the server's key and only
 * the hash is kept, so the list can be checked but never read back.
 */
export async function addOptOut(s: Services, accountId: string, address: unknown): Promise<OptOutChange> {
  const hashed = await hashTypedAddress(s, address);
  if (!hashed.ok) return hashed;
  const result = await s.db
    .insert(optOuts)
    .values({ accountId, addressHash: hashed.addressHash, createdAt: s.now() })
    .onConflictDoNothing();
  return ok({ changed: result.rowsAffected > 0 });
}

export async function removeOptOut(s: Services, accountId: string, address: unknown): Promise<OptOutChange> {
  const hashed = await hashTypedAddress(s, address);
  if (!hashed.ok) return hashed;
  const result = await s.db
    .delete(optOuts)
    .where(and(eq(optOuts.accountId, accountId), eq(optOuts.addressHash, hashed.addressHash)));
  return ok({ changed: result.rowsAffected > 0 });
}

/** The address the merchant typed, as its keyed hash; or why it is not an address. */
async function hashTypedAddress(
  s: Services,
  address: unknown,
): Promise<Result<{ addressHash: string }, OptOutRefusal>> {
  const parsed = Address.safeParse(typeof address === 'string' ? address.trim() : address);
  if (!parsed.success) return refused('not_an_address');
  return ok({ addressHash: await hashAddress(s.config.secrets.hashKey, parsed.data) });
}
