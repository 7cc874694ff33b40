import { hashAddress, normaliseAddress } from '../crypto/hmac';
import { checkFacts, type FactSources } from '../drafting/fact-guard';
import type { DraftKind } from '../drafting/kinds';
import { latestCustomerText } from '../drafting/latest-text';
import type { ReplyOutput, ReplyWriter } from '../drafting/llm';
import { parseMail } from '../drafting/parse-mail';
import { utcDay, withFacts } from '../drafting/order-facts';
import type { StorePolicies } from '../drafting/policies';
import { policiesFor } from '../drafting/policy-selection';
import type { MerchantVoice, ReplyInput } from '../drafting/prompt';
import { buildReplyMessage, replyHeadersFor } from '../drafting/reply-message';
import { GmailApiError, type GmailMailbox, type ThreadLabels } from '../google/gmail';
import { ok, refused, type Result } from '../platform/result';
import { StoreApiError } from '../stores/errors';
import type { Order, OrderSource } from '../stores/order';
import { classifyFailure, withRetries, type Failure, type RetryOptions } from './failures';
import { MAX_MESSAGE_BYTES, senderOf, skipByHeaders, skipByLabels, type SkipReason } from './filters';
import { findOrders, MAX_RECENT_ORDERS, type OrderMatch } from './find-order';
import { isThanksOnly } from './thanks-only';

/**
 * One new inbox message, from Gmail's labels to a draft in its thread. Everything read here
 * (headers, text, order, prompt, reply) lives in this function's memory and is gone when it returns;
 * the only output is an Outcome, which is a word.
 *
 * Cheap checks come first and the body is downloaded only for mail that passes them: labels
 * (free), then metadata (labels, size, date, filter headers, opt-out: 5 units; the thread read
 * carries it for a message that joined a thread, and a plain thank-you to the shop is seen in its
 * preview there), then the thread and the raw message side by side, with the sender's recent
 * orders read ahead. An opted-out customer's words are never downloaded, nor their orders read.
 * Gmail failures other than "gone" (404) are thrown: the whole sync is retried by the queue, and
 * the thread check makes that safe. The model and the store are retried here a few times; if they
 * still fail, the message is skipped with a counted reason rather than holding up the mailbox.
 */
export type Outcome = { kind: 'drafted' } | { kind: 'skipped'; reason: SkipReason };

export interface MessageRef {
  messageId: string;
  threadId: string;
  labelIds: readonly string[];
  /** The history record that added the message; null when it was found another way (recovery). */
  historyId: string | null;
}

export interface MessageContext {
  mailbox: GmailMailbox;
  mailboxAddress: string;
  orders: OrderSource;
  writer: ReplyWriter;
  voice: MerchantVoice;
  signature: string | null;
  /** The shop's own policies (account settings): quoted in replies, never invented. */
  policies: StorePolicies;
  /** Days without movement after which a parcel is called stalled. */
  stalledAfterDays: number;
  connectedAt: number;
  /** The kinds of mail the merchant wants drafts for (accounts.draft_kinds). */
  draftKinds: ReadonlySet<DraftKind>;
  isOptedOut: (addressHash: string) => Promise<boolean>;
  hashKey: string;
  now: () => number;
  /** In-process retries of the model and the store. */
  retry: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxWaitMs' | 'sleep'>;
  /** Every failure met on the way, retried or not, for the `error:<class>` counters. */
  onFailure?: (failure: Failure) => void;
  /**
   * Takes or renews the sync lease before the message's body is downloaded, and again right before
   * the draft is written; false when another run took it over (a message can outlast the lease
   * while the model is retried). Then nothing more is read or written here.
   */
  keepLease?: () => Promise<boolean>;
}

/** The sync lease was lost while handling a message: the run must stop without writing or moving on. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

const skip = (reason: SkipReason): Outcome => ({ kind: 'skipped', reason });

/** What each step can answer instead of going on: a few of the skip reasons each. */
type ThreadCheck = Result<
  { historyId: string },
  'already_drafted' | 'merchant_replied_last' | 'newer_message_in_thread'
