import type { Mode } from '../config';
import PostalMime, { type Address, type Email } from 'postal-mime';
import { z } from 'zod';
import { htmlToText } from '../drafting/html-text';
import { ok, type Result, refused } from '../platform/result';
import { Layout } from '../ui/layout';
import { formatTime, Notice } from '../ui/parts';
import { describeSkip } from '../ui/skip-reasons';
import type { FakeMessage } from './fakes/google';
import type { DemoEmail } from './demo';

/**
 * The sandbox mailbox as Gmail would show it (GET /sandbox/mail): threads newest first, each
 * customer message as its sender wrote it, what the sync decided for it, and Draftline's draft
 * under it. Everything comes from the fake mailbox and the sandbox's in-memory outcomes; nothing is
 * stored. Mail here may be hostile (1 MB of HTML, 300 nested multiparts, markup in the text): it is
 * parsed with the same limits as the pipeline, shown as text only (JSX escapes it), and capped.
 */

/** Characters of one message's text shown on the page. */
export const MAX_SHOWN_CHARS = 4000;
/** Conversations shown, newest first. */
export const MAX_THREADS = 50;
/** Messages shown per conversation, the latest ones. */
const MAX_MESSAGES_PER_THREAD = 20;
/** A message larger than this is not parsed for the page: only its headers are read. */
const MAX_PARSED_CHARS = 2 * 1024 * 1024;

export interface MailView {
  id: string;
  kind: 'customer' | 'draft' | 'sent';
  from: string;
  to: string;
  subject: string;
  date: number;
  text: string;
  /** Characters of the text left out (MAX_SHOWN_CHARS). */
  cut: number;
  /** The mail had no text part; its HTML is shown as text. */
  fromHtml: boolean;
  /** Why the body could not be shown, when it could not. */
  unreadable: 'malformed' | 'too_large' | null;
  attachments: string[];
  /** What the sync decided for it ('drafted' or a SkipReason word), null when it has not said. */
  outcome: string | null;
}

export interface ThreadView {
  id: string;
  subject: string;
  messages: MailView[];
  /** Earlier messages of the thread not shown (MAX_MESSAGES_PER_THREAD). */
  earlier: number;
  /** The thread holds a draft. */
  drafted: boolean;
}

/** The fake mailbox's messages grouped into threads, the most recently active first. */
export async function readThreads(
  messages: FakeMessage[],
  outcomeOf: (messageId: string) => string | null,
): Promise<{ threads: ThreadView[]; more: number }> {
  const byThread = new Map<string, FakeMessage[]>();
  for (const m of messages) {
    const list = byThread.get(m.threadId) ?? [];
    list.push(m);
    byThread.set(m.threadId, list);
  }
  const latest = (list: FakeMessage[]) => Math.max(...list.map((m) => m.internalDate));
  const ordered = [...byThread.entries()].sort((a, b) => latest(b[1]) - latest(a[1]));
  const threads: ThreadView[] = [];
  for (const [id, list] of ordered.slice(0, MAX_THREADS)) {
    const shown = list.slice(-MAX_MESSAGES_PER_THREAD);
    const views: MailView[] = [];
    for (const m of shown) views.push(await readMail(m, outcomeOf(m.id)));
    threads.push({
      id,
      subject: views.find((v) => v.subject)?.subject ?? '',
      messages: views,
      earlier: list.length - shown.length,
      drafted: views.some((v) => v.kind === 'draft'),
    });
  }
  return { threads, more: Math.max(0, ordered.length - MAX_THREADS) };
}

async function readMail(m: FakeMessage, outcome: string | null): Promise<MailView> {
  const kind = m.labelIds.includes('DRAFT') ? 'draft' : m.labelIds.includes('SENT') ? 'sent' : 'customer';
  let mail: Email | null = null;
  let unreadable: MailView['unreadable'] = null;
  if (m.raw.length > MAX_PARSED_CHARS) unreadable = 'too_large';
  else mail = await parse(m.raw);
  if (!mail) {
    unreadable ??= 'malformed';
    mail = await parse(headerBlock(m.raw));
  }
  let text = '';
  let fromHtml = false;
  if (mail && !unreadable) {
    // HTML-only mail is read the way the pipeline's own reader reads it (drafting/html-text.ts).
    fromHtml = !!mail.html && !/^content-type:[ \t]*text\/plain/im.test(m.raw);
    text = (fromHtml ? htmlToText(mail.html!) : (mail.text ?? '')).replace(/\r\n?/g, '\n').trim();
  }
  const shown = cut(text, MAX_SHOWN_CHARS);
  return {
    id: m.id,
    kind,
    from: formatAddress(mail?.from),
    to: (mail?.to ?? []).map(formatAddress).join(', '),
    subject: mail?.subject ?? '',
    date: m.internalDate,
    text: shown,
    cut: text.length - shown.length,
    fromHtml,
    unreadable,
    attachments: (mail?.attachments ?? []).slice(0, 10).map((a) => a.filename ?? a.mimeType),
    outcome: kind === 'customer' ? outcome : null,
  };
}

