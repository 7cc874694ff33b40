import { POLICY_COUNT, policiesSetCount } from '../accounts/policies';
import type { AccountStatus } from '../accounts/status';
import { policiesOf } from '../drafting/policies';
import { describeOutcome, type ComplianceRecordView, type ComplianceTopic } from '../compliance/records';
import { storeCanDraft, type StoreConnection } from '../db/accounts';
import type { Config } from '../config';
import { DEMO_EMAILS } from '../sandbox/demo';
import { Layout } from './layout';
import { CsrfField, formatTime, FlashNotice, noKindsOn, Notice, PostButton } from './parts';
import { describeSkip } from './skip-reasons';
import { ownEntry } from '../platform/own-entry';

export interface StatusPageProps {
  config: Config;
  status: AccountStatus;
  /** Data requests and erasures received for this account (Shopify, WooCommerce, customers). */
  requests: ComplianceRecordView[];
  csrf: string;
  notice?: string;
  now: number;
}

/** Keyed by the unions, so a new topic or store status without words here does not compile. */
const TOPICS: Record<ComplianceTopic, string> = {
  'customers/data_request': 'Shopify: a customer asked what data is held',
  'customers/redact': 'Shopify: erase a customer',
  'shop/redact': 'Shopify: erase the shop',
  'app/uninstalled': 'Shopify: app uninstalled',
  'customer.deleted': 'WooCommerce: customer deleted',
  customer_erasure: 'You asked to erase a customer',
};

const STORE_STATUS: Record<StoreConnection['status'], string> = {
  active: 'active',
  reconnect_needed: 'reconnect needed',
  uninstalled: 'uninstalled',
  customer_data_not_approved: 'customer data not approved by Shopify',
  shop_unavailable: 'unavailable (frozen or locked by Shopify)',
};

/** A stored topic in words; one this version does not know (from an older one) is shown as it is. */
const topicLabel = (topic: string) => ownEntry(TOPICS, topic) ?? topic;

