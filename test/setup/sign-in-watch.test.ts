import { describe, expect, it } from 'vitest';
import { getGmailConnection } from '../../src/db/accounts';
import { runScheduled } from '../../src/pipeline/schedule';
import { SANDBOX_MAILBOX } from '../../src/sandbox';
import { runtimeForTest } from '../support/runtime';
import { signIn } from '../support/sign-in';

describe('sign-in while Google refuses the push watch', () => {
  it('still signs in; the cursor starts at sign-in, the failure is counted, and the next cron tick sets the watch', async () => {
    const rt = await runtimeForTest();
    const google = rt.sandbox!.fakes.google;
    // Gmail's 503 "The service is currently unavailable." (the client makes one attempt).
    google.failNext('watch', { status: 503 });
    const atSignIn = google.historyId(SANDBOX_MAILBOX);

    const { app, browser, accountId } = await signIn(rt);
    expect(app.status).toBe(200);
    expect(app.url).toContain('/app?notice=signed_in');

    const gmail = (await getGmailConnection(rt.services.db, accountId))!;
    expect(gmail).toMatchObject({ status: 'active', watchExpiresAt: null, historyCursor: atSignIn });
    const failed = rt.logs.find((l) => l.includes('"event":"account.watch_failed"'));
    expect(failed).toMatch(/"errorClass":"gmail_unavailable"/);
    const counters = await rt.services.db.query.dailyCounters.findMany();
    expect(counters.map((c) => [c.name, c.count])).toContainEqual(['error:gmail_unavailable', 1]);
    expect((await browser.get('/app')).html).toMatch(/Push notifications<\/dt>\s*<dd>not set up yet/);

    // Mail that arrives before any watch is set is after the cursor: the poll will read it.
    const later = google.insertMessage(SANDBOX_MAILBOX, 'From: a@example.org\r\nSubject: hi\r\n\r\nhello');
    expect(BigInt(later.historyId)).toBeGreaterThan(BigInt(atSignIn));

    await runScheduled(rt.services);
    await rt.settle();
    const renewed = (await getGmailConnection(rt.services.db, accountId))!;
    expect(renewed.watchExpiresAt).toBeGreaterThan(Date.now());
    expect(renewed.historyCursor).toBe(atSignIn);
    expect(google.watchOf(SANDBOX_MAILBOX)).not.toBeNull();
  });
});
