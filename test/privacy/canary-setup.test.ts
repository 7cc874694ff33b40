import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { browserClient, field } from '../support/browser-client';
import { customerMail, startTestRuntime, type TestRuntime } from '../support/runtime';
import { signIn } from '../support/sign-in';
import { canariesInLines, captureConsole } from '../support/canary';

/**
 * The canary scan for the merchant setup flow: an opt-out address typed by the merchant, pasted
 * WooCommerce keys, a customer's mail arriving after a browser-driven setup, a refused sign-in, the
 * export and the deletion. None of the canaries may be at rest, logged or queued; the export holds
 * no secret.
 */
const CANARY = {
  optOut: 'canary.optout.w5@canary-mail.example',
  consumerKey: 'ck_CanaryConsumerKey0123456789abcd',
  consumerSecret: 'cs_CanaryConsumerSecret0123456789ab',
  subject: 'CanarySetupSubjectJ82',
  body: 'CanarySetupBodyL19',
  sender: 'canary.setup.sender@canary-mail.example',
};
const NEEDLES = Object.values(CANARY).flatMap((v) => [v, v.toLowerCase()]);
/** Account records: kept while the account exists (that is their point), gone once it is deleted. */
const ACCOUNT_RECORDS = ['merchant@example.com', 'draftline.test/sandbox/woocommerce'];

describe('privacy canary: the setup flow', () => {
  let rt: TestRuntime;
  let printed: string[] = [];
  let exported = '';
  let dbFilesAfterSetup: string[] = [];
  let accountRecordsAfterSetup: string[] = [];

  beforeAll(async () => {
    printed = captureConsole();
    rt = await startTestRuntime();
    const browser = browserClient(rt);

    // A refused sign-in first (one scope unticked), then a real one.
    const consent = await browser.get('/auth/google/start');
    await browser.post('/sandbox/google/o/oauth2/v2/auth', {
      request_id: field(consent.html, 'request_id'),
      action: 'allow',
      scope: 'https://www.googleapis.com/auth/gmail.compose',
    });
    const { csrf } = await signIn(rt, browser);

    await browser.post('/app/optouts', { csrf, action: 'add', address: CANARY.optOut });
    rt.sandbox!.fakes.woocommerce.addStore(CANARY.consumerKey, CANARY.consumerSecret, []);
    const connected = await browser.post('/connect/woocommerce/keys', {
      csrf,
      storeUrl: `${rt.config.appUrl}/sandbox/woocommerce`,
      consumerKey: CANARY.consumerKey,
      consumerSecret: CANARY.consumerSecret,
    });
    expect(connected.url).toContain('notice=store_connected');

    await rt.sendMail(
      customerMail({
        from: `Canary <${CANARY.sender}>`,
        subject: CANARY.subject,
        body: `${CANARY.body} where is order 1042?`,
        messageId: '<s1@canary-mail.example>',
      }),
    );
    await rt.sendMail(
      customerMail({
        from: `Opted Out <${CANARY.optOut}>`,
        subject: CANARY.subject,
        body: CANARY.body,
        messageId: '<s2@canary-mail.example>',
      }),
    );
    await rt.settle();

    exported = await (await browser.raw('/app/export')).text();
    dbFilesAfterSetup = scanDb();
    accountRecordsAfterSetup = scanDb(ACCOUNT_RECORDS);
    await browser.post('/app/disconnect/store', { csrf });
    await browser.post('/app/delete', { csrf, confirm: 'DELETE' });
  });

  afterAll(() => {
    vi.restoreAllMocks();
    rt.close();
  });

  function scanDb(needles = NEEDLES): string[] {
    const found: string[] = [];
    for (const file of ['', '-wal', '-shm', '-journal'].map((s) => rt.dbPath + s).filter((f) => existsSync(f))) {
      const bytes = readFileSync(file);
      for (const needle of needles)
        if (bytes.toString('latin1').includes(needle) || bytes.toString('utf8').includes(needle))
          found.push(`${needle} in ${file}`);
    }
    return found;
  }

  it('really ran: the store was connected with the canary keys and the mail was seen', async () => {
    expect(exported).toContain('"kind":"woocommerce"');
    expect(exported).toContain('"name":"seen"');
    expect(exported).toContain('"addressHash"');
  });

  it('keeps no canary in the database, during setup or after deletion', () => {
    expect(dbFilesAfterSetup).toEqual([]);
    expect(scanDb()).toEqual([]);
  });

  it('keeps the mailbox address and the store URL while the account exists, and neither after deletion', () => {
    expect(accountRecordsAfterSetup.length).toBeGreaterThanOrEqual(ACCOUNT_RECORDS.length);
    expect(scanDb(ACCOUNT_RECORDS)).toEqual([]);
  });

  it('exports no secret and no canary', () => {
    for (const needle of NEEDLES) expect(exported.includes(needle), needle).toBe(false);
    expect(exported).not.toMatch(/"v1\.[a-z0-9]+\./);
  });

  it('keeps no canary in logs, queue messages or console output', () => {
    expect(canariesInLines({ log: rt.logs, queue: rt.queueMessages, console: printed }, NEEDLES)).toEqual([]);
  });
});
