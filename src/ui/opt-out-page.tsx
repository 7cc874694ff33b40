import type { Mode } from '../config';
import { Layout } from './layout';

/**
 * The public page where an end customer objects to automated processing of their emails. It says
 * the same thing whether or not the shop uses Draftline, and whatever address was entered.
 *
 * Accessibility: one labelled field with a visible hint tied by aria-describedby; errors are named
 * in text (not colour alone), tied to the field, announced (role="alert") and the field focused;
 * the confirmation is announced (role="status") and focused. Colours come from the shared
 * stylesheet, which meets WCAG AA contrast.
 */
export type OptOutState = 'form' | 'done' | 'invalid_email' | 'expired' | 'rate_limited';

export interface OptOutPageProps {
  mode: Mode;
  /** Where the form posts (this page's own path). */
  action: string;
  token: string;
  state: OptOutState;
  /** What the person typed, kept only to let them correct it. */
  email?: string;
}

const PROBLEMS: Partial<Record<OptOutState, string>> = {
  invalid_email: 'Enter your email address in the form name@example.com.',
  expired: 'This form has expired or did not come from this page. Please submit it again.',
  rate_limited: 'Too many attempts from your connection. Please wait a few minutes and try again.',
};

export function OptOutPage({ mode, action, token, state, email }: OptOutPageProps) {
  if (state === 'done') {
    return (
      <Layout title="Objection recorded" mode={mode}>
        <h1 id="done-title" tabindex={-1} autofocus>
          Thank you
        </h1>
        <div class="notice ok" role="status">
          <p>
            If this address writes to this shop, Draftline will no longer process its emails automatically: no order
            lookup and no draft reply.
          </p>
        </div>
        <p>The shop can still read and answer your emails personally.</p>
        <WhatWeKeep />
      </Layout>
    );
  }

  const problem = PROBLEMS[state];
  const fieldError = state === 'invalid_email';
  return (
    <Layout title="Object to automated processing" mode={mode}>
      <h1>Object to automated processing of your emails</h1>
      <p class="lead">
        This shop uses Draftline to prepare draft replies to customer emails. A person at the shop reviews every draft
        before anything is sent.
      </p>
      {problem && (
        <div class="notice bad" role="alert" id="form-problem">
          <p>{problem}</p>
        </div>
      )}
      <form class="card" method="post" action={action} novalidate>
        <input type="hidden" name="token" value={token} />
        <label for="email">
          Your email address
          <span class="hint" id="email-hint">
            The address you write to the shop from.
          </span>
        </label>
        <input
          type="email"
          id="email"
          name="email"
          autocomplete="email"
          inputmode="email"
          spellcheck={false}
          required
          maxlength={254}
          value={fieldError ? (email ?? '') : ''}
          aria-describedby={fieldError ? 'email-hint form-problem' : 'email-hint'}
          aria-invalid={fieldError ? 'true' : undefined}
          autofocus={problem ? true : undefined}
        />
        <div class="actions">
          <button type="submit">Stop automated processing</button>
        </div>
      </form>
      <WhatWeKeep />
    </Layout>
  );
}

function WhatWeKeep() {
  return (
    <section class="card" aria-labelledby="keep-title">
      <h2 id="keep-title">What we keep</h2>
      <p>
        Only a keyed fingerprint (a hash) of your address, so that we can recognise it. Not the address itself, and
        nothing from your emails. To have even the fingerprint removed, ask the shop to erase your data.
      </p>
    </section>
  );
}
