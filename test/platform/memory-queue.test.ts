import { describe, expect, it } from 'vitest';
import { createMemoryQueue } from '../../src/platform/memory-queue';
import type { Delivery } from '../../src/platform/queue';

const immediate = (fn: () => void) => setTimeout(fn, 0);

describe('in-process queue (Cloudflare Queues semantics)', () => {
  it('delivers and acks every message sent, identical ones too (Cloudflare Queues does not de-duplicate)', async () => {
    const seen: unknown[] = [];
    const queue = createMemoryQueue({
      consume: async (batch) => batch.forEach((d) => (seen.push(d.body), d.ack())),
      setTimer: immediate,
    });
    await Promise.all([queue.send({ accountId: 'a' }), queue.send({ accountId: 'b' }), queue.send({ accountId: 'b' })]);
    await queue.idle();
    expect(seen).toEqual([{ accountId: 'a' }, { accountId: 'b' }, { accountId: 'b' }]);
  });

  it('refuses an empty sendBatch, as workerd does ("sendBatch() requires at least one message")', async () => {
    const queue = createMemoryQueue({ consume: async () => undefined, setTimer: immediate });
    await expect(queue.sendBatch([])).rejects.toThrow(TypeError);
  });

  it('delivers what waits in batches of at most maxBatchSize, each message settled on its own', async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const firstDone = new Promise<void>((r) => (release = r));
    const queue = createMemoryQueue({
      consume: async (batch) => {
        batches.push(batch.map((d) => (d.body as { accountId: string }).accountId));
        if (batches.length === 1) await firstDone;
        for (const d of batch) {
          const id = (d.body as { accountId: string }).accountId;
          if (id === 'r' && d.attempts === 1) d.retry({ delaySeconds: 0 });
          else if (id !== 'silent') d.ack(); // neither acked nor retried: acked when the batch returns
        }
      },
      maxBatchSize: 10,
      setTimer: immediate,
    });
    const id = (d: Delivery | undefined) => (d?.body as { accountId: string } | undefined)?.accountId;
    await queue.send({ accountId: 'first' });
    for (const a of ['r', 'silent', ...Array.from({ length: 10 }, (_, i) => `m${i}`)])
      await queue.send({ accountId: a });
    release();
    await queue.idle();
    expect(batches.map((b) => b.length)).toEqual([1, 10, 2, 1]);
    expect(batches[1]!.slice(0, 2)).toEqual(['r', 'silent']);
    expect(batches[3]).toEqual(['r']); // only the retried message came back

    // A consumer that throws retries the messages it had not settled, not those it had.
    const seen: string[] = [];
    const thrower = createMemoryQueue({
      consume: async (batch) => {
        for (const d of batch) seen.push(`${id(d)}#${d.attempts}`);
        batch[0]!.ack();
        if (batch[0]!.attempts === 1 && batch.length > 1) throw new Error('boom');
        batch.forEach((d) => d.ack());
      },
      setTimer: immediate,
    });
    void thrower.send({ accountId: 'hold' });
    void thrower.send({ accountId: 'x' });
    void thrower.send({ accountId: 'y' });
    await thrower.idle();
    expect(seen).toEqual(['hold#1', 'x#1', 'y#1', 'y#2']);
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
    expect(attempts).toEqual([1, 2, 3, 4]); // the first delivery and 3 retries, as Cloudflare counts max_retries
    expect(dead).toEqual([{ accountId: 'a' }]);
  });

  it('a dead-letter callback that throws strands nothing: the rest of its batch is still settled', async () => {
    const retried: string[] = [];
    const dead: string[] = [];
    const queue = createMemoryQueue({
      consume: async (batch) => {
        for (const d of batch) {
          const id = (d.body as { accountId: string }).accountId;
          if (id === 'poison' || (id === 'later' && d.attempts === 1)) {
            retried.push(`${id}#${d.attempts}`);
            d.retry({ delaySeconds: 0 });
          } else d.ack();
        }
      },
      maxRetries: 0,
      onDeadLetter: (m) => {
        dead.push((m as { accountId: string }).accountId);
        throw new Error('dead-letter store down');
      },
      setTimer: immediate,
    });
    const hold = queue.send({ accountId: 'hold' });
    await Promise.all([hold, queue.send({ accountId: 'poison' }), queue.send({ accountId: 'later' })]);
    await queue.idle();
    // maxRetries 0: one delivery each; 'later' dead-letters too (its callback throws as well).
    expect(retried).toEqual(['poison#1', 'later#1']);
    expect(dead).toEqual(['poison', 'later']);
  });

  it('a batch size below 1 is taken as 1', async () => {
    const sizes: number[] = [];
    const queue = createMemoryQueue({
      consume: async (batch) => void (sizes.push(batch.length), batch.forEach((d) => d.ack())),
      maxBatchSize: 0,
    });
    await Promise.all(['a', 'b', 'c'].map((accountId) => queue.send({ accountId })));
    await queue.idle();
    expect(sizes).toEqual([1, 1, 1]);
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

  it('puts only the allowed shapes on the wire, and refuses anything else without queueing it', async () => {
    const sent: string[] = [];
    const queue = createMemoryQueue({ consume: async (b) => b.forEach((d) => d.ack()), onSend: (s) => sent.push(s) });
    await expect(queue.send({ accountId: 'a', subject: 'leak' } as never)).rejects.toThrow(
      'queue message of unknown shape',
    );
    await expect(
      queue.sendBatch([{ accountId: 'a', job: 'renew_watch' }, { accountId: 'b', job: 'sync' } as never]),
    ).rejects.toThrow();
    await queue.sendBatch([
      { accountId: 'a', job: 'repair_store' },
      { job: 'compliance', requestId: 'cmp_abc123' },
    ]);
    await queue.idle();
    expect(sent).toEqual(['{"accountId":"a","job":"repair_store"}', '{"requestId":"cmp_abc123","job":"compliance"}']);
  });

  it('keeps a sync and jobs for one account apart, and a job sent twice is delivered twice', async () => {
    const seen: unknown[] = [];
    const queue = createMemoryQueue({
      consume: async (batch) => batch.forEach((d) => (seen.push(d.body), d.ack())),
      setTimer: immediate,
    });
    await queue.sendBatch([
      { accountId: 'a' },
      { accountId: 'a', job: 'renew_watch' },
      { accountId: 'a', job: 'repair_store' },
      { accountId: 'a', job: 'renew_watch' },
    ]);
    await queue.idle();
    expect(seen).toEqual([
      { accountId: 'a' },
      { accountId: 'a', job: 'renew_watch' },
      { accountId: 'a', job: 'repair_store' },
      { accountId: 'a', job: 'renew_watch' },
    ]);
  });

  it('takes at most 100 messages per sendBatch, as Workers Queues does', async () => {
    const queue = createMemoryQueue({ consume: async (b) => b.forEach((d) => d.ack()) });
    const many = Array.from({ length: 101 }, (_, i) => ({ accountId: `acc_${i}` }));
    await expect(queue.sendBatch(many)).rejects.toThrow('over 100');
    await queue.sendBatch(many.slice(0, 100));
    await queue.idle();
  });
});