/** The first `max` UTF-16 units, never ending in half a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

async function parse(raw: string): Promise<Email | null> {
  try {
    return await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer', maxRfc822NestingDepth: 0 });
  } catch {
    return null;
  }
}

/** Just the headers, for a message whose body cannot be read: who sent it, when, about what. */
function headerBlock(raw: string): string {
  const end = raw.search(/\r?\n\r?\n/);
  return `${(end < 0 ? raw : raw.slice(0, end)).slice(0, 64 * 1024).replace(/^content-type:.*$/gim, 'X-Content-Type-Dropped: 1')}\r\n\r\n`;
}

function formatAddress(a: Address | undefined): string {
  if (!a) return '';
  if (a.address) return a.name ? `${a.name} <${a.address}>` : a.address;
  return a.name;
}

/** What the "Write as a customer" form takes. */
export const COMPOSE_LIMITS = { from: 320, name: 100, subject: 200, body: 20_000 } as const;

export interface ComposeValues {
  from: string;
  subject: string;
  body: string;
}

/** Why the form was refused; each reason names the field it is about and what the page says. */
export type ComposeRefusal =
  | 'missing_from'
  | 'from_too_long'
  | 'from_not_an_address'
  | 'name_too_long'
  | 'subject_too_long'
  | 'body_too_long';

const COMPOSE_REFUSALS: Record<ComposeRefusal, { field: keyof ComposeValues; message: string }> = {
  missing_from: { field: 'from', message: 'Enter who the email is from, like Jane Doe <jane@example.net>.' },
  from_too_long: { field: 'from', message: 'That From address is too long or spans lines.' },
  from_not_an_address: {
    field: 'from',
    message:
      'That From does not look like an email address. Write it like jane@example.net or Jane Doe <jane@example.net>.',
  },
  name_too_long: {
    field: 'from',
    message: `The name before the address must be at most ${COMPOSE_LIMITS.name} characters, without < or >.`,
  },
  subject_too_long: { field: 'subject', message: `The subject must be at most ${COMPOSE_LIMITS.subject} characters.` },
  body_too_long: {
    field: 'body',
    message: `The message must be at most ${COMPOSE_LIMITS.body.toLocaleString('en')} characters.`,
  },
};

export type ComposeResult = Result<
  { name: string | null; address: string; subject: string; text: string },
  ComposeRefusal,
  { field: keyof ComposeValues; message: string }
>;

const EmailAddress = z.email();
// "Jane Doe <jane@example.net>", "\"Doe, Jane\" <jane@example.net>" or a bare address.
const NAMED = /^(.*?)\s*<([^<>]*)>$/s;

/** The form's fields as typed (for showing them again), and what they say, or what is wrong. */
export function readComposeForm(form: Record<string, unknown>): { values: ComposeValues; result: ComposeResult } {
  const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
  const values = { from: field('from'), subject: field('subject'), body: field('body') };
  const fail = (reason: ComposeRefusal) => ({ values, result: refused(reason, COMPOSE_REFUSALS[reason]) });
  const from = values.from.trim();
  if (!from) return fail('missing_from');
  if (from.length > COMPOSE_LIMITS.from || /[\r\n\0]/.test(from)) return fail('from_too_long');
  const named = NAMED.exec(from);
  let name = named ? named[1]!.trim() : '';
  const address = (named ? named[2]! : from).trim();
  if (!EmailAddress.safeParse(address).success) return fail('from_not_an_address');
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replace(/\\(.)/g, '$1');
  if (name.length > COMPOSE_LIMITS.name || /[<>]/.test(name)) return fail('name_too_long');
  const subject = values.subject.replace(/\s+/g, ' ').trim();
  if (subject.length > COMPOSE_LIMITS.subject) return fail('subject_too_long');
  const text = values.body.replace(/\r\n?/g, '\n').replace(/\0/g, '');
  if (text.length > COMPOSE_LIMITS.body) return fail('body_too_long');
  return { values, result: ok({ name: name || null, address, subject, text }) };
}

export interface MailboxPageProps {
  mode: Mode;
  signedIn: boolean;
  mailbox: string;
  threads: ThreadView[];
  /** Conversations beyond MAX_THREADS, not shown. */
  more: number;
  /** Pushes or syncs are still under way: the page refreshes itself. */
  busy: boolean;
  /**
   * Whether the app tells the sandbox each email's outcome (Node); the production Worker in
   * workerd does not (only the dashboard's counts say why mail got no draft).
   */
  reasonsKnown: boolean;
  /** Why Draftline is not reading the mailbox, when it is not (no Gmail or store connected, paused). */
  idleReason: string | null;
  /** How many store policies the sandbox merchant has written; null when there is no account. */
  policiesSet?: number | null;
  demoEmails: DemoEmail[];
  form: ComposeValues;
  formError?: { field: keyof ComposeValues; message: string };
}