>;
type StoreRefusal = 'store_reconnect_needed' | 'store_suspended' | 'store_unavailable' | 'store_failed';
type ModelRefusal = 'llm_unavailable' | 'llm_failed';
type ReplyRefusal = ModelRefusal | 'no_reply_needed' | 'kind_disabled' | 'fact_guard';

/** A message older than this when handled may have been answered before we got to it. */
export const FRESH_MESSAGE_MS = 5 * 60_000;

/** A message or thread deleted since the notification: nothing to answer. */
class Gone extends Error {}

async function orGone<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof GmailApiError && err.status === 404) throw new Gone();
    throw err;
  }
}

export async function handleMessage(ctx: MessageContext, ref: MessageRef): Promise<Outcome> {
  // A message that ends before its orders read ahead are used ends their request too (only then:
  // an abort costs an event and an exception, on every message).
  const readAhead: ReadAheadScope = { controller: new AbortController(), underWay: false };
  try {
    return await handle(ctx, ref, readAhead);
  } catch (err) {
    if (err instanceof Gone) return skip('message_gone');
    throw err;
  } finally {
    if (readAhead.underWay) readAhead.controller.abort();
  }
}

/** The orders read ahead for a message, and whether that read is still under way. */
interface ReadAheadScope {
  controller: AbortController;
  underWay: boolean;
}

