import type { Config } from '../config';
import { Layout } from './layout';
import { CsrfField } from './parts';

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
}) {
  return (
    <Layout title={props.title} mode={props.config.mode} signedIn>
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
              />
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
