import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/drafting/parse-mail';
import { senderOf, skipByHeaders, skipByLabels } from '../../src/pipeline/filters';

const mail = (headers: string) => parseMail(new TextEncoder().encode(`${headers}\r\nSubject: hi\r\n\r\nbody\r\n`));

describe('filters', () => {
  it.each([
    [['INBOX', 'UNREAD', 'CATEGORY_PERSONAL'], null],
    [['INBOX', 'CATEGORY_PROMOTIONS'], 'label'],
    [['INBOX', 'CATEGORY_SOCIAL'], 'label'],
    [['INBOX', 'CATEGORY_UPDATES'], 'label'],
    [['INBOX', 'CATEGORY_FORUMS'], 'label'],
    [['SENT', 'INBOX'], 'label'],
    [['DRAFT'], 'label'],
    [['SPAM'], 'label'],
    [['TRASH'], 'label'],
  ])('labels %j → %s', (labels, expected) => {
    expect(skipByLabels(labels)).toBe(expected);
  });

  it.each([
    ['From: jane@example.net', null],
    ['From: jane@example.net\r\nAuto-Submitted: auto-replied', 'auto_reply'],
    ['From: jane@example.net\r\nAuto-Submitted: no', null],
    ['From: jane@example.net\r\nX-Autoreply: yes', 'auto_reply'],
    ['From: jane@example.net\r\nPrecedence: auto_reply', 'auto_reply'],
    ['From: jane@example.net\r\nPrecedence: bulk', 'bulk'],
    ['From: jane@example.net\r\nPrecedence: list', 'bulk'],
    ['From: jane@example.net\r\nList-Id: <news.example.net>', 'bulk'],
    ['From: jane@example.net\r\nList-Unsubscribe: <mailto:u@example.net>', 'bulk'],
    ['From: noreply@example.net', 'no_reply_sender'],
    ['From: no-reply@example.net', 'no_reply_sender'],
    ['From: do_not_reply@example.net', 'no_reply_sender'],
    ['From: MAILER-DAEMON@example.net', 'no_reply_sender'],
    ['From: postmaster@example.net', 'no_reply_sender'],
    ['From: Shopify <mailer@shopify.com>', 'no_reply_sender'],
    ['From: mailer-noreply@example.net', 'no_reply_sender'],
    ['From: mailerlite.fan@example.net', null],
    ['From: Shop <Shop@Example.com>', 'from_merchant'],
    ['To: shop@example.com', 'no_sender'],
  ])('%s → %s', async (headers, expected) => {
    expect(skipByHeaders(await mail(headers), ['shop@example.com'])).toBe(expected);
  });
});

describe('senderOf (the From header Gmail hands back with the metadata)', () => {
  it.each([
    ['Jane Doe <Jane@Example.NET>', 'jane@example.net'],
    ['"Doe, Jane" <jane@example.net>', 'jane@example.net'],
    ['jane@example.net', 'jane@example.net'],
    ['Élodie Dupré <elodie@example.fr>', 'elodie@example.fr'],
    ['Undisclosed recipients:;', null],
    ['', null],
    [undefined, null],
  ])('%s → %s', (header, address) => {
    expect(senderOf(header)?.address ?? null).toBe(address);
  });

  it('feeds the same header checks as the parsed message', () => {
    const headers = new Map([['precedence', 'bulk']]);
    expect(skipByHeaders({ headers, from: senderOf('news@example.net') }, [])).toBe('bulk');
    expect(skipByHeaders({ headers: new Map(), from: senderOf('Shop <shop@example.com>') }, ['shop@example.com'])).toBe(
      'from_merchant',
    );
  });
});
