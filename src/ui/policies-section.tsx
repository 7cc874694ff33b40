import {
  FAQ_MAX,
  POLICY_TEXT_MAX,
  RETURN_WINDOW_DAYS,
  STALLED_AFTER_DAYS,
  type PolicySettings,
  type PolicyTextField,
} from '../accounts/policies';
import { DEFAULT_STALLED_AFTER_DAYS } from '../drafting/policies';
import { CsrfField, FieldError } from './parts';

/** What the form's fields hold: the saved policies, or what was just posted when it was refused. */
export type PolicyFormValues = Record<keyof PolicySettings, string>;

export function policyFormValues(p: PolicySettings): PolicyFormValues {
  return {
    returnWindowDays: p.returnWindowDays === null ? '' : String(p.returnWindowDays),
    returns: p.returns ?? '',
    shipping: p.shipping ?? '',
    orderChanges: p.orderChanges ?? '',
    damagedItems: p.damagedItems ?? '',
    faq: p.faq ?? '',
    stalledAfterDays: String(p.stalledAfterDays),
  };
}

/** A refused post's fields as they came, so nothing typed is lost (anything not text shows empty). */
export function policyFormValuesPosted(form: Record<string, unknown>): PolicyFormValues {
  const text = (k: keyof PolicySettings) => (typeof form[k] === 'string' ? (form[k] as string) : '');
  return {
    returnWindowDays: text('returnWindowDays'),
    returns: text('returns'),
    shipping: text('shipping'),
    orderChanges: text('orderChanges'),
    damagedItems: text('damagedItems'),
    faq: text('faq'),
    stalledAfterDays: text('stalledAfterDays'),
  };
}

const TEXTS: { field: PolicyTextField; id: string; label: string; hint: string; max: number; rows: number }[] = [
  {
    field: 'returns',
    id: 'policy-returns',
    label: 'Returns and refunds',
    hint: 'How to return, who pays return shipping, how and when refunds are made, links.',
    max: POLICY_TEXT_MAX,
    rows: 5,
  },
  {
    field: 'shipping',
    id: 'policy-shipping',
    label: 'Shipping',
    hint: 'Where you ship, how long it takes, what it costs.',
    max: POLICY_TEXT_MAX,
    rows: 4,
  },
  {
    field: 'orderChanges',
    id: 'policy-order-changes',
    label: 'Order changes and cancellations',
    hint: 'Changing the address or cancelling: how, and until when.',
    max: POLICY_TEXT_MAX,
    rows: 4,
  },
  {
    field: 'damagedItems',
    id: 'policy-damaged',
    label: 'Damaged or wrong items',
    hint: 'What the customer should send (photos?) and what you offer.',
    max: POLICY_TEXT_MAX,
    rows: 4,
  },
  {
    field: 'faq',
    id: 'policy-faq',
    label: 'Other questions customers often ask',
    hint: 'Sizes, materials, care, gift wrapping… Up to 3,000 characters.',
    max: FAQ_MAX,
    rows: 7,
  },
];

/** The settings page's "Store policies" card: the shop's own words, quoted by replies. */
export function PoliciesSection(p: {
  csrf: string;
  values: PolicyFormValues;
  errors?: Partial<Record<keyof PolicySettings, string>>;
}) {
  const e = p.errors ?? {};
  const v = p.values;
  return (
    <section class="card" aria-labelledby="policies" id="store-policies">
      <h2 id="policies">Store policies</h2>
      <p>
        When a customer asks about returns, shipping, changing or cancelling an order, or a damaged item, the reply
        quotes what you write here, word for word. Leave a policy empty and replies promise nothing about it: they say
        your team will confirm.
      </p>
      <p class="hint">
        Plain text, links welcome; up to {POLICY_TEXT_MAX.toLocaleString('en')} characters each. Kept with your
        settings, included in your data export and deleted with your account.
      </p>
      <form method="post" action="/app/settings/policies">
        <CsrfField token={p.csrf} />
        <label for="return-window">
          Return window, in days{' '}
          <span class="hint">
            How long customers have to return an item, counted from delivery ({RETURN_WINDOW_DAYS.min} to{' '}
            {RETURN_WINDOW_DAYS.max}). Leave empty if you do not want replies to name one.
          </span>
        </label>
        <DaysInput
          id="return-window"
          name="returnWindowDays"
          bounds={RETURN_WINDOW_DAYS}
          value={v.returnWindowDays}
          invalid={!!e.returnWindowDays}
        />
        <FieldError id="return-window-error" message={e.returnWindowDays} />

        {TEXTS.map((t) => (
          <>
            <label for={t.id}>
              {t.label} <span class="hint">{t.hint}</span>
            </label>
            <textarea
              id={t.id}
              name={t.field}
              maxlength={t.max}
              rows={t.rows}
              aria-invalid={e[t.field] ? 'true' : undefined}
              aria-describedby={`${t.id}-error`}
            >
              {v[t.field]}
            </textarea>
            <FieldError id={`${t.id}-error`} message={e[t.field]} />
          </>
        ))}

        <label for="stalled-after">
          A parcel is stalled after this many days without movement{' '}
          <span class="hint">
            Replies about a parcel whose tracking has not moved for that long apologise and offer to look into it (
            {STALLED_AFTER_DAYS.min} to {STALLED_AFTER_DAYS.max}; empty means {DEFAULT_STALLED_AFTER_DAYS}).
          </span>
        </label>
        <DaysInput
          id="stalled-after"
          name="stalledAfterDays"
          bounds={STALLED_AFTER_DAYS}
          value={v.stalledAfterDays}
          invalid={!!e.stalledAfterDays}
        />
        <FieldError id="stalled-after-error" message={e.stalledAfterDays} />
        <div class="actions">
          <button type="submit" id="save-policies">
            Save policies
          </button>
        </div>
      </form>
    </section>
  );
}

/** A whole number of days within bounds; its error, if any, is the element `${id}-error`. */
function DaysInput(p: {
  id: string;
  name: keyof PolicySettings;
  bounds: { min: number; max: number };
  value: string;
  invalid: boolean;
}) {
  return (
    <input
      type="number"
      id={p.id}
      name={p.name}
      min={p.bounds.min}
      max={p.bounds.max}
      step={1}
      inputmode="numeric"
      class="days"
      value={p.value}
      aria-invalid={p.invalid ? 'true' : undefined}
      aria-describedby={`${p.id}-error`}
    />
  );
}
