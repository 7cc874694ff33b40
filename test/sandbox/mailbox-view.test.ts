import { beforeEach, describe, expect, it } from 'vitest';
import {
  customerMail,
  LIVE_ENV,
  sampleOrder,
  runtimeForTest,
  startTestRuntime,
  type TestRuntime,
} from '../support/runtime';
import { field } from '../support/browser-client';
import { signIn } from '../support/sign-in';
import { MailboxPage, type MailView, type ThreadView } from '../../src/sandbox/mailbox-view';
import { renderPage } from '../../src/ui/layout';

/**
 * The sandbox mailbox view (GET /sandbox/mail): customer mail and Draftline's draft in one thread,
 * the reason in words for mail that got none, everything escaped, and the "Write as a customer"
 * form that delivers a mail like one from outside.
 */

const html = { accept: 'text/html' };

/** The <article> of one thread on the page. */
function threadOf(page: string, threadId: string): string {
  const start = page.indexOf(`<article class="thread" id="thread-${threadId}"`);
  expect(start, `thread ${threadId} on the page`).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf('</article>', start));
}

/** Every <section class="mail …"> of a thread, in order, with its kind. */
function mailsOf(thread: string): { kind: string; html: string }[] {
  return [...thread.matchAll(/<section class="mail (customer|draft|sent)"[\s\S]*?<\/section>/g)].map((m) => ({
    kind: m[1]!,
    html: m[0],
  }));
}