/** The dashboard: what is connected, what happened this week (counts only), and the account's data controls. */
export function StatusPage({ config, status, requests, csrf, notice, now }: StatusPageProps) {
  const { account, store } = status;
  // A disconnected mailbox is shown as not connected; the row only remembers whose account this is.
  const gmail = status.gmail?.status === 'disconnected' ? null : status.gmail;
  const sandbox = config.mode === 'sandbox';
  // Without Shopify's customer-data approval drafts are still written (they disclose nothing).
  const policiesSet = policiesSetCount(policiesOf(account));
  const ready = !!gmail && gmail.status === 'active' && !!store && storeCanDraft(store.status);
  return (
    <Layout title="Status" mode={config.mode} signedIn>
      <FlashNotice code={notice} />
      {gmail?.status === 'reconnect_needed' && (
        <Notice kind="bad" title="Reconnect Gmail">
          <p>
            Google no longer accepts Draftline's access to {gmail.mailbox} (it was revoked or expired), so no drafts are
            being written.
          </p>
          <p>
            <a class="button" href="/auth/google/start">
              Reconnect Gmail
            </a>
          </p>
        </Notice>
      )}
      {store?.status === 'reconnect_needed' && (
        <Notice kind="bad" title="Reconnect your store">
          <p>
            {store.kind === 'shopify' ? 'Shopify' : 'WooCommerce'} no longer accepts Draftline's access to{' '}
            {store.storeDomain} (it was revoked or could not be renewed), so new customer emails get no draft until you
            reconnect. They are counted below as “{describeSkip('store_reconnect_needed')}”.
          </p>
          <p>
            {/* One click: a signed-in merchant goes straight to the store's install screen. */}
            <a
              class="button"
              id="reconnect-store"
              href={
                store.kind === 'shopify'
                  ? `/connect/shopify?shop=${encodeURIComponent(store.storeDomain)}`
                  : '/app/connect'
              }
            >
              Reconnect {store.kind === 'shopify' ? 'Shopify' : 'WooCommerce'}
            </a>
          </p>
        </Notice>
      )}
      {store?.status === 'shop_unavailable' && (
        <Notice kind="bad" title="Shopify says your store is unavailable">
          <p>
            Shopify answers Draftline's order lookups for {store.storeDomain} with “Unavailable Shop”. It does that
            while a store is frozen (a Shopify bill is unpaid) or locked by Shopify. New customer emails get no draft
            meanwhile; they are counted below as “{describeSkip('store_suspended')}”.
          </p>
          <p>
            Your Shopify admin says what is needed, usually paying the outstanding bill. Nothing needs reconnecting:
            drafting resumes by itself once the store is available again.
          </p>
        </Notice>
      )}
      {store?.status === 'customer_data_not_approved' && (
        <Notice
          kind="warn"
          title="Shopify has not yet approved access to customer data: drafts cannot be matched to orders"
        >
          <p>
            Until Shopify approves Draftline's request for protected customer data (the email, name and address on
            orders), it withholds the email on each order, so Draftline cannot tell which orders belong to the customer
            who wrote. Drafts are still written, but they share no order details: they ask the customer for the order
            number and the name on the order.
          </p>
          <p class="hint">Apps installed only on development stores, and custom apps, don't need this review.</p>
        </Notice>
      )}
      {account.paused && (
        <Notice kind="warn" title="Drafting is paused.">
          <p>No drafts are written until you resume.</p>
          <PostButton action="/app/resume" csrf={csrf} label="Resume drafting" />
        </Notice>
      )}
      {store?.kind === 'woocommerce' && store.status === 'active' && store.webhookStatus === null && (
        <Notice kind="warn" title="Finishing the connection with your store">
          <p>
            WooCommerce delivered Draftline's keys for {store.storeDomain}. Draftline still has to check them and
            register its webhook there; when the store could not be reached just now, it tries again every few minutes.
            Refresh this page to see the result.
          </p>
        </Notice>
      )}
      {store?.kind === 'woocommerce' && store.status === 'active' && store.webhookStatus === 'failing' && (
        <Notice kind="warn" title="Your store's webhook is not working">
          <p>
            Customers you delete in WooCommerce are not erased from Draftline automatically until it works (drafts are
            not affected). Its refusals count among the errors below. Usually one of these:
          </p>
          <ul>
            <li>
              WordPress calls your site by another address than the one you connected ({store.storeDomain}). Compare it
              with WordPress › Settings › General › Site Address (URL), and{' '}
              <a href="/app/connect">connect the store again</a> with exactly that address.
            </li>
            <li>The key has Read permission only: connect again and approve Read/Write.</li>
            <li>
              The webhook “Draftline (customer.deleted)” is paused under WooCommerce › Settings › Advanced › Webhooks.
            </li>
          </ul>
        </Notice>
      )}

      <h1>{account.shopName ?? 'Your Draftline'}</h1>
      <p class="lead">
        {!ready
          ? 'Finish setting up to start getting reply drafts.'
          : account.paused
            ? 'Drafting is paused: new customer emails get no reply draft until you resume.'
            : noKindsOn(account.draftKinds)
              ? 'No kind of mail is switched on under Settings › Write drafts for, so no drafts are written.'
              : store?.status === 'shop_unavailable'
                ? 'Drafting resumes once Shopify makes your store available again.'
                : 'Draftline is writing reply drafts for new customer emails.'}
      </p>

      <section class="card" aria-labelledby="setup">
        <h2 id="setup">Setup</h2>
        <ol class="steps">
          <li class={gmail ? 'done' : ''}>
            {gmail ? <>Gmail connected: {gmail.mailbox}</> : <a href="/auth/google/start">Connect Gmail</a>}
          </li>
          <li class={store ? 'done' : ''}>
            {store ? (
              <>
                {store.kind === 'shopify' ? 'Shopify' : 'WooCommerce'} store connected: {store.storeDomain}
              </>
            ) : (
              <a href="/app/connect">Connect your store</a>
            )}
          </li>
          <li class={account.signOffName ? 'done' : ''}>
            <a href="/app/settings">
              {account.signOffName
                ? 'Reply settings chosen'
                : 'Choose your reply settings: the name replies are signed with'}
            </a>
          </li>
          <li class={policiesSet > 0 ? 'done' : ''} id="policies-step">
            <a href="/app/settings#store-policies">
              {policiesSet > 0
                ? `Store policies written (${policiesSet} of ${POLICY_COUNT})`
                : 'Write your store policies, so replies can quote them'}
            </a>
          </li>
        </ol>
        {!store && (
          <div class="actions">
            <a class="button" href="/app/connect" id="connect-store">
              Connect your store
            </a>
          </div>
        )}
      </section>

      <section class="card" aria-labelledby="activity">
        <h2 id="activity">Activity</h2>
        <div class="stats">
          <div class="stat">
            <strong id="drafted-today">{status.draftedToday}</strong>
            <span>{status.draftedToday === 1 ? 'draft' : 'drafts'} today</span>
          </div>
          <div class="stat">
            <strong id="drafted-week">{status.draftedWeek}</strong>
            <span>{status.draftedWeek === 1 ? 'draft' : 'drafts'} in 7 days</span>
          </div>
          <div class="stat">
            <strong>{status.seenWeek}</strong>
            <span>{status.seenWeek === 1 ? 'email' : 'emails'} seen in 7 days</span>
          </div>
          <div class="stat">
            <strong>{status.errorsWeek}</strong>
            <span>{status.errorsWeek === 1 ? 'error' : 'errors'} in 7 days</span>
          </div>
        </div>
        {status.skippedWeek.length > 0 && (
          <table style="margin-top:1rem">
            <caption class="hint" style="text-align:left">
              Emails skipped in the last 7 days, by reason
            </caption>
            <tbody>
              {status.skippedWeek.map((s) => (
                <tr>
                  <td>{describeSkip(s.reason)}</td>
                  <td style="text-align:right">{s.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="hint">Counts only: Draftline keeps no copy of the emails or the drafts.</p>
      </section>

      {sandbox && gmail && store && (
        <section class="card" aria-labelledby="try">
          <h2 id="try">Try it: send a test customer email</h2>
          <form method="post" action="/sandbox/try-email">
            <label for="demo-email">Email</label>
            <select id="demo-email" name="email">
              {DEMO_EMAILS.map((e) => (
                <option value={e.id}>{e.label}</option>
              ))}
            </select>
            <div class="actions">
              <button type="submit" id="send-test-email">
                Send to {gmail.mailbox}
              </button>
              <a class="button secondary" href="/sandbox/mail" id="open-mailbox">
                See the mail and drafts
              </a>
              <a href="/sandbox/gmail/drafts">See the drafts (JSON)</a>
            </div>
          </form>
        </section>
      )}

      <section class="card" aria-labelledby="connections">
        <h2 id="connections">Connections</h2>
        <dl class="facts">
          <dt>Gmail</dt>
          <dd>
            {gmail
              ? `${gmail.mailbox} · ${gmail.status === 'active' ? 'connected' : 'reconnect needed'} since ${formatTime(gmail.connectedAt)}`
              : 'not connected'}
          </dd>
          <dt>Push notifications</dt>
          <dd>
            {gmail?.watchExpiresAt
              ? gmail.watchExpiresAt > now
                ? `active until ${formatTime(gmail.watchExpiresAt)}`
                : 'expired; renewing'
              : gmail?.status === 'active'
                ? 'not set up yet: retried every few minutes; meanwhile new mail is checked every 15 minutes'
                : 'not set up'}
          </dd>
          <dt>Last sync</dt>
          <dd>{formatTime(gmail?.lastSyncAt)}</dd>
          <dt>Store</dt>
          <dd>
            {store
              ? `${store.kind === 'shopify' ? 'Shopify' : 'WooCommerce'} · ${store.storeDomain} · ${STORE_STATUS[store.status] ?? store.status} · connected ${formatTime(store.connectedAt)}`
              : 'not connected'}
          </dd>
          {store?.kind === 'woocommerce' && (
            <>
              <dt>Store webhooks</dt>
              <dd>
                {store.webhookStatus
                  ? `${store.webhookStatus}, checked ${formatTime(store.webhookCheckedAt)}`
                  : 'not registered'}
              </dd>
            </>
          )}
        </dl>
        <div class="actions">
          {gmail && (
            <a class="button secondary" href="/app/disconnect/gmail">
              Disconnect Gmail
            </a>
          )}
          {store && (
            <a class="button secondary" href="/app/disconnect/store">
              Disconnect store
            </a>
          )}
          {!account.paused && <PostButton action="/app/pause" csrf={csrf} label="Pause drafting" variant="secondary" />}
        </div>
      </section>

      {requests.length > 0 && (
        <section class="card" aria-labelledby="requests">
          <h2 id="requests">Data requests</h2>
          <p class="hint">
            Requests from your store platform or your customers about personal data, and how each was answered.
            Customers are never named here.
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Request</th>
                <th scope="col">Answer</th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr>
                  <td>{formatTime(r.receivedAt)}</td>
                  <td>
                    {topicLabel(r.topic)}
                    {r.platformRequestId && <span class="hint">Shopify request {r.platformRequestId}</span>}
                  </td>
                  <td>
                    {describeOutcome(r.outcome)}
                    {r.tookMs !== null && (
                      <span class="hint">
                        Completed in {r.tookMs < 1000 ? `${r.tookMs} ms` : `${Math.round(r.tookMs / 1000)} s`}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      <section class="card" aria-labelledby="data">
        <h2 id="data">Your data</h2>
        <p>Download everything Draftline holds about your account, or delete it all.</p>
        <div class="actions">
          <a class="button secondary" href="/app/export" id="export">
            Export my data
          </a>
          <a class="button danger" href="/app/delete" id="delete-account">
            Delete my account
          </a>
        </div>
      </section>
      <form method="post" action="/auth/sign-out">
        <CsrfField token={csrf} />
        <button type="submit" class="secondary" style="margin-top:1.25rem">
          Sign out
        </button>
      </form>
    </Layout>
  );
}
