import { beforeEach, describe, expect, it } from 'vitest';
import { chaosForTest, type Chaos } from '../support/chaos';
import { expectInvariants } from '../support/chaos-invariants';

/**
 * The process dies right after Gmail stored a draft: before the cursor moves, before anything is
 * counted, without letting its lease go. What comes after (redelivery, triggers, the cron) must
 * find the draft and add none, and must not lose the mail behind it.
 */
describe('chaos: a crash between drafts.create and the cursor update', () => {
  let c: Chaos;
  beforeEach(async () => {
    c = await chaosForTest();
  });

  it('the cursor stays, the lease blocks until it expires, then the cron finishes without a second draft', async () => {
    const first = c.question();
    c.question();
    const cursor = (await c.connection())!.historyCursor;
    c.crashAfterDraft(1);
    await c.trigger();
    await c.settle();

    // The dead run's draft is there; the cursor did not move; the lease is still the dead process's.
    expect(c.google.drafts(c.mailbox).map((d) => d.threadId)).toEqual([first.threadId]);
    expect(await c.connection()).toMatchObject({ historyCursor: cursor, syncLeaseOwner: 'dead-process' });
    // Redelivery and new triggers find the lease taken: they ask for a rerun and do nothing else.
    expect(await c.sync()).toEqual({ status: 'busy' });
    expect((await c.connection())!.syncRerunRequested).toBe(true);

    await c.cron();
    expect(c.google.calls(c.mailbox)['drafts.create']).toBe(2);
    expect(await c.counters()).toMatchObject({ 'skipped:already_drafted': 1, drafted: 1 });
    await expectInvariants(c);
  });

  it('crashes after every one of several drafts in a row', async () => {
    for (let i = 0; i < 4; i++) c.question();
    for (let round = 0; round < 4; round++) {
      c.crashAfterDraft(1);
      await c.trigger();
      await c.settle();
      await c.cron();
    }
    expect(c.google.calls(c.mailbox)['drafts.create']).toBe(4);
    await expectInvariants(c);
  });

  it('a crash, then mail in the same thread and new threads before anyone recovers', async () => {
    const first = c.question();
    c.crashAfterDraft(1);
    await c.sync();
    c.followUp(first);
    c.question();
    await c.trigger();
    await c.settle();
    expect(c.google.drafts(c.mailbox)).toHaveLength(1);
    await c.cron();
    await expectInvariants(c);
  });
});
