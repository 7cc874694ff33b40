import { describe, expect, it } from 'vitest';
import { createGmailMailbox, GmailApiError } from '../../src/google/gmail';
import { createAuthorizedClient } from '../../src/google/oauth';
import type { FetchLike } from '../../src/platform/fetch';
import { classifyFailure } from '../../src/pipeline/failures';
import { COMPOSE, mail, MERCHANT, READONLY, rejection, setup } from '../support/google';

/** A 401 refreshes the access token once (one refresh at a time), and hung calls time out. */
describe('Gmail client: dead access tokens and hung calls', () => {
  const tokenPosts = (requests: string[]) => requests.filter((r) => r === 'POST /token').length;

  it('refreshes once on a 401 and repeats the call', async () => {
    const { fake, mailboxFor, requests } = setup();
    const mailbox = mailboxFor(MERCHANT);
    await mailbox.getProfile();
    expect(tokenPosts(requests)).toBe(1);
    fake.failNext('getProfile', { status: 401 });
    const profile = await mailbox.getProfile();
    expect(profile.emailAddress).toBe(MERCHANT);
    expect(tokenPosts(requests)).toBe(2);
    expect(requests.filter((r) => r.endsWith('/profile'))).toHaveLength(3);
  });

  it('lets a second 401 through, as a retryable auth failure, after a single refresh', async () => {
    const { fake, mailboxFor, requests } = setup();
    const mailbox = mailboxFor(MERCHANT);
    await mailbox.getProfile();
    fake.failNext('getProfile', { status: 401, count: 2 });
    const err = await rejection(mailbox.getProfile());
    expect(err).toBeInstanceOf(GmailApiError);
    expect(err).toMatchObject({ status: 401 });
    expect(classifyFailure(err)).toMatchObject({ class: 'gmail_auth', retryable: true });
    expect(tokenPosts(requests)).toBe(2);
  });

  it('shares one refresh between calls that hit a 401 together', async () => {
    const { fake, mailboxFor, requests } = setup();
    const mailbox = mailboxFor(MERCHANT);
    const { id } = fake.insertMessage(MERCHANT, mail({ messageId: '<a@x>' }));
    await mailbox.getProfile();
    fake.failNext('messages.get', { status: 401, count: 3 });
    const got = await Promise.all([mailbox.getMessageMeta(id), mailbox.getMessageMeta(id), mailbox.getMessageMeta(id)]);
    expect(got.map((m) => m.id)).toEqual([id, id, id]);
    expect(tokenPosts(requests)).toBe(2);
  });

  it('reports invalid_grant from the refresh as such', async () => {
    const { fake, mailboxFor } = setup();
    const mailbox = mailboxFor(MERCHANT);
    await mailbox.getProfile();
    fake.failNext('getProfile', { status: 401 });
    fake.revokeAll(MERCHANT);
    const err = await rejection(mailbox.getProfile());
    expect(classifyFailure(err)).toMatchObject({ class: 'reconnect_needed', retryable: false });
  });

  it('times out a hung call as a retryable network failure', async () => {
    const { fake, cfg } = setup({ latencyMs: 400 });
    const token = fake.issueRefreshToken(MERCHANT, [READONLY, COMPOSE]);
    // Like a real fetch, give up when the request's signal aborts (the in-process fake never would).
    const abortable: FetchLike = (input, init) => {
      const req = new Request(input, init);
      return new Promise((resolve, reject) => {
        req.signal.addEventListener('abort', () => reject(req.signal.reason), { once: true });
        cfg.fetch(req).then(resolve, reject);
      });
    };
    const slow = createGmailMailbox({
      rootUrl: 'http://sandbox.test/google/',
      fetch: abortable,
      auth: createAuthorizedClient(cfg, token),
      timeoutMs: 100,
    });
    // The token refresh is not under the Gmail timeout; the Gmail call after it is.
    const err = await rejection(slow.getProfile());
    expect(err).toMatchObject({ name: 'GmailApiError', status: 0, reason: 'network' });
    expect(classifyFailure(err)).toMatchObject({ class: 'gmail_unavailable', retryable: true });
  });

  it('reads the filter headers without the body', async () => {
    const { fake, mailboxFor, requests } = setup();
    const { id } = fake.insertMessage(
      MERCHANT,
      mail({
        messageId: '<m@x>',
        from: '=?UTF-8?Q?=C3=89lodie?= <elodie@example.fr>',
        subject: 'Re: Où est ma commande ?',
        body: 'Merci & à bientôt',
        extraHeaders: ['List-Id: <news.example>', 'X-Other: 1'],
      }),
    );
    const meta = await mailboxFor(MERCHANT).getMessageMeta(id);
    expect(meta.headers.get('from')).toBe('Élodie <elodie@example.fr>');
    expect(meta.headers.get('list-id')).toBe('<news.example>');
    expect(meta.headers.get('subject')).toBe('Re: Où est ma commande ?');
    expect(meta.headers.has('x-other')).toBe(false);
    // The preview a plain thank-you is decided by (pipeline/thanks-only.ts), HTML-escaped as Gmail's.
    expect(meta.snippet).toBe('Merci &amp; à bientôt');
    expect(meta.mimeType).toBe('text/plain');
    expect(meta).not.toHaveProperty('raw');
    expect(requests.some((r) => r.includes(`/messages/${id}`))).toBe(true);
  });
});