export function MailboxPage(p: MailboxPageProps) {
  return (
    <Layout title="Sandbox mailbox" mode={p.mode} signedIn={p.signedIn}>
      {p.busy && <meta http-equiv="refresh" content="5" />}
      <h1>Sandbox mailbox</h1>
      <p class="lead">
        {p.mailbox} as you would see it in Gmail: each customer email and, under it, the draft Draftline wrote, or why
        it wrote none. It lives in this process's memory only.
      </p>
      <div class="actions">
        <a class="button" href="#compose">
          Write as a customer
        </a>
        <a class="button secondary" href="/sandbox/mail" id="refresh-mailbox">
          Refresh
        </a>
        <a href="/app">Dashboard</a>
        <a href="/sandbox/gmail/drafts">Drafts as JSON</a>
      </div>
      {p.busy && (
        <Notice kind="warn" title="Draftline is still working.">
          <p>This page refreshes every 5 seconds until it is done.</p>
        </Notice>
      )}
      {p.formError && (
        <Notice kind="bad" title="The email was not sent.">
          <p>
            {p.formError.message} <a href={`#compose-${p.formError.field}`}>Correct it in the form</a>
          </p>
        </Notice>
      )}
      {p.idleReason && (
        <Notice kind="warn" title="Draftline is not writing drafts for this mailbox.">
          <p>{p.idleReason}</p>
        </Notice>
      )}
      {p.policiesSet === 0 && (
        <p class="hint" id="no-policies">
          This shop has no store policies yet, so replies about returns, shipping, order changes or damaged items
          promise nothing and say the team will confirm. Write them in{' '}
          <a href="/app/settings#store-policies">Settings › Store policies</a> (or send <code>"policies"</code> to{' '}
          <code>/sandbox/reset</code>), then write as a customer again.
        </p>
      )}
      {p.policiesSet === 0 && (
        <form method="post" action="/sandbox/example-policies" class="inline">
          <button type="submit" class="secondary" id="use-example-policies">
            Use example policies
          </button>
        </form>
      )}
      {!!p.policiesSet && (
        <p class="hint" id="policies-set">
          Replies quote the shop's store policies ({p.policiesSet} written):{' '}
          <a href="/app/settings#store-policies">Settings › Store policies</a>.
        </p>
      )}

      <h2 class="inbox-title" id="inbox">
        Inbox
      </h2>
      {p.threads.length === 0 ? (
        <p class="card">No mail yet. Write as a customer below, and Draftline's draft appears here under the email.</p>
      ) : (
        p.threads.map((t) => <Thread thread={t} state={p} />)
      )}
      {p.more > 0 && <p class="hint">{p.more} older conversations are not shown.</p>}

      <section class="card" aria-labelledby="compose">
        <h2 id="compose">Write as a customer</h2>
        <p class="hint">
          Delivered to {p.mailbox} like mail from outside; the page comes back once Draftline has handled it.
        </p>
        <form method="post" action="/sandbox/mail">
          <label for="compose-from">From</label>
          <FieldError error={p.formError} field="from" />
          <input
            type="text"
            id="compose-from"
            name="from"
            value={p.form.from}
            required
            maxlength={COMPOSE_LIMITS.from}
            autocomplete="off"
            spellcheck={false}
            {...invalid(p.formError, 'from')}
          />
          <label for="compose-subject">Subject</label>
          <FieldError error={p.formError} field="subject" />
          <input
            type="text"
            id="compose-subject"
            name="subject"
            value={p.form.subject}
            maxlength={COMPOSE_LIMITS.subject}
            {...invalid(p.formError, 'subject')}
          />
          <label for="compose-body">Message</label>
          <FieldError error={p.formError} field="body" />
          <textarea
            id="compose-body"
            name="body"
            rows={8}
            maxlength={COMPOSE_LIMITS.body}
            {...invalid(p.formError, 'body')}
          >
            {p.form.body}
          </textarea>
          <div class="actions">
            <button type="submit" id="compose-send">
              Send as this customer
            </button>
          </div>
        </form>
        <form method="post" action="/sandbox/try-email" class="prepared">
          <input type="hidden" name="back" value="mail" />
          <label for="prepared-email">Or send a prepared email</label>
          <select id="prepared-email" name="email">
            {p.demoEmails.map((e) => (
              <option value={e.id}>{e.label}</option>
            ))}
          </select>
          <div class="actions">
            <button type="submit" class="secondary" id="prepared-send">
              Send prepared email
            </button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

type FormError = MailboxPageProps['formError'];

function FieldError({ error, field }: { error: FormError; field: keyof ComposeValues }) {
  return error?.field === field ? (
    <p class="field-error" id={`compose-${field}-error`}>
      {error.message}
    </p>
  ) : null;
}

/** The attributes that tie a field to its error, when the error is this field's. */
function invalid(error: FormError, field: keyof ComposeValues): Record<string, string> {
  return error?.field === field ? { 'aria-invalid': 'true', 'aria-describedby': `compose-${field}-error` } : {};
}

/** What an email's outcome line needs to know of the page. */
type PageState = Pick<MailboxPageProps, 'busy' | 'reasonsKnown'>;

function Thread({ thread, state }: { thread: ThreadView; state: PageState }) {
  return (
    <article class="thread" id={`thread-${thread.id}`} aria-labelledby={`subject-${thread.id}`}>
      <h3 id={`subject-${thread.id}`}>{thread.subject || '(no subject)'}</h3>
      {thread.earlier > 0 && <p class="mail-note">{thread.earlier} earlier messages not shown</p>}
      {thread.messages.map((m) => (
        <Mail mail={m} thread={thread} state={state} />
      ))}
    </article>
  );
}

function Mail({ mail, thread, state }: { mail: MailView; thread: ThreadView; state: PageState }) {
  const draft = mail.kind === 'draft';
  return (
    <section class={`mail ${mail.kind}`} aria-label={draft ? 'Draft' : `Message from ${mail.from || 'unknown sender'}`}>
      <div class="mail-head">
        <span class="mail-from">{draft ? <span class="draft-mark">Draft</span> : mail.from || '(no sender)'}</span>
        <span class="mail-date">{formatTime(mail.date)}</span>
      </div>
      <div class="mail-meta">
        {draft ? (
          <>Written by Draftline · to {mail.to || '(nobody)'}</>
        ) : mail.kind === 'sent' ? (
          <>Sent by you · to {mail.to}</>
        ) : (
          <>to {mail.to || '(nobody)'}</>
        )}
      </div>
      {draft && <div class="mail-meta">Subject: {mail.subject || '(no subject)'}</div>}
      {mail.unreadable ? (
        <p class="mail-note">
          {mail.unreadable === 'too_large'
            ? 'This message is too large to show here.'
            : 'This message could not be read (its structure is malformed).'}
        </p>
      ) : (
        <div class="mail-body">{mail.text || '(no text)'}</div>
      )}
      {mail.cut > 0 && <p class="mail-note">… {mail.cut.toLocaleString('en')} more characters not shown.</p>}
      {mail.fromHtml && <p class="mail-note">An HTML email, shown as text.</p>}
      {mail.attachments.length > 0 && <p class="mail-note">Attachments: {mail.attachments.join(', ')}</p>}
      {mail.kind === 'customer' && (
        <Outcome
          outcome={mail.outcome}
          draftBelow={thread.drafted}
          draftAfter={draftAfter(thread, mail)}
          state={state}
        />
      )}
    </section>
  );
}

/** Whether a draft comes after this message in its thread (what the Worker wrote for it, when it reports nothing). */
const draftAfter = (thread: ThreadView, mail: MailView) =>
  thread.messages.slice(thread.messages.indexOf(mail) + 1).some((m) => m.kind === 'draft');

/** What the sync decided for a customer's message, in words. */
function Outcome(p: { outcome: string | null; draftBelow: boolean; draftAfter: boolean; state: PageState }) {
  const { outcome, draftBelow, state } = p;
  // Without reports (workerd), a draft after the message is its outcome, once the work is done.
  const inferred = !outcome && !state.reasonsKnown && !state.busy && p.draftAfter;
  if (outcome === 'drafted' || inferred) {
    return (
      <p class="outcome">
        <span class="tag ok">Drafted</span>
        {draftBelow
          ? 'Draftline wrote the draft below.'
          : 'Draftline wrote a draft; Gmail filed it outside this thread.'}
      </p>
    );
  }
  if (outcome) {
    return (
      <p class="outcome">
        <span class="tag">No draft</span>
        Skipped: {describeSkip(outcome)}
      </p>
    );
  }
  if (state.busy) {
    return (
      <p class="outcome">
        <span class="tag">Waiting</span>
        Draftline has not got to this email yet.
      </p>
    );
  }
  if (!state.reasonsKnown) {
    return (
      <p class="outcome">
        <span class="tag">No draft</span>
        The production Worker does not tell the sandbox why; the dashboard counts the reasons.
      </p>
    );
  }
  return (
    <p class="outcome">
      <span class="tag">Not read</span>
      Draftline has not read this email (it reads mail that arrives while Gmail and a store are connected).
    </p>
  );
}
