import { DRAFT_KINDS, LANGUAGES, TONES } from '../accounts/settings';
import type { Config } from '../config';
import type { Account } from '../db/accounts';
import { policiesOf } from '../drafting/policies';
import { Layout } from './layout';
import { CsrfField, FieldError, FlashNotice, noKindsOn, Notice, PostButton } from './parts';
import { PoliciesSection, policyFormValues, type PolicyFormValues } from './policies-section';

const KIND_LABELS: Record<(typeof DRAFT_KINDS)[number], string> = {
  order_status: 'Order status and tracking ("where is my order?")',
  returns: 'Returns, exchanges and refunds',
  damaged: 'Damaged or wrong items',
  address_change: 'Address changes',
  cancellation: 'Cancellations',
  presales: 'Questions before buying (shipping, products)',
  other: 'Anything else from customers',
};
const TONE_LABELS: Record<(typeof TONES)[number], string> = {
  friendly: 'Friendly',
  formal: 'Formal',
  concise: 'Short and to the point',
};

export interface SettingsPageProps {
  config: Config;
  account: Account;
  csrf: string;
  notice?: string;
  errors?: Record<string, string>;
  optOutCount: number;
  optOutError?: string;
  optOutUrl: string;
  /** A refused policies form: what was posted, shown back with a message per field. */
  policies?: { values: PolicyFormValues; errors: Record<string, string> };
}

/** Reply settings, pause/resume, the store's policies, and the merchant's own opt-out list. */
export function SettingsPage(p: SettingsPageProps) {
  const { account, csrf } = p;
  const kinds = new Set(account.draftKinds.split(','));
  const e = p.errors ?? {};
  return (
    <Layout title="Settings" mode={p.config.mode} signedIn>
      <FlashNotice code={p.notice} />
      {Object.keys(e).length > 0 && <Notice kind="bad" title="Some settings need another look; nothing was saved." />}
      {p.policies && (
        <Notice kind="bad" title="Some store policies need another look; nothing was saved.">
          <p>
            <a href="#store-policies">Go to Store policies</a>
          </p>
        </Notice>
      )}
      {p.optOutError && (
        <Notice kind="bad" title="The opt-out list was not changed.">
          <p>
            {asSentence(p.optOutError)} <a href="#optouts">Go to the opt-out list</a>
          </p>
        </Notice>
      )}
      <h1>Settings</h1>

      <section class="card" aria-labelledby="drafting">
        <h2 id="drafting">Drafting</h2>
        <p>
          {account.paused
            ? 'Drafting is paused: no drafts are being written.'
            : noKindsOn(account.draftKinds)
              ? 'Drafting is on, but no kind of mail is ticked under “Write drafts for” below, so no drafts are written.'
              : 'Drafting is on: new customer emails get a reply draft.'}
        </p>
        {account.paused ? (
          <PostButton action="/app/resume" csrf={csrf} label="Resume drafting" />
        ) : (
          <PostButton action="/app/pause" csrf={csrf} label="Pause drafting" variant="secondary" />
        )}
      </section>

      <section class="card" aria-labelledby="replies">
        <h2 id="replies">How replies sound</h2>
        <form method="post" action="/app/settings">
          <CsrfField token={csrf} />
          <label for="shop-name">Shop name</label>
          <input
            type="text"
            id="shop-name"
            name="shopName"
            maxlength={80}
            value={account.shopName ?? ''}
            aria-describedby="shop-name-error"
          />
          <FieldError id="shop-name-error" message={e.shopName} />

          <label for="sign-off">
            Sign-off name <span class="hint">The name under each reply, like "Sam from Blue Mug Co."</span>
          </label>
          <input
            type="text"
            id="sign-off"
            name="signOffName"
            maxlength={80}
            value={account.signOffName ?? ''}
            aria-describedby="sign-off-error"
          />
          <FieldError id="sign-off-error" message={e.signOffName} />

          <label for="signature">
            Signature <span class="hint">Added below the reply. Plain text, up to 600 characters.</span>
          </label>
          <textarea id="signature" name="signature" maxlength={600} aria-describedby="signature-error">
            {account.signature ?? ''}
          </textarea>
          <FieldError id="signature-error" message={e.signature} />

          <label for="tone">Tone</label>
          <select id="tone" name="tone">
            {TONES.map((t) => (
              <option value={t} selected={account.tone === t}>
                {TONE_LABELS[t]}
              </option>
            ))}
          </select>

          <label for="language">
            Fallback language{' '}
            <span class="hint">Replies follow the customer's language; this is used when it cannot be told.</span>
          </label>
          <select id="language" name="fallbackLanguage">
            {Object.entries(LANGUAGES).map(([code, name]) => (
              <option value={code} selected={account.fallbackLanguage === code}>
                {name}
              </option>
            ))}
          </select>

          <fieldset>
            <legend>Write drafts for</legend>
            {DRAFT_KINDS.map((k) => (
              <label class="check" for={`kind-${k}`}>
                <input type="checkbox" id={`kind-${k}`} name="draftKinds" value={k} checked={kinds.has(k)} />
                {KIND_LABELS[k]}
              </label>
            ))}
          </fieldset>
          <div class="actions">
            <button type="submit" id="save-settings">
              Save settings
            </button>
          </div>
        </form>
      </section>

      <PoliciesSection
        csrf={csrf}
        values={
          p.policies?.values ?? policyFormValues({ ...policiesOf(account), stalledAfterDays: account.stalledAfterDays })
        }
        errors={p.policies?.errors}
      />

      <section class="card" aria-labelledby="optouts">
        <h2 id="optouts">Customers who opted out</h2>
        <p>
          Mail from these addresses is skipped before it is read. Draftline keeps only a keyed hash of each address, so
          the list cannot be shown back: {p.optOutCount === 1 ? '1 address is' : `${p.optOutCount} addresses are`} on
          it.
        </p>
        <form method="post" action="/app/optouts">
          <CsrfField token={csrf} />
          <label for="optout-address">Customer's email address</label>
          <input
            type="email"
            id="optout-address"
            name="address"
            required
            autocomplete="off"
            aria-describedby="optout-error"
            {...(p.optOutError && { 'aria-invalid': 'true' })}
          />
          <FieldError id="optout-error" message={p.optOutError} />
          <div class="actions">
            <button type="submit" name="action" value="add">
              Add to opt-out list
            </button>
            <button type="submit" name="action" value="remove" class="secondary">
              Remove from list
            </button>
          </div>
        </form>
        <p class="hint">
          Customers can also opt out themselves on your public page: <a href={p.optOutUrl}>{p.optOutUrl}</a>
        </p>
      </section>
    </Layout>
  );
}

/** A field's message ("enter one email address, …") as a sentence of its own for the banner. */
const asSentence = (message: string) => `${message.charAt(0).toUpperCase()}${message.slice(1).replace(/\.?$/, '.')}`;
