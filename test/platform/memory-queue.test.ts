import { describe, expect, it } from 'vitest';
import { createMemoryQueue } from '../../src/platform/memory-queue';
import type { Delivery } from '../../src/platform/queue';

const immediate = (fn: () => void) => setTimeout(fn, 0);

describe('in-process queue (Cloudflare Queues semantics)', () => {
  it('delivers, acks, and does not queue an account twice while it waits', async () => {
    const seen: unknown[] = [];
    const queue = createMemoryQueue({
      consume: async (batch) => batch.forEach((d) => (seen.push(d.body), d.ack())),
      setTimer: immediate,
    });
    await Promise.all([queue.send({ accountId: 'a' }), queue.send({ accountId: 'b' }), queue.send({ accountId: 'b' })]);
    await queue.idle();
    expect(seen).toEqual([{ accountId: 'a' }, { accountId: 'b' }]);
  });

  it('retries with growing attempts, then dead-letters after maxRetries', async () => {
    const attempts: number[] = [];
    const dead: unknown[] = [];
    const queue = createMemoryQueue({
      consume: async ([d]: Delivery[]) => (attempts.push(d!.attempts), d!.retry({ delaySeconds: 0 })),
      maxRetries: 3,
      onDeadLetter: (m) => dead.push(m),
      setTimer: immediate,
    });
    await queue.send({ accountId: 'a' });
    await queue.idle();
    expect(attempts).toEqual([1, 2, 3]);
    expect(dead).toEqual([{ accountId: 'a' }]);
  });

  it('treats a thrown consumer as a retry, and a later success as done', async () => {
    let calls = 0;
    const queue = createMemoryQueue({
      consume: async ([d]: Delivery[]) => {
        if (++calls === 1) throw new Error('boom');
        d!.ack();
      },
      setTimer: immediate,
    });
    await queue.send({ accountId: 'a' });
    await queue.idle();
    expect(calls).toBe(2);
  });

  it('serialises only the account id into a message', async () => {
    const sent: string[] = [];
    const queue = createMemoryQueue({ consume: async (b) => b.forEach((d) => d.ack()), onSend: (s) => sent.push(s) });
    await queue.send({ accountId: 'a', subject: 'leak' } as never);
    await queue.idle();
    expect(sent).toEqual(['{"accountId":"a"}']);
  });
});
