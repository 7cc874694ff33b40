import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createGoogleFake } from '../../src/sandbox/fakes/google';
import { routeFetch } from '../../src/sandbox/fakes/route-fetch';
import { BASE, COMPOSE, mail, MERCHANT, READONLY, setup } from '../support/google';

/** Wire-level behaviour of the Google fake that the clients do not exercise on their own. */

async function bearer(ctx: ReturnType<typeof setup>, scopes: string[] = [READONLY, COMPOSE], email = MERCHANT) {
  const res = await ctx.fetch(`${BASE}/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: ctx.fake.issueRefreshToken(email, scopes),
      client_id: ctx.fake.client.clientId,
      client_secret: ctx.fake.client.clientSecret,
    }),
  });
  const body = (await res.json()) as {
    access_token: string;
    expires_in: number;
    token_type: string;
    scope: string;
    refresh_token?: string;
  };
  expect(res.status).toBe(200);
  expect(body).toMatchObject({ expires_in: 3599, token_type: 'Bearer', scope: scopes.join(' ') });
  expect(body.refresh_token).toBeUndefined();
  return { authorization: `Bearer ${body.access_token}` };
}

const MULTIPART = [
  'From: =?UTF-8?B?SsOpcsO0bWU=?= <jerome@example.net>',
  `To: ${MERCHANT}`,
  'Subject: =?UTF-8?Q?Commande_n=C2=B01042?=',
  'Message-ID: <mp@example.net>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  '--outer',
  'Content-Type: multipart/alternative; boundary=inner',
  '',
  '--inner',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'O=C3=B9 est ma   commande <1042> ?',
  '--inner',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Où est ma commande?</p>',
  '--inner--',
  '--outer',
  'Content-Type: application/pdf; name="invoice.pdf"',
  'Content-Disposition: attachment; filename="invoice.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQK',
  '--outer--',
  '',
].join('\r\n');

describe('Gmail wire format', () => {
  it('answers 401 with Google’s body without a valid access token', async () => {
    const ctx = setup();
    for (const headers of [{}, { authorization: 'Bearer ya29.nope' }, { authorization: 'Basic abc' }] as Record<
      string,
      string
    >[]) {
      const res = await ctx.fetch(`${BASE}/gmail/v1/users/me/profile`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await res.json()).toEqual({
        error: {
          code: 401,
          message:
            'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
          errors: [
            {
              message: 'Invalid Credentials',
              domain: 'global',
              reason: 'authError',
              location: 'Authorization',
              locationType: 'header',
            },
          ],
          status: 'UNAUTHENTICATED',
        },
      });
    }
  });

  it('expires access tokens after 3599 s of the fake clock', async () => {
    let now = Date.UTC(2025, 10, 25);
    const ctx = setup({ now: () => now });
    const auth = await bearer(ctx);
    expect((await ctx.fetch(`${BASE}/gmail/v1/users/me/profile`, { headers: auth })).status).toBe(200);
    now += 3600 * 1000;
    expect((await ctx.fetch(`${BASE}/gmail/v1/users/me/profile`, { headers: auth })).status).toBe(401);
  });

  it('answers 404 notFound with Google’s body, accepts the address as userId and refuses someone else’s', async () => {
    const ctx = setup();
    const auth = await bearer(ctx);
    const res = await ctx.fetch(`${BASE}/gmail/v1/users/me/messages/0000000000000000`, { headers: auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: {
        code: 404,
        message: 'Requested entity was not found.',
        errors: [{ message: 'Requested entity was not found.', domain: 'global', reason: 'notFound' }],
        status: 'NOT_FOUND',
      },
    });
    expect(
      (await ctx.fetch(`${BASE}/gmail/v1/users/${encodeURIComponent(MERCHANT)}/profile`, { headers: auth })).status,
    ).toBe(200);
    const other = await ctx.fetch(`${BASE}/gmail/v1/users/boss@example.com/profile`, { headers: auth });
    expect(other.status).toBe(403);
  });

  it('names the end of a rate limit in the message, as Gmail does, with no Retry-After header', async () => {
    const now = Date.UTC(2026, 11, 2, 18, 0, 0);
    const ctx = setup({ now: () => now });
    const auth = await bearer(ctx);
    ctx.fake.failNext('getProfile', { status: 429, retryAfterSeconds: 900 });
    const res = await ctx.fetch(`${BASE}/gmail/v1/users/me/profile`, { headers: auth });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBeNull();
    const message = 'User-rate limit exceeded.  Retry after 2026-12-02T18:15:00.000Z';
    expect(await res.json()).toEqual({
      error: {
        code: 429,
        message,
        errors: [{ message, domain: 'usageLimits', reason: 'rateLimitExceeded' }],
        status: 'RESOURCE_EXHAUSTED',
      },
    });
  });

  it('answers 403 insufficientPermissions with Google’s ErrorInfo', async () => {
    const ctx = setup();
    const auth = await bearer(ctx, [READONLY]);
    const res = await ctx.fetch(`${BASE}/gmail/v1/users/me/drafts`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ message: { raw: btoa('Subject: x\r\n\r\ny') } }),
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as {
      error: { errors: { reason: string }[]; status: string; details: { reason: string }[] };
    };
    expect(body.error.errors[0]!.reason).toBe('insufficientPermissions');
    expect(body.error.status).toBe('PERMISSION_DENIED');
    expect(body.error.details[0]!.reason).toBe('ACCESS_TOKEN_SCOPE_INSUFFICIENT');
  });

  it('history.list: 400 without a valid startHistoryId', async () => {
    const ctx = setup();
    const auth = await bearer(ctx);
    for (const q of ['', '?startHistoryId=abc', '?startHistoryId=-1']) {
      const res = await ctx.fetch(`${BASE}/gmail/v1/users/me/history${q}`, { headers: auth });
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(400);
    }
  });

  it('messages.get honours format=minimal|metadata|full|raw and repeated metadataHeaders', async () => {
    const ctx = setup();
    const auth = await bearer(ctx);
    const { id, threadId } = ctx.fake.insertMessage(MERCHANT, MULTIPART);
    const get = async (query: string) =>
      (await (
        await ctx.fetch(`${BASE}/gmail/v1/users/me/messages/${id}?${query}`, { headers: auth })
      )
        // biome-ignore lint/suspicious/noExplicitAny: a Gmail resource, read loosely by the test
        .json()) as Record<string, any>;

    const minimal = await get('format=minimal');
    expect(Object.keys(minimal).sort()).toEqual([
      'historyId',
      'id',
      'internalDate',
      'labelIds',
      'sizeEstimate',
      'snippet',
      'threadId',
    ]);
    expect(minimal).toMatchObject({ id, threadId, sizeEstimate: new TextEncoder().encode(MULTIPART).length });
    expect(minimal.historyId).toMatch(/^\d+$/);
    expect(minimal.internalDate).toMatch(/^\d+$/);
    expect(minimal.snippet).toBe('Où est ma commande &lt;1042&gt; ?');

    const meta = await get('format=metadata&metadataHeaders=From&metadataHeaders=subject');
    expect(meta.payload.headers).toEqual([
      { name: 'From', value: 'Jérôme <jerome@example.net>' },
      { name: 'Subject', value: 'Commande n°1042' },
    ]);
    expect(meta.raw).toBeUndefined();

    const full = await get('format=full');
    expect(full.payload.mimeType).toBe('multipart/mixed');
    const [alt, pdf] = full.payload.parts;
    expect(alt.partId).toBe('0');
    expect(alt.parts.map((p: { partId: string; mimeType: string }) => [p.partId, p.mimeType])).toEqual([
      ['0.0', 'text/plain'],
      ['0.1', 'text/html'],
    ]);
    const text = alt.parts[0].body.data.replace(/-/g, '+').replace(/_/g, '/');
    expect(new TextDecoder().decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)))).toBe(
      'Où est ma   commande <1042> ?',
    );
    expect(pdf).toMatchObject({ partId: '1', mimeType: 'application/pdf', filename: 'invoice.pdf', body: { size: 9 } });
    expect(pdf.body.attachmentId).toBeTruthy();

    const raw = await get('format=raw');
    expect(raw.payload).toBeUndefined();
    expect(raw.raw).toMatch(/^[A-Za-z0-9_-]+$/);

    expect((await ctx.fetch(`${BASE}/gmail/v1/users/me/messages/${id}?format=bogus`, { headers: auth })).status).toBe(
      400,
    );
  });

  it('threads.get lists messages in order with drafts labelled DRAFT; drafts.list / drafts.get', async () => {
    const ctx = setup();
    const auth = await bearer(ctx);
    const q = ctx.fake.insertMessage(MERCHANT, mail({ messageId: '<q@x>' }));
    const r = ctx.fake.insertMessage(
      MERCHANT,
      mail({ messageId: '<r@x>', references: '<q@x>', subject: 'Re: Where is my order?' }),
    );
    const reply = mail({
      from: MERCHANT,
      subject: 'RE: where is my order?',
      inReplyTo: '<r@x>',
      references: '<q@x> <r@x>',
    });
    const created = await ctx.fetch(`${BASE}/gmail/v1/users/me/drafts`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        message: { raw: btoa(reply).replace(/\+/g, '-').replace(/\//g, '_'), threadId: q.threadId },
      }),
    });
    const draft = (await created.json()) as {
      id: string;
      message: { id: string; threadId: string; labelIds: string[] };
    };
    expect(draft.message).toMatchObject({ threadId: q.threadId, labelIds: ['DRAFT'] });

    const thread = (await (
      await ctx.fetch(`${BASE}/gmail/v1/users/me/threads/${q.threadId}?format=minimal`, { headers: auth })
    ).json()) as {
      id: string;
      historyId: string;
      messages: { id: string; labelIds: string[]; payload?: unknown }[];
    };
    expect(thread.id).toBe(q.threadId);
    expect(thread.messages.map((m) => m.id)).toEqual([q.id, r.id, draft.message.id]);
    expect(thread.messages[2]!.labelIds).toEqual(['DRAFT']);
    expect(thread.messages[0]!.payload).toBeUndefined();
    expect(thread.historyId).toBe(ctx.fake.historyId(MERCHANT));

    const list = (await (await ctx.fetch(`${BASE}/gmail/v1/users/me/drafts`, { headers: auth })).json()) as unknown;
    expect(list).toEqual({
      drafts: [{ id: draft.id, message: { id: draft.message.id, threadId: q.threadId } }],
      resultSizeEstimate: 1,
    });
    const one = (await (
      await ctx.fetch(`${BASE}/gmail/v1/users/me/drafts/${draft.id}?format=raw`, { headers: auth })
    ).json()) as { id: string; message: { raw: string } };
    expect(one.id).toBe(draft.id);
    expect(atob(one.message.raw.replace(/-/g, '+').replace(/_/g, '/'))).toBe(reply);
    expect((await ctx.fetch(`${BASE}/gmail/v1/users/me/drafts/r-1`, { headers: auth })).status).toBe(404);
    expect(ctx.fake.units(MERCHANT)).toBe(10 + 10 + 5 + 5 + 5);
  });

  it('messages.list hides SPAM/TRASH unless asked, filters by labelIds and a little q', async () => {
    const ctx = setup();
    const auth = await bearer(ctx);
    const inbox = ctx.fake.insertMessage(MERCHANT, mail({ messageId: '<i@x>', from: 'jane@example.net' }));
    const spam = ctx.fake.insertMessage(MERCHANT, mail({ messageId: '<s@x>' }), { labelIds: ['SPAM'] });
    const read = ctx.fake.insertMessage(MERCHANT, mail({ messageId: '<r@x>', from: 'bob@example.org' }), {
      labelIds: ['INBOX'],
    });
    const ids = async (query: string) =>
      (
        (
          (await (await ctx.fetch(`${BASE}/gmail/v1/users/me/messages?${query}`, { headers: auth })).json()) as {
            messages?: { id: string }[];
          }
        ).messages ?? []
      ).map((m) => m.id);
    expect(await ids('')).toEqual([read.id, inbox.id]);
    expect(await ids('includeSpamTrash=true')).toEqual([read.id, spam.id, inbox.id]);
    expect(await ids('labelIds=INBOX&labelIds=UNREAD')).toEqual([inbox.id]);
    expect(await ids('q=is%3Aunread')).toEqual([inbox.id]);
    expect(await ids('q=-is%3Aunread%20in%3Ainbox')).toEqual([read.id]);
    expect(await ids('q=from%3Abob%40example.org')).toEqual([read.id]);
    expect(await ids('q=rfc822msgid%3Ai%40x')).toEqual([inbox.id]);
    expect(await ids('q=in%3Aspam')).toEqual([spam.id]);
    expect(await ids('q=newer_than%3A1d')).toHaveLength(2);
    expect(await ids('q=older_than%3A1d')).toEqual([]);
  });

  it('waits latencyMs before answering', async () => {
    const fake = createGoogleFake({ latencyMs: 60 });
    const started = Date.now();
    await fake.app.request('/oauth2/v3/certs');
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('works mounted under a prefix, and routeFetch refuses other hosts', async () => {
    const fake = createGoogleFake();
    const parent = new Hono();
    parent.route('/sandbox/google', fake.app);
    const fetch = routeFetch('http://app.test', parent);
    const direct = routeFetch('http://app.test/sandbox/google', fake.app);
    expect(await (await direct('http://app.test/sandbox/google/oauth2/v3/certs')).text()).toBe(
      await (await fetch('http://app.test/sandbox/google/oauth2/v3/certs')).text(),
    );
    const certs = (await (await fetch('http://app.test/sandbox/google/oauth2/v3/certs')).json()) as {
      keys: { kty: string; alg: string; kid: string; use: string; n: string }[];
    };
    expect(certs.keys).toHaveLength(1);
    expect(certs.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(certs.keys[0]!.kid).toMatch(/^[0-9a-f]{40}$/);
    expect(JSON.stringify(certs)).not.toMatch(/"d"|"p"|"q"/);
    await expect(fetch('https://gmail.googleapis.com/gmail/v1/users/me/profile')).rejects.toThrow(
      /routeFetch: refused/,
    );
    await expect(direct('http://app.test/elsewhere')).rejects.toThrow(/routeFetch: refused/);
    await expect(direct('http://app.test/sandbox/googlefoo')).rejects.toThrow(/routeFetch: refused/);
  });

  it('reset forgets mailboxes, tokens and faults', async () => {
    const ctx = setup();
    const token = ctx.fake.issueRefreshToken(MERCHANT, [READONLY]);
    ctx.fake.insertMessage(MERCHANT, mail({ messageId: '<q@x>' }));
    ctx.fake.failNext('getProfile', { status: 500 });
    ctx.fake.reset();
    expect(ctx.fake.messages(MERCHANT)).toEqual([]);
    const res = await ctx.fetch(`${BASE}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: ctx.fake.client.clientId,
        client_secret: ctx.fake.client.clientSecret,
      }),
    });
    expect(res.status).toBe(400);
    await expect(ctx.mailboxFor(MERCHANT).getProfile()).resolves.toMatchObject({ emailAddress: MERCHANT });
  });

  it('historyIds are decimal strings that only grow, with gaps', () => {
    const { fake } = setup();
    const ids = [
      fake.historyId(MERCHANT),
      ...Array.from({ length: 6 }, (_, i) => fake.insertMessage(MERCHANT, mail({ messageId: `<h${i}@x>` })).historyId),
    ];
    const big = ids.map(BigInt);
    for (let i = 1; i < big.length; i++) expect(big[i]! > big[i - 1]!).toBe(true);
    expect(big[0]! >= 1_000_000n).toBe(true);
    expect(new Set(big.slice(1).map((b, i) => b - big[i]!)).size).toBeGreaterThan(1);
  });
});