async function handle(ctx: MessageContext, ref: MessageRef, readAheadScope: ReadAheadScope): Promise<Outcome> {
  // 1. Labels from history.list: free to check.
  const byLabel = skipByLabels(ref.labelIds);
  if (byLabel) return skip(byLabel);

  // 2. Metadata: labels now, size, date and the filter headers, without the body. A message that
  //    joined an existing thread gets them from the thread read (threads.get format=metadata
  //    carries every message's), which the thread check needs anyway: 10 units instead of 15.
  //    Gmail gives a thread the id of its first message, so one whose id is its thread's started it.
  const threadRead = ref.threadId !== ref.messageId ? await orGone(ctx.mailbox.getThreadMeta(ref.threadId)) : null;
  const meta = threadRead
    ? threadRead.messages.find((m) => m.id === ref.messageId)
    : await orGone(ctx.mailbox.getMessageMeta(ref.messageId));
  if (!meta) return skip('message_gone');
  const byFetchedLabel = skipByLabels(meta.labelIds);
  if (byFetchedLabel) return skip(byFetchedLabel);
  if (meta.sizeEstimate > MAX_MESSAGE_BYTES) return skip('too_large');
  if (meta.internalDate < ctx.connectedAt) return skip('before_connection');
  const metaSender = senderOf(meta.headers.get('from'));
  const byMetaHeader = skipByHeaders({ headers: meta.headers, from: metaSender }, [ctx.mailboxAddress]);
  if (byMetaHeader) return skip(byMetaHeader);
  if (await isOptedOut(ctx, metaSender!.address)) return skip('opted_out');
  // A plain thank-you in answer to the shop, whole in Gmail's preview: nothing to answer, nothing to download.
  const thanks = {
    snippet: meta.snippet,
    mimeType: meta.mimeType,
    subject: meta.headers.get('subject'),
    from: meta.headers.get('from'),
    answersShop: threadRead ? shopWroteBefore(threadRead.messages, ref.messageId) : false,
  };
  if (isThanksOnly(thanks)) return skip('thanks_only');

  // 3. The thread (one draft per thread, none once the merchant has answered), then the message
  //    itself. A thread already read says yes or no before anything is downloaded. A message that
  //    started its thread has nothing before it to look at (threadBeforeWriting), so its download
  //    runs side by side with that check and is dropped unread when the check says no. The
  //    sender's recent orders are read during the download, once the thread says yes (readRecentOrders).
  let thread: ThreadCheck;
  let rawMessage: ReturnType<GmailMailbox['getRawMessage']>;
  if (threadRead) {
    thread = threadVerdict(
      {
        historyId: threadRead.historyId,
        messages: threadRead.messages.map((m) => ({ messageId: m.id, labelIds: m.labelIds })),
      },
      ref,
    );
    if (!thread.ok) return skip(thread.reason);
    await holdLease(ctx);
    rawMessage = orGone(ctx.mailbox.getRawMessage(ref.messageId));
  } else {
    await holdLease(ctx);
    rawMessage = orGone(ctx.mailbox.getRawMessage(ref.messageId));
    rawMessage.catch(() => undefined); // awaited below, or abandoned when the check says no
    thread = await threadBeforeWriting(ctx, ref, meta.internalDate);
    if (!thread.ok) return skip(thread.reason);
  }
  const readAhead = readRecentOrders(ctx, metaSender!.address, readAheadScope.controller.signal);
  readAheadScope.underWay = true;
  void readAhead.then(() => {
    readAheadScope.underWay = false;
  });

  // 4. The message, parsed in memory; the same header checks on what the parser read.
  const message = await rawMessage;
  const mail = await parseMail(message.raw);
  const byHeader = skipByHeaders(mail, [ctx.mailboxAddress]);
  if (byHeader) return skip(byHeader);
  const sender = mail.from!.address;
  if (sender !== metaSender!.address && (await isOptedOut(ctx, sender))) return skip('opted_out');

  // 5. What the customer wrote this time, and the orders they mean (every number they name that
  //    is theirs, else their recent orders), each with the facts computed from it.
  const text = latestCustomerText(mail.text);
  if (!text.trim()) return skip('no_text');
  // Nothing enabled: no need to ask the model what kind of mail this is.
  if (ctx.draftKinds.size === 0) return skip('kind_disabled');
  const asked = `${mail.subject}\n${text}`;
  const read = await readAhead;
  const ahead = read.sender === normaliseAddress(sender) ? read : undefined;
  const match = await lookUpOrders(ctx, sender, asked, mail.text, ahead);
  if (!match.ok) return skip(match.reason);
  const today = utcDay(ctx.now());
  const orders = withFacts(match.orders, { today, policies: ctx.policies, stalledAfterDays: ctx.stalledAfterDays });

  // 6. The reply, from the orders, their facts and the policies that matter for what was asked,
  //    checked against exactly those; one more try naming what was wrong.
  const policies = policiesFor(asked, ctx.policies);
  const input: ReplyInput = {
    customer: { name: mail.from?.name ?? null, message: text },
    orderLookup: match.lookup,
    orders,
    unmatchedNumbers: match.unmatchedNumbers,
    policies,
    merchant: ctx.voice,
    today,
  };
  const facts: FactSources = {
    customer: [text, mail.subject],
    orders,
    policies,
    merchant: [ctx.voice.shopName, ctx.voice.signOffName, ctx.signature ?? ''],
  };
  const reply = await writeGroundedReply(ctx, input, facts);
  if (!reply.ok) return skip(reply.reason);

  // 7. The draft, in the customer's thread. The merchant may have answered or started a draft while
  //    the model was writing: history since the thread was read (or the message arrived) says
  //    whether anything was added (2 units); only then is the thread read to see what.
  const [leaseKept, threadChanged] = await Promise.all([
    ctx.keepLease ? ctx.keepLease() : true,
    ctx.mailbox.threadChangedSince(ref.threadId, thread.historyId, ref.messageId),
  ]);
  if (!leaseKept) throw new LeaseLostError('sync lease lost');
  if (threadChanged) {
    const late = await checkThread(ctx, ref);
    if (!late.ok) return skip(late.reason);
  }
  const body = ctx.signature ? `${reply.replyText.trimEnd()}\n\n-- \n${ctx.signature}` : reply.replyText;
  const raw = buildReplyMessage(replyHeadersFor(mail, ctx.mailboxAddress), body, new Date(ctx.now()));
  await orGone(ctx.mailbox.createDraft(ref.threadId, raw));
  return { kind: 'drafted' };
}

