import type { Config } from '../config';
import { Layout } from './layout';
import { CsrfField, FieldError, Notice } from './parts';

/** "Are you sure?" for every destructive action: a GET shows this, only the POST acts. */
export function ConfirmPage(props: {
  config: Config;
  csrf: string;
  title: string;
  explanation: string[];
  action: string;
  confirmLabel: string;
  /** When set, the person must type this word to confirm (account deletion). */
  typeToConfirm?: string;
  /** Why the last try did nothing (the word did not match). */
  error?: string;
}) {
  return (
    <Layout title={props.title} mode={props.config.mode} signedIn>
      {props.error && <Notice kind="bad" title="Nothing was deleted." />}
      <h1>{props.title}</h1>
      <section class="card">
        {props.explanation.map((p) => (
          <p>{p}</p>
        ))}
        <form method="post" action={props.action}>
          <CsrfField token={props.csrf} />
          {props.typeToConfirm && (
            <>
              <label for="confirm-word">
                Type <strong>{props.typeToConfirm}</strong> to confirm
              </label>
              <input
                type="text"
                id="confirm-word"
                name="confirm"
                required
                autocomplete="off"
                pattern={props.typeToConfirm}
                title={`${props.typeToConfirm}, in capital letters`}
                aria-describedby="confirm-word-error"
                {...(props.error && { 'aria-invalid': 'true' })}
              />
              <FieldError id="confirm-word-error" message={props.error} />
            </>
          )}
          <div class="actions">
            <button type="submit" class="danger" id="confirm">
              {props.confirmLabel}
            </button>
            <a class="button secondary" href="/app">
              Cancel
            </a>
          </div>
        </form>
      </section>
    </Layout>
  );
}
