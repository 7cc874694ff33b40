import { parseDraftKinds } from '../drafting/kinds';
import type { Child } from 'hono/jsx';
import { NOTICES } from './notices';
import { ownEntry } from '../platform/own-entry';

/** Small shared pieces of the merchant pages. */

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="csrf" value={token} />;
}

export function Notice({ kind, title, children }: { kind: 'ok' | 'warn' | 'bad'; title: string; children?: Child }) {
  return (
    <div class={`notice ${kind}`} role={kind === 'bad' ? 'alert' : 'status'}>
      <p>
        <strong>{title}</strong>
      </p>
      {children}
    </div>
  );
}

/** The message for a ?notice= code after a redirect; unknown codes show nothing. */
export function FlashNotice({ code }: { code?: string }) {
  const n = code ? ownEntry(NOTICES, code) : undefined;
  return n ? (
    <Notice kind={n.kind} title={n.title}>
      {n.body && <p>{n.body}</p>}
    </Notice>
  ) : null;
}

/** A one-button form posting to `action` (e.g. pause, confirm a deletion). */
export function PostButton(props: { action: string; csrf: string; label: string; variant?: 'secondary' | 'danger' }) {
  return (
    <form method="post" action={props.action} class="inline">
      <CsrfField token={props.csrf} />
      <button type="submit" class={props.variant}>
        {props.label}
      </button>
    </form>
  );
}

export function FieldError({ id, message }: { id: string; message?: string }) {
  return message ? (
    <span class="hint" id={id} style="color:var(--bad)">
      {message}
    </span>
  ) : null;
}

export const formatTime = (ms: number | null | undefined) =>
  ms ? `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC` : 'never';

/** accounts.draft_kinds with nothing ticked: drafting is on, yet every email is skipped as kind_disabled. */
export function noKindsOn(draftKinds: string): boolean {
  return parseDraftKinds(draftKinds).size === 0;
}
