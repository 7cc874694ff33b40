import PostalMime from 'postal-mime';

/**
 * One incoming email, parsed in memory. Only what the pipeline needs is kept; attachments are
 * parsed over by postal-mime but never read. Never persist or log any of these fields.
 */
export interface ParsedMail {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  subject: string;
  from: { address: string; name: string | null } | null;
  replyTo: string | null;
  /** Lower-cased header names → raw values (first occurrence), for the filters. */
  headers: Map<string, string>;
  /** Plain text of the body; HTML-only mail is converted to text by postal-mime. */
  text: string;
}

export async function parseMail(raw: Uint8Array): Promise<ParsedMail> {
  const email = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer', maxRfc822NestingDepth: 0 });
  const headers = new Map<string, string>();
  for (const h of email.headers) if (!headers.has(h.key)) headers.set(h.key, h.value);
  const from = email.from?.address ? { address: email.from.address.toLowerCase(), name: email.from.name || null } : null;
  const replyTo = email.replyTo?.find((a) => a.address)?.address?.toLowerCase() ?? null;
  return {
    messageId: email.messageId ?? null,
    inReplyTo: email.inReplyTo ?? null,
    references: (email.references ?? '').split(/\s+/).filter((r) => /^<[^<>\s]+>$/.test(r)),
    subject: email.subject ?? '',
    from,
    replyTo,
    headers,
    text: email.text ?? '',
  };
}
