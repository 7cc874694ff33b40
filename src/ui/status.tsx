import type { AccountStatus } from '../accounts/status';
import { describeOutcome, type ComplianceRecordView } from '../compliance/records';
import type { Config } from '../config';
import { DEMO_EMAILS } from '../sandbox/demo';
import type { SkipReason } from '../pipeline/filters';
import { Layout } from './layout';
import { CsrfField, formatTime, FlashNotice, Notice, PostButton } from './parts';

export interface StatusPageProps {
  config: Config;
  status: AccountStatus;
  /** Data requests and erasures received for this account (Shopify, WooCommerce, customers). */
  requests: ComplianceRecordView[];
  csrf: string;
  notice?: string;
  now: number;
}

const TOPICS: Record<string, string> = {
  'customers/data_request': 'Shopify: a customer asked what data is held',
  'customers/redact': 'Shopify: erase a customer',
  'shop/redact': 'Shopify: erase the shop',
  'app/uninstalled': 'Shopify: app uninstalled',
  'customer.deleted': 'WooCommerce: customer deleted',
  customer_erasure: 'You asked to erase a customer',
};

/** Every skip reason in words; keyed by the union so a new reason without a label does not compile. */
const REASONS: Record<SkipReason, string> = {
  label: 'Sent, spam, promotions and similar folders',
  auto_reply: 'Automatic replies',
  bulk: 'Newsletters and mailing lists',
  no_reply_sender: 'No-reply senders',
  from_merchant: 'Sent by you',
  before_connection: 'Arrived before you connected',
  too_large: 'Too large',
  opted_out: 'Customer opted out',
  paused: 'Drafting paused',
  already_drafted: 'Thread already had a draft',
  merchant_replied_last: 'You had already replied',
  newer_message_in_thread: 'A newer message followed',
  no_reply_needed: 'No reply needed',
  fact_guard: 'Held back: a fact could not be verified',
  kind_disabled: 'Kind of mail switched off in settings',
  no_text: 'No readable text',
  no_sender: 'No sender',
  message_gone: 'Deleted before Draftline read it',
  llm_unavailable: 'The reply writer was unavailable',
  llm_failed: 'The reply writer could not answer',
  store_unavailable: 'Your store was unavailable',
  store_failed: 'Your store refused the order lookup',
  unprocessable: 'Could not be read (malformed or rejected by Gmail)',
  kept_failing: 'Gave up after repeated errors',
};

/** The dashboard: what is connected, what happened this week (counts only), and the account's data controls. */
export function StatusPage({ config, status, requests, csrf, notice, now }: StatusPageProps) {
  const { account, store } = status;
  // A disconnected mailbox is shown as not connected; the row only remembers whose account this is.
  const gmail = status.gmail?.status === 'disconnected' ? null : status.gmail;
  const sandbox = config.mode === 'sandbox';
  const ready = !!gmail && gmail.status === 'active' && !!store && store.status === 'active';
  return (
    <Layout title="Status" mode={config.mode} signedIn>
      <FlashNotice code={notice} />
      {gmail?.status === 'reconnect_needed' && (
        <Notice kind="bad" title="Reconnect Gmail">
          <p>Google no longer accepts Draftline's access to {gmail.mailbox} (it was revoked or expired), so no drafts are being written.</p>
          <p>
            <a class="button" href="/auth/google/start">
              Reconnect Gmail
            </a>
          </p>
        </Notice>
      )}
      {account.paused && (
        <Notice kind="warn" title="Drafting is paused.">
          <p>No drafts are written until you resume.</p>
          <PostButton action="/app/resume" csrf={csrf} label="Resume drafting" />
        </Notice>
      )}

      <h1>{account.shopName ?? 'Your Draftline'}</h1>
      <p class="lead">{ready ? 'Draftline is writing reply drafts for new customer emails.' : 'Finish setting up to start getting reply drafts.'}</p>

      <section class="card" aria-labelledby="setup">
        <h2 id="setup">Setup</h2>
        <ol class="steps">
          <li class={gmail ? 'done' : ''}>{gmail ? <>Gmail connected: {gmail.mailbox}</> : <a href="/auth/google/start">Connect Gmail</a>}</li>
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
            <a href="/app/settings">{account.signOffName ? 'Reply settings chosen' : 'Choose your reply settings'}</a>
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
            <span>drafts today</span>
          </div>
          <div class="stat">
            <strong id="drafted-week">{status.draftedWeek}</strong>
            <span>drafts in 7 days</span>
          </div>
          <div class="stat">
            <strong>{status.seenWeek}</strong>
            <span>emails seen in 7 days</span>
          </div>
          <div class="stat">
            <strong>{status.errorsWeek}</strong>
            <span>errors in 7 days</span>
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
                  <td>{REASONS[s.reason as SkipReason] ?? s.reason}</td>
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
              <a href="/sandbox/gmail/drafts">See the drafts (JSON)</a>
            </div>
          </form>
        </section>
      )}

      <section class="card" aria-labelledby="connections">
        <h2 id="connections">Connections</h2>
        <dl class="facts">
          <dt>Gmail</dt>
          <dd>{gmail ? `${gmail.mailbox} · ${gmail.status === 'active' ? 'connected' : 'reconnect needed'} since ${formatTime(gmail.connectedAt)}` : 'not connected'}</dd>
          <dt>Push notifications</dt>
          <dd>{gmail?.watchExpiresAt ? (gmail.watchExpiresAt > now ? `active until ${formatTime(gmail.watchExpiresAt)}` : 'expired; renewing') : 'not set up'}</dd>
          <dt>Last sync</dt>
          <dd>{formatTime(gmail?.lastSyncAt)}</dd>
          <dt>Store</dt>
          <dd>{store ? `${store.kind === 'shopify' ? 'Shopify' : 'WooCommerce'} · ${store.storeDomain} · ${store.status} since ${formatTime(store.connectedAt)}` : 'not connected'}</dd>
          {store?.kind === 'woocommerce' && (
            <>
              <dt>Store webhooks</dt>
              <dd>{store.webhookStatus ? `${store.webhookStatus}, checked ${formatTime(store.webhookCheckedAt)}` : 'not registered'}</dd>
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
          <p class="hint">Requests from your store platform or your customers about personal data, and how each was answered. Customers are never named here.</p>
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
                    {TOPICS[r.topic] ?? r.topic}
                    {r.platformRequestId && <span class="hint">Shopify request {r.platformRequestId}</span>}
                  </td>
                  <td>
                    {describeOutcome(r.outcome)}
                    {r.tookMs !== null && <span class="hint">Completed in {r.tookMs < 1000 ? `${r.tookMs} ms` : `${Math.round(r.tookMs / 1000)} s`}</span>}
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
