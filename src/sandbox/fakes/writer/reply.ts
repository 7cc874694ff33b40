import type { PromptData } from '../../../drafting/prompt-data';
import { composeBody, day, ordersSpokenOf } from './compose';
import { asPromptData, type LegacyInput } from './input';
import { classifyKind, isPureAcknowledgement, type DraftKind } from './kind';
import { detectLanguage } from './language';
import { PHRASES } from './phrases';
import {
  differentStatus,
  inventDate,
  inventTrackingFromNothing,
  inventTrackingNumber,
  inventWindowDays,
  type PlantedFact,
} from './plant';
import { hashString, mulberry32 } from './random';

export interface WriterOutput {
  needsReply: boolean;
  language: string;
  replyText: string;
  factsUsed: string[];
}

export interface WriterOptions {
  /** 0..1: the rate at which one fact is replaced by an invented one. Default 0. */
  plantFalseFacts?: number;
  /** PRNG seed. Default 0. */
  seed?: number;
}

export interface WriterResult extends WriterOutput {
  /** What the message is about (classifyKind); sent only when the requested schema asks for it. */
  kind: DraftKind;
  /** Set when a false fact was planted (never sent over the wire by the fake). */
  planted?: PlantedFact;
}

const NAME_PATTERN = /^[\p{L}\p{M}][\p{L}\p{M}'’.\- ]{0,39}$/u;

/** The customer's name if it looks like one; never instructions smuggled through a From header. */
export function safeName(name: string | null): { first: string | null; full: string | null } {
  if (!name) return { first: null, full: null };
  const full = name.trim().replace(/\s+/g, ' ');
  if (!NAME_PATTERN.test(full) || full.split(' ').length > 4) return { first: null, full: null };
  return { first: full.split(' ')[0] ?? null, full };
}

/**
 * Write the reply for one document. Pure: the same input and options give the same output.
 * In liar mode the honest reply is written first, then one fact it states is changed in a copy of
 * the document and the reply written again, so the lie is always one the reply really tells.
 */
export function writeReply(input: PromptData | LegacyInput, options: WriterOptions = {}): WriterResult {
  const doc = asPromptData(input);
  const rate = Math.min(1, Math.max(0, options.plantFalseFacts ?? 0));
  const rand = mulberry32(hashString(JSON.stringify(doc), options.seed ?? 0));
  const plant = rate > 0 && rand() < rate;

  const language = detectLanguage(doc.customer.message, doc.merchant.fallbackLanguage);
  const kind = classifyKind(doc.customer.message);
  const name = safeName(doc.customer.name);
  if (isPureAcknowledgement(doc.customer.message, name.full)) {
    return { needsReply: false, kind, language, replyText: '', factsUsed: [] };
  }
  const honest = render(doc, kind, language, name);
  if (!plant) return { ...honest, kind, language, needsReply: true };

  // Candidates in a seeded order; the first whose change shows in the text is the lie (one the
  // reply does not show would be scored as a lie that got through).
  const candidates = plantable(doc, honest.factsUsed);
  const statesOrderFacts = candidates.length > 0;
  const known = JSON.stringify(doc);
  for (let left = candidates.length; left > 0; left--) {
    const [mutate] = candidates.splice(Math.floor(rand() * left), 1);
    // A few tries: an invented value that happens to be in the document (today's date, a figure of a policy) is no lie.
    for (let attempt = 0; attempt < 3; attempt++) {
      const copy = structuredClone(doc);
      const planted = mutate!(copy, rand);
      if (inDocument(planted.invented, known)) continue;
      const lied = render(copy, kind, language, name);
      if (lied.replyText !== honest.replyText) return { ...lied, kind, language, needsReply: true, planted };
    }
  }
  if (statesOrderFacts) return { ...honest, kind, language, needsReply: true };
  // No order fact was written: invent a tracking sentence from nothing.
  const number = inventTrackingFromNothing(rand);
  const forged = render(doc, kind, language, name, PHRASES[language].tracking('UPS', number, ''));
  return {
    ...forged,
    factsUsed: [...forged.factsUsed, 'UPS', number],
    kind,
    language,
    needsReply: true,
    planted: { kind: 'invented_tracking', original: '', invented: number },
  };
}

function render(
  doc: PromptData,
  kind: DraftKind,
  language: keyof typeof PHRASES,
  name: { first: string | null; full: string | null },
  extra?: string,
) {
  const p = PHRASES[language];
  const tone = doc.merchant.tone;
  const body = composeBody(doc, kind, p, tone);
  if (extra) body.sentences.push(extra);
  const paragraphs = [p.greeting(tone, name.first, name.full)];
  const opener = p.opener[tone];
  paragraphs.push(joinSentences(opener ? [opener, ...body.sentences] : body.sentences));
  const invitation = p.invitation[tone];
  if (invitation) paragraphs.push(invitation);
  // Closing word and the sign-off name only: no signature block (as the drafting prompt asks).
  paragraphs.push(`${p.closing[tone]}\n${doc.merchant.signOffName}`);
  return { replyText: paragraphs.join('\n\n'), factsUsed: [...new Set(body.facts.filter((f) => f !== ''))] };
}

/** Sentences with a space between them; one that ends in a link ends its line, so the link stands apart. */
function joinSentences(sentences: readonly string[]): string {
  return sentences
    .map((sentence, i) => (i === 0 ? '' : endsInLink(sentences[i - 1]!) ? '\n' : ' ') + sentence)
    .join('');
}

/** Its last word is a URL (one pass from the last space: linear whatever the store's data). */
const endsInLink = (sentence: string) => /^https?:\/\//.test(sentence.slice(sentence.lastIndexOf(' ') + 1));

/** Whether `value` stands in the document as a whole token (not as part of a longer number). */
function inDocument(value: string, documentJson: string): boolean {
  for (let at = documentJson.indexOf(value); at >= 0; at = documentJson.indexOf(value, at + 1)) {
    const before = documentJson[at - 1] ?? '';
    const after = documentJson[at + value.length] ?? '';
    if (!/[0-9A-Za-z]/.test(before) && !/[0-9A-Za-z]/.test(after)) return true;
  }
  return false;
}

type Mutation = (copy: PromptData, rand: () => number) => PlantedFact;

/**
 * The facts the honest reply states that a lie could replace, each as a change to a copy of the
 * document (orders found again by position in the copy). Tracking numbers count twice: the lie
 * that hurts most; the invented number replaces the real one in the URL too.
 */
function plantable(doc: PromptData, written: readonly string[]): Mutation[] {
  const said = (fact: string) => written.includes(fact);
  const at = (copy: PromptData, index: number) => ordersSpokenOf(copy)[index]!;
  const out: Mutation[] = [];
  ordersSpokenOf(doc).forEach((o, index) => {
    o.tracking.forEach((t, ti) => {
      if (!said(t.number)) return;
      const lie: Mutation = (copy, rand) => {
        const ct = at(copy, index).tracking[ti]!;
        const invented = inventTrackingNumber(ct.number, rand);
        if (ct.number) ct.url = ct.url.split(ct.number).join(invented);
        const original = ct.number;
        ct.number = invented;
        return { kind: 'tracking', original, invented };
      };
      out.push(lie, lie);
    });
    const placed = day(o.createdAt);
    if (said(placed)) {
      out.push((copy, rand) => {
        const invented = inventDate(placed, rand);
        at(copy, index).createdAt = invented;
        return { kind: 'date', original: placed, invented };
      });
      // The status sentence is written with the order's date, even for a status too vague to quote.
      out.push((copy, rand) => {
        const co = at(copy, index);
        const original = co.fulfillmentStatus;
        co.fulfillmentStatus = differentStatus(original, rand);
        return { kind: 'status', original, invented: co.fulfillmentStatus };
      });
    }
    const last = o.facts.lastReturnDay;
    if (last && said(last)) {
      out.push((copy, rand) => {
        const invented = inventDate(last, rand);
        at(copy, index).facts.lastReturnDay = invented;
        return { kind: 'return_day', original: last, invented };
      });
    }
  });
  const days = doc.policies.returnWindowDays;
  if (days !== undefined && said(String(days))) {
    out.push((copy, rand) => {
      const invented = inventWindowDays(days, rand);
      copy.policies.returnWindowDays = invented;
      return { kind: 'return_window', original: String(days), invented: String(invented) };
    });
  }
  return out;
}
