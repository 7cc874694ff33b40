import { onTestFinished } from 'vitest';
import { getGmailConnection } from '../../src/db/accounts';
import { countersFor } from '../../src/db/counters';
import { utcDay } from '../../src/platform/ids';
import type { ReplyInput } from '../../src/drafting/prompt';
import type { Services } from '../../src/services';
import type { Order } from '../../src/stores/order';
import { customerMail, sampleOrder, startTestRuntime, type TestRuntime } from './runtime';

/**
 * The sandbox runtime with pushes muted, so a test decides when syncs run (syncAccount, queue
 * messages) instead of every delivered mail triggering one.
 */
export interface PipelineRuntime {
  rt: TestRuntime;
  accountId: string;
  mailbox: string;
  google: NonNullable<TestRuntime['sandbox']>['fakes']['google'];
  /** Delivers a mail into the Gmail fake without notifying anyone. */
  deliver(
    raw: string,
    opts?: { labelIds?: string[]; internalDate?: number },
  ): { id: string; threadId: string; historyId: string };
  counters(): Promise<Record<string, number>>;
  connection(): ReturnType<typeof getGmailConnection>;
  close(): void;
}

/** startPipeline for the running test (call it in the test or in its beforeEach), closed when the test finishes. */
export async function pipelineForTest(
  store: 'shopify' | 'woocommerce' = 'shopify',
  orders: Order[] = [sampleOrder()],
): Promise<PipelineRuntime> {
  const p = await startPipeline(store, orders);
  onTestFinished(() => p.close());
  return p;
}

/** The caller closes it; a test's own pipeline comes from pipelineForTest. */
export async function startPipeline(
  store: 'shopify' | 'woocommerce' = 'shopify',
  orders: Order[] = [sampleOrder()],
): Promise<PipelineRuntime> {
  const rt = await startTestRuntime();
  const { accountId, mailbox } = await rt.reset(store, orders);
  const google = rt.sandbox!.fakes.google;
  google.onPush(async () => new Response(null, { status: 204 }));
  rt.queueMessages.length = 0;
  return {
    rt,
    accountId,
    mailbox,
    google,
    deliver: (raw, opts) => google.insertMessage(mailbox, raw, opts),
    counters: () => countersFor(rt.services.db, accountId, utcDay(Date.now())),
    connection: () => getGmailConnection(rt.services.db, accountId),
    close: () => rt.close(),
  };
}

/** A customer question about order 1042 from its owner, in its own thread. */
export function question(n: number | string, overrides: Partial<Parameters<typeof customerMail>[0]> = {}): string {
  return customerMail({
    from: 'Jane Doe <jane@example.net>',
    subject: `Question ${n}`,
    body: `Hello, where is my order #1042? (${n})`,
    messageId: `<q${n}@example.net>`,
    ...overrides,
  });
}

/** Every input the pipeline hands the reply writer from now on, in order; the writer still answers. */
export function recordReplyInputs(services: Services): ReplyInput[] {
  const inputs: ReplyInput[] = [];
  const writer = services.replyWriter;
  services.replyWriter = { write: (input, problem) => (inputs.push(input), writer.write(input, problem)) };
  return inputs;
}

export { customerMail, sampleOrder };
