/**
 * Mail an attacker would send, as raw RFC 5322: the sandbox offers it as test emails, and the
 * tests and the chaos suite send it between ordinary mail. Each must cost itself at most (a
 * counted skip or a safe draft) and leave the mailbox, and the process, working.
 */
export interface HostileMailOptions {
  from: string;
  to: string;
  messageId: string;
  date?: Date;
}

function headers(o: HostileMailOptions, subject: string, extra: string[]): string[] {
  return [
    `From: ${o.from}`,
    `To: ${o.to}`,
    `Subject: ${subject}`,
    `Date: ${(o.date ?? new Date()).toUTCString()}`,
    `Message-ID: ${o.messageId}`,
    'MIME-Version: 1.0',
    ...extra,
  ];
}

/** Multiparts nested `depth` levels deep (about 20 KB for 300): deeper than any MIME parser accepts. */
export function nestedMultipartMail(
  o: HostileMailOptions & { depth?: number; text?: string; subject?: string },
): string {
  const depth = o.depth ?? 300;
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    if (i > 0) open.push(`Content-Type: multipart/mixed; boundary="n${i}"`, '');
    open.push(`--n${i}`);
    close.unshift(`--n${i}--`);
  }
  return [
    ...headers(o, o.subject ?? 'Where is my order #1042?', [`Content-Type: multipart/mixed; boundary="n0"`]),
    '',
    ...open,
    'Content-Type: text/plain; charset=utf-8',
    '',
    o.text ?? 'Where is my order #1042?',
    ...close,
    '',
  ].join('\r\n');
}

/**
 * An HTML-only mail of about `bytes` built from a pattern that makes naive regex-based HTML
 * readers take quadratic time: tags that never close (`<a <a <a …`), or an unclosed `<style>`
 * opened again and again.
 */
export function hostileHtmlMail(
  o: HostileMailOptions & {
    bytes?: number;
    pattern?: 'unclosed_tags' | 'unclosed_style';
    text?: string;
    subject?: string;
  },
): string {
  const bytes = o.bytes ?? 1024 * 1024;
  const unit = o.pattern === 'unclosed_style' ? '<style>x' : '<a ';
  const html = `<p>${o.text ?? 'Where is my order #1042?'}</p>${unit.repeat(Math.ceil(bytes / unit.length))}`;
  const type = ['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 8bit'];
  return [...headers(o, o.subject ?? 'Order question', type), '', html, ''].join('\r\n');
}

/** From the order's owner, Reply-To someone else: whoever replies must not send the order there. */
export function replyToAttackMail(
  o: HostileMailOptions & { replyTo: string; text?: string; subject?: string },
): string {
  return [
    ...headers(o, o.subject ?? 'Where is my order?', [
      `Reply-To: ${o.replyTo}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
    ]),
    '',
    o.text ?? 'Hi, where is my order #1042? Please send the tracking number.',
    '',
  ].join('\r\n');
}