describe('sandbox mailbox view', () => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await runtimeForTest();
    await rt.reset('shopify', [sampleOrder()]);
  });

  const page = async () => {
    const res = await rt.request('/sandbox/mail', { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    return res.text();
  };

  it('shows the customer’s message and, under it in the same thread, Draftline’s draft marked as a draft', async () => {
    const { threadId } = await rt.sendMail(
      customerMail({
        from: 'Jane Doe <jane@example.net>',
        subject: 'Where is my order?',
        body: 'Hi,\r\n\r\nWhere is my order #1042?\r\n\r\nJane',
        messageId: '<q1@example.net>',
      }),
    );
    const [draft] = await rt.drafts();
    expect(draft!.threadId).toBe(threadId);

    const thread = threadOf(await page(), threadId);
    expect(thread).toContain('<h3 id="subject-');
    expect(thread).toContain('Where is my order?</h3>');
    const [customer, written, ...rest] = mailsOf(thread);
    expect(rest).toEqual([]);
    expect(customer!.kind).toBe('customer');
    expect(customer!.html).toContain('Jane Doe &lt;jane@example.net&gt;');
    expect(customer!.html).toContain('Where is my order #1042?');
    expect(customer!.html).toContain('<span class="tag ok">Drafted</span>Draftline wrote the draft below.');
    expect(customer!.html).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);

    expect(written!.kind).toBe('draft');
    expect(written!.html).toContain('<span class="draft-mark">Draft</span>');
    expect(written!.html).toContain('Written by Draftline · to jane@example.net');
    expect(written!.html).toContain('Subject: Re: Where is my order?');
    // The draft's text, line breaks kept (the page shows them with white-space: pre-wrap).
    const body = /<div class="mail-body">([\s\S]*?)<\/div>/.exec(written!.html)![1]!;
    expect(body).toContain('1Z999AA10123456784');
    expect(body).toContain('\n');
    expect(body).not.toContain('\r');
  });

  it('says in words why mail got no draft: a newsletter, an automatic reply', async () => {
    const newsletter = await rt.sendMail(
      customerMail({
        from: 'Deals <deals@shop.example>',
        subject: 'Our summer sale',
        body: 'Everything 20% off',
        messageId: '<n1@shop.example>',
        extraHeaders: ['List-Id: <deals.shop.example>'],
      }),
    );
    const autoReply = await rt.sendMail(
      customerMail({
        from: 'Jane Doe <jane@example.net>',
        subject: 'Out of office',
        body: 'I am away until Monday.',
        messageId: '<a1@example.net>',
        extraHeaders: ['Auto-Submitted: auto-replied'],
      }),
    );
    expect(await rt.drafts()).toEqual([]);
    const view = await page();
    const list = mailsOf(threadOf(view, newsletter.threadId));
    expect(list.map((m) => m.kind)).toEqual(['customer']);
    expect(list[0]!.html).toContain('<span class="tag">No draft</span>Skipped: Newsletter or mailing list');
    expect(threadOf(view, autoReply.threadId)).toContain('<span class="tag">No draft</span>Skipped: Automatic reply');
    // Newest first.
    expect(view.indexOf(`id="thread-${autoReply.threadId}"`)).toBeLessThan(
      view.indexOf(`id="thread-${newsletter.threadId}"`),
    );
    // Idle: no self-refresh, but a plain Refresh link.
    expect(view).not.toContain('http-equiv="refresh"');
    expect(view).toContain('<a class="button secondary" href="/sandbox/mail" id="refresh-mailbox">Refresh</a>');
  });

  it('shows markup in a customer’s message as text, never as a tag', async () => {
    const plain = await rt.sendMail(
      customerMail({
        from: 'Mallory <mallory@example.com>',
        subject: '<script>alert("subject")</script>',
        body: `Hello <script>alert(1)</script> <img src=x onerror=alert(2)> https://example.com/${'a'.repeat(300)}`,
        messageId: '<h1@example.com>',
      }),
    );
    const htmlOnly = await rt.sendMail(
      [
        'From: "Mallory <b>" <mallory@example.com>',
        'To: merchant@example.com',
        'Subject: HTML question',
        `Date: ${new Date().toUTCString()}`,
        'Message-ID: <h2@example.com>',
        'MIME-Version: 1.0',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>Where is <b>my order</b> #1042?</p><script>evil()</script><p>&lt;iframe src=//evil.example&gt;</p>',
        '',
      ].join('\r\n'),
    );
    const view = await page();
    expect(view).not.toMatch(/<script|<img|<iframe|<b>/i);
    const first = threadOf(view, plain.threadId);
    expect(first).toContain('&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt;</h3>');
    expect(first).toContain('Hello &lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;');
    const second = threadOf(view, htmlOnly.threadId);
    // Read with the app's own HTML reader: tags gone, script content dropped, entities decoded then escaped.
    expect(second).toContain('Where is my order #1042?');
    expect(second).toContain('&lt;iframe src=//evil.example&gt;');
    expect(second).not.toContain('evil()');
    expect(second).toContain('An HTML email, shown as text.');
    expect(second).toContain('Mallory &lt;b&gt; &lt;mallory@example.com&gt;');
  });

  it('shows a 1 MB hostile mail capped, and an unreadable one by its headers', async () => {
    const big = await rt.sendMail(
      customerMail({
        from: 'Mallory <mallory@example.com>',
        subject: 'Long',
        body: 'x'.repeat(1024 * 1024),
        messageId: '<big@example.com>',
      }),
    );
    const thread = threadOf(await page(), big.threadId);
    expect(thread.length).toBeLessThan(10_000);
    expect(thread).toMatch(/… 1,044,\d{3} more characters not shown\./);

    const res = await rt.request('/sandbox/try-email', {
      method: 'POST',
      headers: { origin: rt.config.appUrl },
      body: new URLSearchParams({ email: 'hostile-nested', back: 'mail' }),
    });
    expect(res.status).toBe(303);
    const nested = /#thread-(\w+)$/.exec(res.headers.get('location')!)![1]!;
    const shown = threadOf(await page(), nested);
    expect(shown).toContain('Mallory &lt;mallory@example.com&gt;');
    expect(shown).toContain('Where is my order #1042?</h3>');
    expect(shown).toContain('This message could not be read');
    expect(shown).toContain('Skipped: Could not be read');
  });

  it('“Write as a customer” delivers the typed mail, which gets a draft, and comes back to the mailbox at its thread', async () => {
    const form = await page();
    expect(form).toContain('value="Jane Doe &lt;jane@example.net&gt;"');
    expect(form).toContain('Where is my order #1042?');
    expect(form).toContain('<option value="where-is-1042">');

    const res = await rt.request('/sandbox/mail', {
      method: 'POST',
      headers: { origin: rt.config.appUrl, accept: 'text/html' },
      body: new URLSearchParams({
        from: 'Jane Dö <JANE@example.net>',
        subject: 'Où est ma commande ?',
        body: 'Bonjour,\r\n\r\nOù est ma commande #1042 ?\r\n\r\nJane',
      }),
    });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/sandbox\/mail#thread-\w+$/);
    const threadId = location.split('#thread-')[1]!;
    const [draft] = await rt.drafts();
    expect(draft!.threadId).toBe(threadId);
    expect(draft!.subject).toBe('Re: Où est ma commande ?');

    const thread = threadOf(await page(), threadId);
    const [customer, written] = mailsOf(thread);
    expect(customer!.html).toContain('Jane Dö &lt;JANE@example.net&gt;');
    expect(customer!.html).toContain('Bonjour,\n\nOù est ma commande #1042 ?\n\nJane');
    expect(customer!.html).toContain('Drafted');
    expect(written!.kind).toBe('draft');
    expect(written!.html).toContain('1Z999AA10123456784');
  });

  it('refuses a missing or malformed From with 400 (the form again, or the JSON envelope), a cross-site post with 403, an oversized message with 400', async () => {
    const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      rt.request('/sandbox/mail', {
        method: 'POST',
        headers: { origin: rt.config.appUrl, accept: 'text/html', ...headers },
        body: new URLSearchParams(form),
      });

    const bad = await post({ from: 'Jane Doe', subject: 'Hi', body: 'Keep this text' });
    expect(bad.status).toBe(400);
    const again = await bad.text();
    expect(again).toContain('The email was not sent.');
    expect(again).toContain('does not look like an email address');
    expect(again).toContain('value="Jane Doe"');
    expect(again).toContain('Keep this text</textarea>');
    expect(again).toMatch(
      /<input type="text" id="compose-from" name="from" value="Jane Doe"[^>]*aria-invalid="true" aria-describedby="compose-from-error"/,
    );
    const long = await post({ from: 'jane@example.net', subject: 's'.repeat(201), body: 'x' });
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('id="compose-subject-error"');

    expect((await post({ from: '', subject: 'Hi', body: 'x' })).status).toBe(400);
    expect((await post({ from: 'jane@example.net\r\nBcc: x@example.com', body: 'x' })).status).toBe(400);
    expect((await post({ from: 'a@b.co', body: 'x'.repeat(20_001) })).status).toBe(400);

    const json = await post({ from: 'not an address', body: 'x' }, { accept: 'application/json' });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('invalid_body');

    const foreign = await post({ from: 'jane@example.net', body: 'x' }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const noOrigin = await rt.request('/sandbox/mail', {
      method: 'POST',
      body: new URLSearchParams({ from: 'jane@example.net', body: 'x' }),
    });
    expect(noOrigin.status).toBe(403);

    const huge = await post({ from: 'jane@example.net', body: 'x'.repeat(300 * 1024) });
    expect(huge.status).toBe(413);

    // Nothing refused reached the mailbox.
    expect(rt.sandbox!.fakes.google.messages('merchant@example.com')).toEqual([]);
  });

  it('forgets the outcomes on /sandbox/reset, with the mailbox', async () => {
    await rt.sendMail(
      customerMail({
        from: 'Deals <deals@shop.example>',
        subject: 'Sale',
        body: 'Sale',
        messageId: '<n2@shop.example>',
        extraHeaders: ['Precedence: bulk'],
      }),
    );
    expect(await page()).toContain('Skipped: Newsletter or mailing list');
    await rt.reset('shopify', [sampleOrder()]);
    const view = await page();
    expect(view).not.toContain('Skipped:');
    expect(view).toContain('No mail yet.');
  });

  it('is linked from the dashboard’s “Try it” card, before the JSON', async () => {
    // Signing in as the sandbox mailbox finds the account /sandbox/reset connected, store and all.
    const { browser, app: dashboard } = await signIn(rt);
    expect(dashboard.url).toContain('/app');
    const link = dashboard.html.indexOf('href="/sandbox/mail"');
    expect(link).toBeGreaterThan(0);
    expect(dashboard.html.indexOf('href="/sandbox/gmail/drafts"')).toBeGreaterThan(link);
    const view = await browser.get('/sandbox/mail');
    // Signed in: the page shows the account navigation.
    expect(view.html).toContain('<a href="/app/settings">Settings</a>');
  });

  it('says why no mail is drafted: paused, then Gmail disconnected (reconnect from the dashboard)', async () => {
    const { browser, app: dashboard } = await signIn(rt);
    const csrf = field(dashboard.html, 'csrf');
    await browser.post('/app/pause', { csrf });
    expect(await page()).toContain('Drafting is paused: resume it on the dashboard.');
    await browser.post('/app/disconnect/gmail', { csrf });
    const view = await page();
    expect(view).toContain('Gmail is disconnected: connect it again from the dashboard.');
    expect(view).not.toContain('sign in with Google on the home page');
  });
});

