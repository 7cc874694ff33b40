import type { PromptData, PromptOrder, PromptShipment } from '../../../drafting/prompt-data';
import { classifyKind, type DraftKind } from './kind';
import type { Phrases, PolicyName, Tone } from './phrases';
import { statusKey } from './plant';

/**
 * The body of a reply for one kind of question, from the document's facts only: which orders it
 * speaks of, what it says about each, which policy it quotes (verbatim) or, with none set, that
 * the team will confirm. Every figure written is a value of the document, and is listed in facts.
 */
export interface Body {
  sentences: string[];
  /** The literal fact strings written, in reply order (factsUsed). */
  facts: string[];
}

/**
 * The orders a reply may speak of: every one named; with none named, the recent ones whose numbers
 * the customer wrote anyway ("la 2159 et la 2163", which the lookup does not take for order
 * numbers without a keyword), else the newest.
 */
export function ordersSpokenOf(doc: PromptData): PromptOrder[] {
  return spokenOf(doc).orders;
}

/** ordersSpokenOf, and whether the newest was picked among several recent orders, none named (the reply then says so). */
function spokenOf(doc: PromptData): { orders: PromptOrder[]; newestGuessed: boolean } {
  if (doc.orderLookup === 'matched') return { orders: doc.orders, newestGuessed: false };
  if (doc.orderLookup !== 'recent') return { orders: [], newestGuessed: false };
  const written = doc.orders.filter((o) => mentions(doc.customer.message, o.number));
  if (written.length) return { orders: written, newestGuessed: false };
  const newest = doc.orders.find((o) => o.newest) ?? doc.orders[0];
  return { orders: newest ? [newest] : [], newestGuessed: doc.orders.length > 1 };
}

/** Whether `text` holds `number` as a number of its own (not inside a longer one). */
function mentions(text: string, number: string): boolean {
  for (let at = text.indexOf(number); at !== -1; at = text.indexOf(number, at + 1)) {
    const before = text[at - 1];
    const after = text[at + number.length];
    if (!(before && /[0-9]/.test(before)) && !(after && /[0-9]/.test(after))) return true;
  }
  return false;
}

/** YYYY-MM-DD of an ISO timestamp, as the facts write it. */
export function day(iso: string): string {
  return /^(\d{4}-\d{2}-\d{2})/.exec(iso)?.[1] ?? iso;
}

export function composeBody(doc: PromptData, kind: DraftKind, p: Phrases, tone: Tone): Body {
  // Several orders named, each with its own question ("#1042 arrived broken… change the address
  // for #1043"): each group of orders gets the answer for the question asked about it.
  const groups = doc.orderLookup === 'matched' && doc.orders.length > 1 ? kindsPerOrder(doc, kind) : null;
  if (groups && groups.size > 1) {
    const out: Body = { sentences: [], facts: [] };
    for (const [k, orders] of groups) {
      const part = composeFor({ ...doc, orders, unmatchedNumbers: [] }, k, p, tone);
      for (const sentence of part.sentences) if (!out.sentences.includes(sentence)) out.sentences.push(sentence);
      out.facts.push(...part.facts);
    }
    if (doc.unmatchedNumbers.length > 0) out.sentences.push(p.unmatched);
    return out;
  }
  return composeFor(doc, kind, p, tone);
}

/** Each named order's kind: that of the sentence naming it (the mail's kind when that says nothing more). */
function kindsPerOrder(doc: PromptData, kind: DraftKind): Map<DraftKind, PromptOrder[]> {
  const sentences = doc.customer.message.split(/(?<=[.!?\n])/);
  const groups = new Map<DraftKind, PromptOrder[]>();
  for (const o of doc.orders) {
    const naming = sentences.filter((sentence) => mentions(sentence, o.number)).join(' ');
    const own = naming ? classifyKind(naming) : 'other';
    const k = own === 'other' || own === 'presales' ? kind : own;
    groups.set(k, [...(groups.get(k) ?? []), o]);
  }
  return groups;
}

