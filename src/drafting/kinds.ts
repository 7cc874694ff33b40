/**
 * Kinds of customer mail a merchant can choose to get drafts for (accounts.draft_kinds, a comma
 * list). The model names the kind in its structured answer; the pipeline drafts only for the
 * kinds the merchant enabled.
 */
export const DRAFT_KINDS = [
  'order_status',
  'returns',
  'damaged',
  'address_change',
  'cancellation',
  'presales',
  'other',
] as const;
export type DraftKind = (typeof DRAFT_KINDS)[number];

const isKind = (value: string): value is DraftKind => (DRAFT_KINDS as readonly string[]).includes(value);

/** The enabled kinds from the stored setting; unknown words are ignored, not guessed at. */
export function parseDraftKinds(setting: string): ReadonlySet<DraftKind> {
  return new Set(
    setting
      .split(',')
      .map((k) => k.trim().toLowerCase())
      .filter(isKind),
  );
}
