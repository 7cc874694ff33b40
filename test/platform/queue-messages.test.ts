import { describe, expect, it } from 'vitest';
import {
  parseQueueMessage,
  QueueMessageSchema,
  sendBatch,
  wireMessage,
  type QueueMessage,
  type SyncMessage,
} from '../../src/platform/queue';
import { queueMessageProblem } from '../support/queue-messages';

/** The queue's message shapes (src/platform/queue.ts), and the privacy tests' own statement of them. */
describe('queue message shapes', () => {
  const allowed: QueueMessage[] = [
    { accountId: 'acc_0a1b2c' },
    { mailboxKey: 'a'.repeat(64), historyId: '1037219' },
    { accountId: 'acc_0a1b2c', job: 'renew_watch' },
    { accountId: 'acc_0a1b2c', job: 'repair_store' },
    { job: 'compliance', requestId: 'cmp_0a1b2c3d' },
  ];
  const refused: unknown[] = [
    { accountId: 'acc_1', subject: 'Where is my order?' },
    { accountId: 'acc_1', job: 'sync' },
    { accountId: 'acc_1', job: 'compliance' },
    { accountId: 'acc_1', job: 'compliance', requestId: 'cmp_abc' },
    { job: 'compliance', requestId: 'sandbox-shop.myshopify.com' },
    { job: 'compliance', requestId: 'cmp_jane@example.net' },
    { job: 'renew_watch' },
    { accountId: '' },
    { mailboxKey: 'merchant@example.com', historyId: '1' },
    { mailboxKey: 'A'.repeat(64), historyId: '1' },
    { mailboxKey: 'a'.repeat(64), historyId: '0012' },
    { mailboxKey: 'a'.repeat(64), historyId: 12 },
    { mailboxKey: 'a'.repeat(64), historyId: '1', accountId: 'acc_1' },
    { mailboxKey: 'a'.repeat(64) },
    {},
    'acc_1',
  ];

  it('the schema takes exactly the five shapes', () => {
    for (const m of allowed) expect(QueueMessageSchema.safeParse(m).success, JSON.stringify(m)).toBe(true);
    for (const m of refused) expect(QueueMessageSchema.safeParse(m).success, JSON.stringify(m)).toBe(false);
    // The consumer's parse (one shape per key set) agrees with the union.
    for (const m of allowed) expect(parseQueueMessage(m), JSON.stringify(m)).toEqual(m);
    for (const m of [...refused, null, [], ['accountId'], { accountId: 'acc_1', job: 'renew_watch', x: 1 }])
      expect(parseQueueMessage(m), JSON.stringify(m)).toBeNull();
  });

  it('the privacy tests’ check agrees, and also refuses an account id that could be an address', () => {
    for (const m of allowed) expect(queueMessageProblem(JSON.stringify(m))).toBeNull();
    for (const m of refused.filter((r) => typeof r === 'object'))
      expect(queueMessageProblem(JSON.stringify(m)), JSON.stringify(m)).not.toBeNull();
    expect(queueMessageProblem(JSON.stringify({ accountId: 'jane@example.net' }))).not.toBeNull();
  });

  it('wireMessage copies a message and refuses another shape without naming its values', () => {
    const m = { accountId: 'acc_1', job: 'renew_watch' as const };
    expect(wireMessage(m)).toEqual(m);
    expect(wireMessage(m)).not.toBe(m);
    expect(() => wireMessage({ accountId: 'acc_1', note: 'jane@example.net' })).toThrow(
      /^queue message of unknown shape$/,
    );
  });

  it('sendBatch: at most 100, and a queue without sendBatch carries syncs one by one but no job', async () => {
    const sent: SyncMessage[] = [];
    const syncOnly = { send: async (m: SyncMessage) => void sent.push(m) };
    await sendBatch(syncOnly, [{ accountId: 'a' }, { accountId: 'b' }]);
    expect(sent).toEqual([{ accountId: 'a' }, { accountId: 'b' }]);
    await expect(sendBatch(syncOnly, [{ accountId: 'a', job: 'renew_watch' }])).rejects.toThrow('sync messages only');
    await expect(
      sendBatch(
        syncOnly,
        Array.from({ length: 101 }, () => ({ accountId: 'a' })),
      ),
    ).rejects.toThrow('over 100');
  });
});