function composeFor(doc: PromptData, kind: DraftKind, p: Phrases, tone: Tone): Body {
  const out: Body = { sentences: [], facts: [] };
  const say = (sentence: string, ...facts: string[]) => {
    if (!out.sentences.includes(sentence)) out.sentences.push(sentence);
    out.facts.push(...facts);
  };
  const quote = (name: PolicyName): boolean => {
    const text = doc.policies[name]?.trim();
    if (!text) return false;
    say(p.quote(p.policy[name], text), text);
    return true;
  };
  const { orders: targets, newestGuessed } = spokenOf(doc);
  // Several recent orders and no number: the newest is answered, and the customer asked to say if they meant another.
  if (newestGuessed && kind !== 'presales') say(p.newestOf(targets[0]!.number), targets[0]!.number);

  switch (kind) {
    case 'presales': // A question before buying: the shop's words on shipping and its FAQ, nothing about orders.
      {
        const shipping = quote('shipping');
        const faq = quote('faq');
        if (!shipping && !faq) say(p.confirm.presales);
        return out;
      }
    case 'returns': {
      const days = doc.policies.returnWindowDays;
      if (days !== undefined) say(p.returnWindow(String(days)), String(days));
      for (const o of targets) {
        const last = o.facts.lastReturnDay;
        if (last)
          say(
            o.facts.returnWindowOpen === false ? p.returnWindowEnded(o.number, last) : p.lastReturnDay(o.number, last),
            o.number,
            last,
          );
        else say(p.orderIntro(o.number, day(o.createdAt)), o.number, day(o.createdAt));
      }
      if (!quote('returns') && days === undefined) say(p.confirm.returns);
      break;
    }
    case 'damaged':
      say(p.damagedSorry(targets[0]?.number ?? null), ...(targets[0] ? [targets[0].number] : []));
      for (const o of targets.slice(1)) say(p.damagedSorry(o.number), o.number);
      if (!quote('damagedItems')) say(p.confirm.damaged);
      break;
    case 'address_change':
    case 'cancellation': {
      const lines = kind === 'address_change' ? p.addressChange : p.cancellation;
      for (const o of targets) {
        const possible = kind === 'address_change' ? o.facts.canChangeAddress : o.facts.canCancel;
        say(possible ? lines.possible(o.number) : lines.notPossible(o.number), o.number);
      }
      if (!quote('orderChanges')) say(p.confirm.orderChanges);
      break;
    }
    case 'order_status':
    case 'other':
      for (const o of targets) describeOrder(o, p, tone, doc.today, say);
      break;
  }

  if (newestGuessed) say(p.whichOrder);
  if (doc.orderLookup === 'matched' && doc.unmatchedNumbers.length > 0) say(p.unmatched);
  const ask = askFor(doc, p);
  if (ask) say(ask);
  return out;
}

/** With no order to speak of, what to ask for (never a word about any order). */
function askFor(doc: PromptData, p: Phrases): string | null {
  switch (doc.orderLookup) {
    case 'email_mismatch':
      return p.emailMismatch;
    case 'not_found':
      return p.notFound;
    case 'customer_data_unavailable':
      return p.orderAndName;
    case 'no_reference':
      return p.noReference;
    default:
      return doc.orders.length === 0 ? p.noReference : null;
  }
}

type Say = (sentence: string, ...facts: string[]) => void;

/** One order's state: placed when, fulfilment and payment, items, each parcel, tracking, and a stall. */
function describeOrder(o: PromptOrder, p: Phrases, tone: Tone, today: string, say: Say): void {
  say(p.orderIntro(o.number, day(o.createdAt)), o.number, day(o.createdAt));
  const key = statusKey(o.fulfillmentStatus);
  // "unknown" is no fact about the order: nothing of it is quoted.
  if (key === 'unknown') say(p.status.unknown);
  else say(key ? p.status[key] : p.status.other(o.fulfillmentStatus), o.fulfillmentStatus);

  const fin = o.financialStatus.toLowerCase();
  if (fin === 'refunded' || fin === 'partially_refunded' || fin === 'pending' || fin === 'voided')
    say(p.financial[fin], o.financialStatus);

  if (tone !== 'concise' && o.items.length > 0) {
    say(p.items(o.items.map((i) => `${i.quantity} × ${i.title}`).join(', ')), ...o.items.map((i) => i.title));
  }
  for (const s of o.shipments) describeShipment(s, p, o.facts.stalled ? null : today, say);
  for (const t of o.tracking)
    say(p.tracking(t.company, t.number, t.url), t.company, t.number, ...(t.url ? [t.url] : []));
  if (o.facts.stalled) say(p.stalled);
}

/** One parcel; its estimate only while it is still ahead (`today` null for a stalled order: an old estimate misleads). */
function describeShipment(s: PromptShipment, p: Phrases, today: string | null, say: Say): void {
  if (s.status === 'unknown') return;
  if (s.status === 'delivered') {
    if (s.deliveredAt) say(p.deliveredOn(day(s.deliveredAt)), day(s.deliveredAt));
    else say(p.status.delivered, s.status);
    return;
  }
  say(p.shipment[s.status], s.status);
  const expected = s.estimatedDeliveryAt ? day(s.estimatedDeliveryAt) : null;
  if (expected && today !== null && expected >= today) say(p.expectedOn(expected), expected);
}
