import { describe, expect, it } from 'vitest';
import { createGmailMailbox, GmailApiError } from '../../src/google/gmail';
import { createAuthorizedClient, GoogleAuthError } from '../../src/google/oauth';
import { COMPOSE, mail, MERCHANT, READONLY, rejection, setup } from '../support/google';

/** The production Gmail client (src/google/gmail.ts) against the Google fake, in-process. */

describe('Gmail client against the fake', () => {
  it('refreshes an access token through our fetch, then reads and drafts through it', async () => {
    const { fake, mailboxFor, requests } = setup();
    const mailbox = mailboxFor(MERCHANT);
    const start = await mailbox.getProfile();
    expect(start.emailAddress).toBe(MERCHANT);
    expect(start.historyId).toMatch(/^\d{7,}$/);
    expect(requests.slice(0, 2)).toEqual(['POST /token', 'GET /gmail/v1/users/me/profile']);

    const sent = fake.insertMessage(MERCHANT, mail({ messageId: '<q1@example.net>' }));
    const page = await mailbox.listHistory(start.historyId);
    expect(page.records).toEqual([
      {
        messageId: sent.id,
        threadId: sent.threadId,
        labelIds: ['INBOX', 'UNREAD', 'CATEGORY_PERSONAL'],
        historyId: sent.historyId,
      },
    ]);
    expect(page.nextPageToken).toBeNull();
    expect(BigInt(page.historyId)).toBeGreaterThan(BigInt(start.historyId));
    expect(page.historyId).toBe(fake.historyId(MERCHANT));

    const raw = await mailbox.getRawMessage(sent.id);
    expect(new TextDecoder().decode(raw.raw)).toBe(mail({ messageId: '<q1@example.net>' }));
    expect(raw).toMatchObject({
      id: sent.id,
      threadId: sent.threadId,
      labelIds: ['INBOX', 'UNREAD', 'CATEGORY_PERSONAL'],
    });
    expect(raw.sizeEstimate).toBe(raw.raw.length);
    expect(Math.abs(raw.internalDate - Date.now())).toBeLessThan(60_000);

    // One token refresh served every call; no other host was contacted (routeFetch would throw).
    expect(requests.filter((r) => r === 'POST /token')).toHaveLength(1);
  });

  it('keeps the exact bytes of a non-UTF-8, 8-bit message', async () => {
    const { fake, mailboxFor } = setup();
    const bytes = Uint8Array.from([
      ...new TextEncoder().encode('Subject: caf'),
      0xe9,
      0x0d,
      0x0a,
      0x0d,
      0x0a,
      0xff,
      0x00,
      0x41,
    ]);
    const { id } = fake.insertMessage(MERCHANT, bytes);
    const got = await mailboxFor(MERCHANT).getRawMessage(id);
    expect([...got.raw]).toEqual([...bytes]);
  });

  it('answers invalid_grant as GoogleAuthError once the person revoked access', async () => {
    const { fake, mailboxFor } = setup();
    const mailbox = mailboxFor(MERCHANT);
    fake.revokeAll(MERCHANT);
    const err = await rejection(mailbox.getProfile());
    expect(err).toBeInstanceOf(GoogleAuthError);
    expect(err).toMatchObject({ code: 'invalid_grant', status: 400 });
    expect(String((err as Error).message)).not.toMatch(/expired or revoked|merchant/);
  });

  it('treats an unknown client as invalid_client, and a token endpoint outage as unknown, without retrying', async () => {
    const { fake, cfg, openMailbox, requests } = setup();
    const token = fake.issueRefreshToken(MERCHANT, [READONLY]);
    const badClient = createGmailMailbox({
      rootUrl: 'http://sandbox.test/google/',
      fetch: cfg.fetch,
      auth: createAuthorizedClient({ ...cfg, clientSecret: 'nope' }, token),
    });
    expect(await rejection(badClient.getProfile())).toMatchObject({ code: 'invalid_client', status: 401 });

    fake.failNext('token', { status: 503 });
    requests.length = 0;
    const err = await rejection(openMailbox(token).getProfile());
    expect(err).toBeInstanceOf(GoogleAuthError);
    expect(err).toMatchObject({ code: 'unknown', status: 503 });
    expect(requests).toEqual(['POST /token']);
  });

  it('surfaces a 404 from history.list (cursor too old) as GmailApiError status 404', async () => {
    const { fake, mailboxFor } = setup();
    const mailbox = mailboxFor(MERCHANT);
    const { historyId } = await mailbox.getProfile();
    fake.insertMessage(MERCHANT, mail({ messageId: '<a@x>' }));
    fake.expireHistory(MERCHANT);
    const err = await rejection(mailbox.listHistory(historyId));
    expect(err).toBeInstanceOf(GmailApiError);
    expect(err).toMatchObject({ status: 404, reason: 'notFound', retryAfterSeconds: null });
    // From the current historyId on, history works again.
    expect((await mailbox.listHistory(fake.historyId(MERCHANT))).records).toEqual([]);
  });

  it('expires history by age with the historyRetention option', async () => {
    let now = Date.UTC(2025, 10, 1);
    const { fake, mailboxFor } = setup({ now: () => now, historyRetention: 60_000 });
    const mailbox = mailboxFor(MERCHANT);
    const { historyId } = await mailbox.getProfile();
    fake.insertMessage(MERCHANT, mail({ messageId: '<a@x>' }));
    expect((await mailbox.listHistory(historyId)).records).toHaveLength(1);
    now += 61_000;
    fake.insertMessage(MERCHANT, mail({ messageId: '<b@x>' }));
    expect(await rejection(mailbox.listHistory(historyId))).toMatchObject({ status: 404 });
  });

  it('pages through history.list and flattens messagesAdded', async () => {
    const { fake, mailboxFor, fetch } = setup();
    const mailbox = mailboxFor(MERCHANT);
    const { historyId } = await mailbox.getProfile();
    const ids = Array.from(
      { length: 130 },
      (_, i) => fake.insertMessage(MERCHANT, mail({ messageId: `<m${i}@x>` })).id,
    );
    // A draft and a SENT message are not INBOX messageAdded records.
    fake.insertMessage(MERCHANT, mail({ messageId: '<sent@x>' }), { labelIds: ['SENT'] });

    const first = await mailbox.listHistory(historyId);
    expect(first.records).toHaveLength(100);
    expect(first.nextPageToken).toBeTruthy();
    const second = await mailbox.listHistory(historyId, first.nextPageToken!);
    expect(second.records).toHaveLength(30);
    expect(second.nextPageToken).toBeNull();
    expect([...first.records, ...second.records].map((r) => r.messageId)).toEqual(ids);
    expect(second.historyId).toBe(fake.historyId(MERCHANT));

    // Wire shape, straight from the fake: record ids are increasing decimal strings.
    const token = (await (
      await fetch('http://sandbox.test/google/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: fake.issueRefreshToken(MERCHANT, [READONLY]),
          client_id: fake.client.clientId,
          client_secret: fake.client.clientSecret,
        }),
      })
    ).json()) as { access_token: string };
    const res = await fetch(
      `http://sandbox.test/google/gmail/v1/users/${MERCHANT}/history?startHistoryId=${historyId}&maxResults=3&historyTypes=messageAdded&labelId=INBOX`,
      {
        headers: { authorization: `Bearer ${token.access_token}` },
      },
    );
    const body = (await res.json()) as {
      history: { id: string; messages: unknown[]; messagesAdded: { message: { id: string } }[] }[];
      nextPageToken: string;
      historyId: string;
    };
    expect(body.history).toHaveLength(3);
    expect(body.history[0]!.messages).toEqual([{ id: ids[0], threadId: ids[0] }]);
    const recordIds = body.history.map((h) => BigInt(h.id));
    expect(recordIds[0]! < recordIds[1]! && recordIds[1]! < recordIds[2]!).toBe(true);
    expect(typeof body.historyId).toBe('string');
  });

  it('pages through messages.list, newest first', async () => {
    const { fake, mailboxFor, fetch } = setup();
    const mailbox = mailboxFor(MERCHANT);
    let t = Date.UTC(2025, 0, 1);
    const ids = Array.from(
      { length: 520 },
      (_, i) => fake.insertMessage(MERCHANT, mail({ messageId: `<p${i}@x>` }), { internalDate: (t += 1000) }).id,
    );
    fake.insertMessage(MERCHANT, mail({ messageId: '<spam@x>' }), { labelIds: ['SPAM'], internalDate: t + 5000 });

    const recent = await mailbox.listRecentInbox(510);
    expect(recent).toHaveLength(510);
    expect(recent.map((m) => m.id)).toEqual([...ids].reverse().slice(0, 510));
    expect(fake.calls(MERCHANT)['messages.list']).toBe(2);
    expect(await mailbox.listRecentInbox(3)).toEqual(
      [...ids]
        .reverse()
        .slice(0, 3)
        .map((id) => ({ id, threadId: id })),
    );

    // Raw wire: pageToken / resultSizeEstimate / q=in:inbox.
    const access = await accessToken(fetch, fake);
    const page1 = (await (
      await fetch('http://sandbox.test/google/gmail/v1/users/me/messages?maxResults=2&q=in%3Ainbox', {
        headers: access,
      })
    ).json()) as {
      messages: { id: string }[];
      nextPageToken: string;
      resultSizeEstimate: number;
    };
    expect(page1.messages.map((m) => m.id)).toEqual([ids[519], ids[518]]);
    expect(page1.resultSizeEstimate).toBe(520);
    const page2 = (await (
      await fetch(
        `http://sandbox.test/google/gmail/v1/users/me/messages?maxResults=2&q=in%3Ainbox&pageToken=${page1.nextPageToken}`,
        { headers: access },
      )
    ).json()) as {
      messages: { id: string }[];
    };
    expect(page2.messages.map((m) => m.id)).toEqual([ids[517], ids[516]]);
  });

  it('surfaces 429 and 403 userRateLimitExceeded with the wait Gmail names, and 500 backendError, each without retrying', async () => {
    const { fake, mailboxFor } = setup();
    const mailbox = mailboxFor(MERCHANT);
    const { historyId } = await mailbox.getProfile();

    fake.failNext('history.list', { status: 429, retryAfterSeconds: 17 });
    const rate = await rejection(mailbox.listHistory(historyId));
    expect(rate).toBeInstanceOf(GmailApiError);
    expect(rate).toMatchObject({ status: 429, reason: 'rateLimitExceeded', retryAfterSeconds: 17 });

    fake.failNext('messages.get', { status: 403 });
    expect(await rejection(mailbox.getRawMessage('anything'))).toMatchObject({
      status: 403,
      reason: 'userRateLimitExceeded',
      retryAfterSeconds: null,
    });
    // Gmail's usual lockout: "User-rate limit exceeded.  Retry after <15 minutes on>", in the body only.
    fake.failNext('messages.get', { status: 403, retryAfterSeconds: 900 });
    expect(await rejection(mailbox.getRawMessage('anything'))).toMatchObject({
      status: 403,
      reason: 'userRateLimitExceeded',
      retryAfterSeconds: 900,
    });

    fake.failNext('drafts.create', { status: 500, count: 2 });
    expect(await rejection(mailbox.createDraft('t', 'Subject: x\r\n\r\nbody'))).toMatchObject({
      status: 500,
      reason: 'backendError',
    });
    expect(await rejection(mailbox.createDraft('t', 'Subject: x\r\n\r\nbody'))).toMatchObject({
      status: 500,
      reason: 'backendError',
    });
    fake.failNext('threads.get', { status: 503 });
    expect(await rejection(mailbox.getThread('t'))).toMatchObject({ status: 503, reason: 'backendError' });

    // Each injected failure was one request: the client did not retry behind our back.
    expect(fake.calls(MERCHANT)).toMatchObject({
      'history.list': 1,
      'messages.get': 2,
      'drafts.create': 2,
      'threads.get': 1,
    });
    // The fault is used up: the next call goes through.
    expect((await mailbox.listHistory(historyId)).records).toEqual([]);
  });

  it('never puts mail content, addresses or response bodies in error messages', async () => {
    const { fake, mailboxFor } = setup();
    const mailbox = mailboxFor(MERCHANT);
    const err = (await rejection(mailbox.getRawMessage('deadbeefdeadbeef'))) as GmailApiError;
    expect(err).toMatchObject({ status: 404, reason: 'notFound' });
    expect(err.message).toBe('gmail_api_error status=404 reason=notFound');
    expect(Object.keys(err)).not.toContain('response');
    expect(JSON.stringify(err)).not.toMatch(/Requested entity|merchant|Bearer/);
    expect((err as Error & { cause?: unknown }).cause).toBeUndefined();
    expect(fake.calls(MERCHANT)['messages.get']).toBe(1);
  });

  it('puts a reply draft in the thread when threadId, In-Reply-To/References and subject agree', async () => {
    const { fake, mailboxFor } = setup();
    const mailbox = mailboxFor(MERCHANT);
    const q = fake.insertMessage(MERCHANT, mail({ messageId: '<q1@example.net>', subject: 'Where is my order?' }));
    const reply = mail({
      from: MERCHANT,
      to: 'jane@example.net',
      subject: 'Re: Where is my order?',
      inReplyTo: '<q1@example.net>',
      references: '<q1@example.net>',
      body: 'It ships today.',
    });
    const draft = await mailbox.createDraft(q.threadId, reply);
    expect(draft.draftId).toMatch(/^r-?\d+$/);

    const thread = await mailbox.getThread(q.threadId);
    expect(thread.messages).toEqual([
      { messageId: q.id, labelIds: ['INBOX', 'UNREAD', 'CATEGORY_PERSONAL'] },
      { messageId: draft.messageId, labelIds: ['DRAFT'] },
    ]);
    expect(fake.drafts(MERCHANT)).toEqual([{ id: draft.draftId, threadId: q.threadId, raw: reply }]);
  });

  it('starts a new thread, like Gmail, when the reply headers or subject do not match; 404 for an unknown thread', async () => {
    const { fake, mailboxFor } = setup();
    const mailbox = mailboxFor(MERCHANT);
    const q = fake.insertMessage(MERCHANT, mail({ messageId: '<q1@example.net>', subject: 'Where is my order?' }));
    await mailbox.createDraft(q.threadId, mail({ subject: 'Re: Where is my order?' })); // no In-Reply-To/References
    await mailbox.createDraft(
      q.threadId,
      mail({ subject: 'Something else', inReplyTo: '<q1@example.net>', references: '<q1@example.net>' }),
    );
    const drafts = fake.drafts(MERCHANT);
    expect(drafts).toHaveLength(2);
    for (const d of drafts) expect(d.threadId).not.toBe(q.threadId);
    expect((await mailbox.getThread(q.threadId)).messages).toHaveLength(1);

    expect(await rejection(mailbox.createDraft('ffffffffffffffff', mail({})))).toMatchObject({
      status: 404,
      reason: 'notFound',
    });
  });

  it('threads received mail by References / In-Reply-To and by a repeated Message-ID', () => {
    const { fake } = setup();
    const a = fake.insertMessage(MERCHANT, mail({ messageId: '<a@x>' }));
    const b = fake.insertMessage(MERCHANT, mail({ messageId: '<b@x>', references: '<zzz@elsewhere> <a@x>' }));
    const c = fake.insertMessage(MERCHANT, mail({ messageId: '<c@x>', inReplyTo: '<b@x>' }));
    const d = fake.insertMessage(MERCHANT, mail({ messageId: '<d@x>', references: '<unknown@x>' }));
    const again = fake.insertMessage(MERCHANT, mail({ messageId: '<d@x>' }));
    expect(a.threadId).toBe(a.id);
    expect(b.threadId).toBe(a.threadId);
    expect(c.threadId).toBe(a.threadId);
    expect(d.threadId).toBe(d.id);
    expect(again.threadId).toBe(d.threadId);
    expect(again.id).not.toBe(d.id);
    expect(BigInt(again.historyId)).toBeGreaterThan(BigInt(d.historyId));
  });

  it('tells whether a thread gained a message since its historyId, for 2 units instead of a second threads.get', async () => {
    const { fake, mailboxFor } = setup();
    const mailbox = mailboxFor(MERCHANT);
    const q = fake.insertMessage(MERCHANT, mail({ messageId: '<q1@example.net>', subject: 'Where is my order?' }));
    const { historyId } = await mailbox.getThread(q.threadId);
    expect(historyId).toBe(q.historyId);
    fake.insertMessage(MERCHANT, mail({ messageId: '<other@example.net>', subject: 'Another customer' }));
    const before = fake.units(MERCHANT);
    expect(await mailbox.threadChangedSince(q.threadId, historyId)).toBe(false);
    expect(fake.units(MERCHANT) - before).toBe(2);

    // The merchant starts a reply of their own in the thread.
    await mailbox.createDraft(
      q.threadId,
      mail({
        from: MERCHANT,
        subject: 'Re: Where is my order?',
        inReplyTo: '<q1@example.net>',
        references: '<q1@example.net>',
      }),
    );
    expect(await mailbox.threadChangedSince(q.threadId, historyId)).toBe(true);
  });

  it('counts quota units with Gmail per-method costs', async () => {
    const { fake, mailboxFor } = setup();
    const mailbox = mailboxFor(MERCHANT);
    const q = fake.insertMessage(MERCHANT, mail({ messageId: '<q@x>' }));
    const { historyId } = await mailbox.getProfile(); // 1
    await mailbox.listHistory(historyId); // 2
    await mailbox.listRecentInbox(10); // 5
    await mailbox.getRawMessage(q.id); // 5
    await mailbox.getThread(q.threadId); // 10
    await mailbox.createDraft(q.threadId, mail({ subject: 'Re: Where is my order?', inReplyTo: '<q@x>' })); // 10
    await mailbox.watch('projects/sandbox/topics/gmail-push'); // 100
    await mailbox.stop(); // 50
    expect(fake.units(MERCHANT)).toBe(1 + 2 + 5 + 5 + 10 + 10 + 100 + 50);
    expect(fake.calls(MERCHANT)).toEqual({
      getProfile: 1,
      'history.list': 1,
      'messages.list': 1,
      'messages.get': 1,
      'threads.get': 1,
      'drafts.create': 1,
      watch: 1,
      stop: 1,
    });
    expect(fake.units('nobody@example.com')).toBe(0);
  });

  it('enforces the granted scopes: compose cannot read, readonly cannot draft', async () => {
    const { fake, mailboxFor } = setup();
    const q = fake.insertMessage(MERCHANT, mail({ messageId: '<q@x>' }));
    const composeOnly = mailboxFor(MERCHANT, [COMPOSE]);
    expect(await rejection(composeOnly.getRawMessage(q.id))).toMatchObject({
      status: 403,
      reason: 'insufficientPermissions',
    });
    expect(await rejection(composeOnly.listHistory('1'))).toMatchObject({
      status: 403,
      reason: 'insufficientPermissions',
    });
    await expect(composeOnly.getProfile()).resolves.toMatchObject({ emailAddress: MERCHANT });

    const readOnly = mailboxFor(MERCHANT, [READONLY]);
    expect(await rejection(readOnly.createDraft(q.threadId, mail({})))).toMatchObject({
      status: 403,
      reason: 'insufficientPermissions',
    });
    await expect(readOnly.getRawMessage(q.id)).resolves.toMatchObject({ id: q.id });
    expect(fake.drafts(MERCHANT)).toEqual([]);
  });

  it('watch answers historyId and an expiration about 7 days out; stop ends it', async () => {
    const { fake, mailboxFor } = setup();
    const mailbox = mailboxFor(MERCHANT);
    const w = await mailbox.watch('projects/sandbox/topics/gmail-push');
    expect(w.historyId).toBe(fake.historyId(MERCHANT));
    expect(w.expiration - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
    expect(w.expiration - Date.now()).toBeLessThan(7.1 * 24 * 3600 * 1000);
    expect(fake.watchOf(MERCHANT)).toMatchObject({
      topicName: 'projects/sandbox/topics/gmail-push',
      labelIds: ['INBOX'],
      labelFilterBehavior: 'include',
    });
    await mailbox.stop();
    expect(fake.watchOf(MERCHANT)).toBeNull();
    expect(await rejection(mailbox.watch('not-a-topic'))).toMatchObject({ status: 400 });
  });

  it('reports a refused connection as a network error, not as an answer', async () => {
    const { fake, cfg } = setup();
    const token = fake.issueRefreshToken(MERCHANT, [READONLY]);
    const elsewhere = createGmailMailbox({
      rootUrl: 'http://elsewhere.test/',
      fetch: cfg.fetch,
      auth: createAuthorizedClient(cfg, token),
    });
    expect(await rejection(elsewhere.getProfile())).toMatchObject({ status: 0, reason: 'network' });
    const noTokenEndpoint = createGmailMailbox({
      rootUrl: 'http://sandbox.test/google/',
      fetch: cfg.fetch,
      auth: createAuthorizedClient({ ...cfg, tokenUrl: 'http://down.test/token' }, token),
    });
    expect(await rejection(noTokenEndpoint.getProfile())).toMatchObject({ code: 'network', status: 0 });
  });
});

async function accessToken(
  fetch: (i: string, init?: RequestInit) => Promise<Response>,
  fake: ReturnType<typeof setup>['fake'],
) {
  const res = await fetch('http://sandbox.test/google/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: fake.issueRefreshToken(MERCHANT, [READONLY]),
      client_id: fake.client.clientId,
      client_secret: fake.client.clientSecret,
    }),
  });
  const { access_token } = (await res.json()) as { access_token: string };
  return { authorization: `Bearer ${access_token}` };
}