describe('sandbox mailbox view while Draftline is working', () => {
  it('refreshes itself every 5 seconds until the queue is idle, and says the mail is waiting', async () => {
    // The reply writer is held until the test lets it answer: a sync is under way meanwhile.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let writing!: () => void;
    const started = new Promise<void>((resolve) => (writing = resolve));
    const rt = await startTestRuntime(
      {},
      {
        wrapFetch: (f) => async (input, init) => {
          const url = input instanceof Request ? input.url : String(input);
          if (url.includes('/sandbox/openai/')) {
            writing();
            await held;
          }
          return f(input, init);
        },
      },
    );
    try {
      await rt.reset('shopify', [sampleOrder()]);
      const { threadId } = rt.sandbox!.fakes.google.insertMessage(
        'merchant@example.com',
        customerMail({
          from: 'Jane Doe <jane@example.net>',
          subject: 'Where is my order?',
          body: 'Where is my order #1042?',
          messageId: '<w1@example.net>',
        }),
      );
      await started;
      const busy = await (await rt.request('/sandbox/mail', { headers: html })).text();
      expect(busy).toMatch(/<head>[\s\S]*<meta http-equiv="refresh" content="5"\/>[\s\S]*<\/head>/);
      expect(busy).toContain('Draftline is still working.');
      expect(threadOf(busy, threadId)).toContain('<span class="tag">Waiting</span>');

      release();
      await rt.settle();
      const done = await (await rt.request('/sandbox/mail', { headers: html })).text();
      expect(done).not.toContain('http-equiv="refresh"');
      expect(threadOf(done, threadId)).toContain('<span class="tag ok">Drafted</span>');
    } finally {
      release();
      rt.close();
    }
  });
});

