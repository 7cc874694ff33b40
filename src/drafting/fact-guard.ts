/**
 * The fact guard: every number, code and link in a draft must come from what we gave the model
 * (order facts, the customer's own words, the merchant's settings). A model that invents a
 * tracking number or a delivery date must never reach the merchant's drafts folder.
 */
export type GuardResult = { ok: true } | { ok: false; problem: string; misses: number };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>()"']+/gi;
/** Alphanumeric codes with at least one digit (tracking numbers, order names), or 3+ digit runs. */
const CODE_PATTERN = /\b(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{2,}\b/g;

export function checkFacts(draft: string, sources: readonly string[]): GuardResult {
  const corpus = sources.join('\n');
  const corpusLower = corpus.toLowerCase();
  const corpusDigits = new Set(corpus.match(/\d+/g) ?? []);
  let misses = 0;

  const urls = draft.match(URL_PATTERN) ?? [];
  for (const url of urls) {
    const clean = url.replace(/[.,;:!?]+$/, '');
    if (!corpus.includes(clean)) misses++;
  }
  const withoutUrls = draft.replace(URL_PATTERN, ' ');
  for (const code of withoutUrls.match(CODE_PATTERN) ?? []) {
    const digits = code.match(/\d+/g) ?? [];
    // Short numbers (a day of the month, "2 mugs") are not checked; codes and long numbers are.
    const significant = /[A-Za-z]/.test(code) ? code.length >= 5 : code.replace(/-/g, '').length >= 3;
    if (!significant) continue;
    if (corpusLower.includes(code.toLowerCase())) continue;
    if (!/[A-Za-z]/.test(code) && digits.every((d) => corpusDigits.has(d))) continue;
    misses++;
  }
  return misses === 0
    ? { ok: true }
    : { ok: false, misses, problem: `it contains ${misses} number(s), code(s) or link(s) that are not in the data provided` };
}
