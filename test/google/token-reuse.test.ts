import { beforeEach, describe, expect, it } from 'vitest';
import { customerMail, sampleOrder, runtimeForTest, type TestRuntime } from '../support/runtime';

/** An access token is refreshed once and reused by later syncs of the same account, until it expires. */
describe('access token reuse across syncs', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
  });

  it('refreshes once for several emails, each synced separately', async () => {
    await rt.reset('shopify', [sampleOrder()]);
    const before = rt.sandbox!.fakes.google.tokenRequests();
    for (const n of [1, 2, 3]) {
      await rt.sendMail(
        customerMail({
          from: `Customer ${n} <c${n}@example.net>`,
          subject: `Question ${n}`,
          body: 'Hello, where is my order?',
          messageId: `<t${n}@example.net>`,
        }),
      );
    }
    expect(await rt.drafts()).toHaveLength(3);
    expect(rt.sandbox!.fakes.google.tokenRequests() - before).toBeLessThanOrEqual(1);
  });

  it('still notices a revoked grant: the next sync marks the account for reconnection', async () => {
    const { accountId } = await rt.reset('shopify', [sampleOrder()]);
    await rt.sendMail(
      customerMail({
        from: 'Jane <jane@example.net>',
        subject: 'First',
        body: 'Where is order #1042?',
        messageId: '<r1@example.net>',
      }),
    );
    rt.sandbox!.fakes.google.revokeAll('merchant@example.com');
    await rt.sendMail(
      customerMail({
        from: 'Jane <jane@example.net>',
        subject: 'Second',
        body: 'Where is order #1042?',
        messageId: '<r2@example.net>',
      }),
    );
    const gmail = await rt.services.db.query.gmailConnections.findFirst({
      where: (t, { eq }) => eq(t.accountId, accountId),
    });
    expect(gmail?.status).toBe('reconnect_needed');
  });
});
