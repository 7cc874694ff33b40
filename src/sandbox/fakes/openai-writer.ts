/**
 * The deterministic "model" behind the OpenAI fake: writes a reply draft from the document the
 * drafting code sends as its last user message (PromptData, src/drafting/prompt-data.ts), using
 * only the facts given. The parts live in ./writer/:
 *
 * - language.ts: stopword scoring among en, fr, de, es, it, nl; when no language clearly wins,
 *   `merchant.fallbackLanguage` (one without templates, say "pt", is answered in English as "en").
 * - kind.ts: the kind of question from keyword cues in the six languages (order_status, returns,
 *   damaged, address_change, cancellation, presales, other), and the pure "thank you" that needs
 *   no reply. The message is never obeyed: only the language, the kind and needsReply depend on it,
 *   and nothing from it is echoed (not even the customer's order number).
 * - compose.ts: the body per kind. A return gets the window, each order's last return day and the
 *   returns policy quoted verbatim; damage the damaged-items policy; an address change or a
 *   cancellation whether it is still possible (facts.canChangeAddress / canCancel) and the
 *   order-changes policy; pre-sales the shipping policy and FAQ; a status question every order
 *   named (or the newest of the recent ones, asking if another was meant), each parcel, tracking,
 *   and for a stalled parcel an apology and an offer to look into it. With no policy for the kind,
 *   "our team will confirm": no figure, no promise. Numbers not matched are never described.
 * - phrases/: the sentences per language and tone. Dates are written as in the facts (YYYY-MM-DD).
 * - plant.ts, reply.ts: with `plantFalseFacts` > 0, at that rate (a PRNG seeded from `seed` and the
 *   input) one fact the reply states is replaced by an invented one (tracking number, order date,
 *   status, return window, last return day; or, with no order facts, an invented tracking
 *   sentence), in replyText and factsUsed, reported in `planted`.
 */
export { hashString, mulberry32 } from './writer/random';
export {
  SUPPORTED_LANGUAGES,
  detectLanguage,
  scoreLanguages,
  type LanguageScores,
  type SupportedLanguage,
} from './writer/language';
export { DRAFT_KINDS, classifyKind, isPureAcknowledgement, type DraftKind } from './writer/kind';
export { writerInputSchema, promptDataSchema, fromLegacy } from './writer/input';
export { safeName, writeReply, type WriterOptions, type WriterOutput, type WriterResult } from './writer/reply';
export type { PlantedFact } from './writer/plant';
export type { PromptData } from '../../drafting/prompt-data';
import type { LegacyInput, LegacyOrder } from './writer/input';

/** The single-order document the pipeline sent before PromptData (still accepted, read as PromptData). */
export type WriterInput = LegacyInput;
export type WriterOrder = LegacyOrder;

/** JSON Schema of the reply, strict-mode compatible (what a drafting client would send). */
export const draftReplyJsonSchema = {
  type: 'object',
  properties: {
    needsReply: { type: 'boolean' },
    language: { type: 'string' },
    replyText: { type: 'string' },
    factsUsed: { type: 'array', items: { type: 'string' } },
  },
  required: ['needsReply', 'language', 'replyText', 'factsUsed'],
  additionalProperties: false,
} as const;