/**
 * Before the body is downloaded, the sync lease is the run's: a run that started from a remembered
 * account takes it only now, on the premise that nothing changed (a customer who opted out since
 * is found out before a word of theirs is read).
 */
async function holdLease(ctx: MessageContext): Promise<void> {
  if (ctx.keepLease && !(await ctx.keepLease())) throw new LeaseLostError('sync lease lost');
}

async function isOptedOut(ctx: MessageContext, address: string): Promise<boolean> {
  return ctx.isOptedOut(await hashAddress(ctx.hashKey, address));
}

/**
 * The thread as it stands before the reply is written: the historyId the pre-draft check starts
 * from, or why no draft goes in. A message that started its thread needs no threads.get: there is
 * nothing before it, and what came after is looked for from the history record that added it;
 * only one reached long after it arrived (a backlog) is looked at now, since the merchant may have
 * answered it meanwhile (2 units, and the store and the model are spared).
 */
async function threadBeforeWriting(ctx: MessageContext, ref: MessageRef, arrivedAt: number): Promise<ThreadCheck> {
  if (ref.historyId !== null && ref.threadId === ref.messageId) {
    const waited = ctx.now() - arrivedAt > FRESH_MESSAGE_MS;
    if (!waited || !(await ctx.mailbox.threadChangedSince(ref.threadId, ref.historyId, ref.messageId)))
      return ok({ historyId: ref.historyId });
  }
  return checkThread(ctx, ref);
}

/** The thread's historyId when a draft may go in; otherwise why not. */
async function checkThread(ctx: MessageContext, ref: MessageRef): Promise<ThreadCheck> {
  return threadVerdict(await orGone(ctx.mailbox.getThread(ref.threadId)), ref);
}

function threadVerdict({ historyId, messages: thread }: ThreadLabels, ref: MessageRef): ThreadCheck {
  // Any draft, ours or one the merchant started or edited: we never add a second one, and never
  // touch an existing one (the mailbox client has no call that could).
  if (thread.some((m) => m.labelIds.includes('DRAFT'))) return refused('already_drafted');
  const sent = thread.filter((m) => !m.labelIds.includes('DRAFT'));
  const last = sent[sent.length - 1];
  if (last?.labelIds.includes('SENT')) return refused('merchant_replied_last');
  // A newer customer message in the same thread will get the draft; this one is covered by it.
  if (last && last.messageId !== ref.messageId) return refused('newer_message_in_thread');
  return ok({ historyId });
}

/** Whether the shop sent a message in the thread before this one. */
function shopWroteBefore(thread: readonly { id: string; labelIds: readonly string[] }[], messageId: string): boolean {
  for (const m of thread) {
    if (m.id === messageId) return false;
    if (m.labelIds.includes('SENT')) return true;
  }
  return false;
}

/** The orders read ahead; or the store's answer instead of orders (withheld data, a refused grant), which holds for any lookup. */
type ReadAhead = { sender: string; orders: readonly Order[] | undefined; answer?: StoreAnswer };

/**
 * The store's call for the metadata's sender, side by side with the mail's download: most customers
 * ask about one of their recent orders, so the lookup after parsing usually has its answer already
 * (a round trip less before the model). Only the orders whose email is the sender's are ever used.
 * A read that failed costs nothing else: the lookup calls as it would have without it; a store's
 * answer is the lookup's answer too, without asking again.
 */