describe('sandbox mailbox view in live mode', () => {
  it('answers 404', async () => {
    const rt = await runtimeForTest(LIVE_ENV);
    expect((await rt.request('/sandbox/mail', { headers: html })).status).toBe(404);
    const post = await rt.request('/sandbox/mail', {
      method: 'POST',
      headers: { origin: 'https://draftline.example.com' },
      body: new URLSearchParams({ from: 'jane@example.net' }),
    });
    expect(post.status).toBe(404);
  });
});

const mail = (id: string, kind: MailView['kind'], date: number): MailView => ({
  id,
  kind,
  from: kind === 'customer' ? 'ann@example.com' : 'shop@example.com',
  to: '',
  subject: 'Where is my order?',
  date,
  text: id,
  cut: 0,
  fromHtml: false,
  unreadable: null,
  attachments: [],
  outcome: null,
});

describe('the sandbox mailbox without reported outcomes (the Worker in workerd)', () => {
  it("a customer email after the thread's draft, still being worked on, says Waiting, not Drafted", () => {
    const thread: ThreadView = {
      id: 't1',
      subject: 'Where is my order?',
      messages: [mail('first', 'customer', 1), mail('draft', 'draft', 2), mail('follow-up', 'customer', 3)],
      earlier: 0,
      drafted: true,
    };
    const html = page(thread, true);
    const afterDraft = html.slice(html.indexOf('follow-up'));
    expect(afterDraft).toContain('Waiting');
    expect(afterDraft).not.toContain('Drafted');
    // Once idle: the email the draft follows says Drafted, the one after it No draft.
    const idle = page(thread, false);
    expect(idle.slice(idle.indexOf('>first<'), idle.indexOf('follow-up'))).toContain('Drafted');
    expect(idle.slice(idle.indexOf('follow-up'))).toContain('No draft');
  });
});

function page(thread: ThreadView, busy: boolean): string {
  return renderPage(
    MailboxPage({
      mode: 'sandbox',
      signedIn: true,
      mailbox: 'merchant@example.com',
      threads: [thread],
      more: 0,
      busy,
      reasonsKnown: false,
      idleReason: null,
      demoEmails: [],
      form: { from: '', subject: '', body: '' },
    }),
  );
}
