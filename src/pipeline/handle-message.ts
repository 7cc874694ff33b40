import { hashAddress } from '../crypto/hmac';
import { checkFacts } from '../drafting/fact-guard';
import { latestCustomerText } from '../drafting/latest-text';
import type { ReplyOutput, ReplyWriter } from '../drafting/llm';
import { parseMail } from '../drafting/parse-mail';
import type { MerchantVoice, ReplyInput } from '../drafting/prompt';
import { buildReplyMessage, replyHeadersFor } from '../drafting/reply-message';
import type { GmailMailbox } from '../google/gmail';
import type { OrderSource } from '../stores/order';
import { MAX_MESSAGE_BYTES, skipByHeaders, skipByLabels, type SkipReason } from './filters';
import { findOrder } from './find-order';

/**
 * One new inbox message, from Gmail's labels to a draft in its thread. Everything read here
 * (headers, text, order, prompt, reply) lives in this function's memory and is gone when it returns;
 * the only output is an Outcome, which is a word.
 */
export type Outcome = { kind: 'drafted' } | { kind: 'skipped'; reason: SkipReason };

export interface MessageRef {
  messageId: string;
  threadId: string;
  labelIds: readonly string[];
}

export interface MessageContext {
  mailbox: GmailMailbox;
  mailboxAddress: string;
  orders: OrderSource;
  writer: ReplyWriter;
  voice: MerchantVoice;
  signature: string | null;
  connectedAt: number;
  isOptedOut: (addressHash: string) => Promise<boolean>;
  hashKey: string;
  now: () => number;
}

const skip = (reason: SkipReason): Outcome => ({ kind: 'skipped', reason });

export async function handleMessage(ctx: MessageContext, ref: MessageRef): Promise<Outcome> {
  // 1. Labels from history.list: free to check.
  const byLabel = skipByLabels(ref.labelIds);
  if (byLabel) return skip(byLabel);

  // 2. The message itself (messages.get raw), then headers before the body.
  const message = await ctx.mailbox.getRawMessage(ref.messageId);
  const byFetchedLabel = skipByLabels(message.labelIds);
  if (byFetchedLabel) return skip(byFetchedLabel);
  if (message.sizeEstimate > MAX_MESSAGE_BYTES) return skip('too_large');
  if (message.internalDate < ctx.connectedAt) return skip('before_connection');
  const mail = await parseMail(message.raw);
  const byHeader = skipByHeaders(mail, [ctx.mailboxAddress]);
  if (byHeader) return skip(byHeader);
  const sender = mail.from!.address;
  if (await ctx.isOptedOut(await hashAddress(ctx.hashKey, sender))) return skip('opted_out');

  // 3. The thread: one draft per thread, and none once the merchant has answered.
  const threadSkip = await checkThread(ctx, ref);
  if (threadSkip) return skip(threadSkip);

  // 4. What the customer wrote this time, and the order they mean.
  const text = latestCustomerText(mail.text);
  if (!text.trim()) return skip('no_text');
  const match = await findOrder(ctx.orders, sender, `${mail.subject}\n${text}`, mail.text);

  // 5. The reply, checked against the facts it was given.
  const input: ReplyInput = {
    customer: { name: mail.from?.name ?? null, message: text },
    orderLookup: match.lookup,
    order: match.order,
    merchant: ctx.voice,
  };
  const reply = await writeGroundedReply(ctx.writer, input, [
    text,
    mail.subject,
    JSON.stringify(match.order ?? {}),
    ctx.voice.shopName,
    ctx.voice.signOffName,
    ctx.signature ?? '',
  ]);
  if (reply === 'fact_guard') return skip('fact_guard');
  if (!reply.needsReply) return skip('no_reply_needed');

  // 6. The draft, in the customer's thread.
  const body = ctx.signature ? `${reply.replyText.trimEnd()}\n\n-- \n${ctx.signature}` : reply.replyText;
  const raw = buildReplyMessage(replyHeadersFor(mail, ctx.mailboxAddress), body, new Date(ctx.now()));
  await ctx.mailbox.createDraft(ref.threadId, raw);
  return { kind: 'drafted' };
}

async function checkThread(ctx: MessageContext, ref: MessageRef): Promise<SkipReason | null> {
  const thread = await ctx.mailbox.getThreadLabels(ref.threadId);
  if (thread.some((m) => m.labelIds.includes('DRAFT'))) return 'already_drafted';
  const sent = thread.filter((m) => !m.labelIds.includes('DRAFT'));
  const last = sent[sent.length - 1];
  if (last && last.labelIds.includes('SENT')) return 'merchant_replied_last';
  // A newer customer message in the same thread will get the draft; this one is covered by it.
  if (last && last.messageId !== ref.messageId) return 'newer_message_in_thread';
  return null;
}

/** Writes the reply; if the fact guard finds an invented fact, asks once more naming the problem. */
async function writeGroundedReply(
  writer: ReplyWriter,
  input: ReplyInput,
  sources: string[],
): Promise<ReplyOutput | 'fact_guard'> {
  let problem: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    const reply = await writer.write(input, problem);
    if (!reply.needsReply) return reply;
    const guard = checkFacts(reply.replyText, sources);
    if (guard.ok) return reply;
    problem = guard.problem;
  }
  return 'fact_guard';
}