function readRecentOrders(ctx: MessageContext, address: string, signal: AbortSignal): Promise<ReadAhead> {
  const sender = normaliseAddress(address);
  if (ctx.draftKinds.size === 0) return Promise.resolve({ sender, orders: undefined });
  return ctx.orders.recentByEmail(sender, MAX_RECENT_ORDERS, signal).then(
    (orders) => ({ sender, orders }),
    (err: unknown) => {
      // Ended because the message was done without it: nothing failed.
      if (signal.aborted) return { sender, orders: undefined };
      const answer = storeAnswer(err);
      if (answer) return { sender, orders: undefined, answer };
      // Counted like any failure met on the way; the lookup then asks the store itself, with its retries.
      ctx.onFailure?.(classifyFailure(err));
      return { sender, orders: undefined };
    },
  );
}

function retryOptions(ctx: MessageContext): RetryOptions {
  return { ...ctx.retry, onFailure: ctx.onFailure };
}

/**
 * Three store states are answers, not failures (neither retried nor counted as an error here):
 * customer data withheld (Shopify has not approved it) still gets a reply that discloses nothing
 * and asks for the order number and name; a refused grant skips the message as
 * store_reconnect_needed (the store is marked for reconnecting); a shop Shopify froze or locked
 * skips it as store_suspended (the dashboard says what to do).
 */
type StoreAnswer = Result<OrderMatch, 'store_reconnect_needed' | 'store_suspended'>;
function storeAnswer(err: unknown): StoreAnswer | null {
  if (!(err instanceof StoreApiError)) return null;
  if (err.code === 'customer_data_not_approved')
    return ok<OrderMatch>({ lookup: 'customer_data_unavailable', orders: [], unmatchedNumbers: [] });
  if (err.code === 'reconnect_needed') return refused('store_reconnect_needed');
  if (err.code === 'shop_unavailable') return refused('store_suspended');
  return null;
}

/** The orders the customer means, or why the lookup cannot say (storeAnswer: store states that are answers). */
async function lookUpOrders(
  ctx: MessageContext,
  sender: string,
  text: string,
  fallback: string,
  readAhead: ReadAhead | undefined,
): Promise<Result<OrderMatch, StoreRefusal>> {
  if (readAhead?.answer) return readAhead.answer;
  const lookup = (): Promise<Result<OrderMatch, StoreRefusal>> =>
    findOrders(ctx.orders, sender, text, fallback, readAhead?.orders).then(
      (match) => ok(match),
      (err: unknown): Result<OrderMatch, StoreRefusal> => {
        const answer = storeAnswer(err);
        if (answer) return answer;
        throw err;
      },
    );
  try {
    return await withRetries(lookup, retryOptions(ctx));
  } catch (err) {
    const failure = classifyFailure(err);
    if (failure.class === 'store_unavailable' || failure.class === 'store_failed') return refused(failure.class);
    throw err;
  }
}

async function write(
  ctx: MessageContext,
  input: ReplyInput,
  problem?: string,
): Promise<Result<ReplyOutput, ModelRefusal>> {
  try {
    return ok(await withRetries(() => ctx.writer.write(input, problem), retryOptions(ctx)));
  } catch (err) {
    const failure = classifyFailure(err);
    if (failure.class === 'llm_unavailable' || failure.class === 'llm_failed') return refused(failure.class);
    throw err;
  }
}

/**
 * Writes the reply. A kind the merchant did not enable ends here; if the fact guard finds a fact
 * that is not in the data, the model is asked once more with the problem named (categories and
 * counts, no content); a second miss means no draft.
 */
async function writeGroundedReply(
  ctx: MessageContext,
  input: ReplyInput,
  facts: FactSources,
): Promise<Result<ReplyOutput, ReplyRefusal>> {
  const first = await write(ctx, input);
  if (!first.ok) return first;
  if (!first.needsReply) return refused('no_reply_needed');
  if (!ctx.draftKinds.has(first.kind)) return refused('kind_disabled');
  const guard = checkFacts(first.replyText, facts);
  if (guard.ok) return first;

  const second = await write(ctx, input, guard.problem);
  if (!second.ok) return second;
  if (!second.needsReply) return refused('no_reply_needed');
  return checkFacts(second.replyText, facts).ok ? second : refused('fact_guard');
}
