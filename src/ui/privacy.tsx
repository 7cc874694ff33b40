import { describeOutcome, type ComplianceRecordView } from '../compliance/records';
import type { Config } from '../config';
import { formatTime } from './parts';
import { Layout } from './layout';

/** The privacy page, in plain words. It mirrors src/db/schema.ts: if a column is added, say so here. */
export function PrivacyPage({
  config,
  signedIn,
  optOutUrl,
  requests,
}: {
  config: Config;
  signedIn: boolean;
  optOutUrl?: string | null;
  /** The signed-in merchant's records of processing; none when signed out. */
  requests?: ComplianceRecordView[];
}) {
  return (
    <Layout title="Privacy" mode={config.mode} signedIn={signedIn}>
      <h1>What Draftline stores, and what it never stores</h1>
      <p class="lead">
        Draftline reads your customers' emails in transit to write reply drafts. It keeps only what it needs to keep
        your account working, and proof of what you agreed to.
      </p>

      <section class="card">
        <h2>What we store</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">What it holds</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>Your account</td>
              <td>
                A random id, when it was created, whether drafting is paused, and your reply settings (shop name,
                sign-off name, signature, tone, fallback language, which kinds of mail to draft for), and the store
                policies you write (return window, returns, shipping, order changes, damaged items, FAQ, and after how
                many days a parcel counts as stalled).
              </td>
            </tr>
            <tr>
              <td>Gmail connection</td>
              <td>
                Your mailbox address, Google's refresh token (the lasting key to your mailbox, encrypted with
                AES-256-GCM), the permissions granted, a position marker in your mailbox's history (a number),
                push-notification expiry, and when we last synced.
              </td>
            </tr>
            <tr>
              <td>Store connection</td>
              <td>
                Shopify or WooCommerce, the store's address, its access keys (encrypted), webhook ids and health, and
                when it was connected.
              </td>
            </tr>
            <tr>
              <td>Consent records</td>
              <td>
                What you granted (the Gmail permissions, store access), the wording version, when, and when you withdrew
                it.
              </td>
            </tr>
            <tr>
              <td>Opt-outs</td>
              <td>
                For each customer who asked not to be processed: a keyed hash of their address. The address itself is
                never stored and cannot be read back.
              </td>
            </tr>
            <tr>
              <td>Daily counts</td>
              <td>
                Per day: emails seen, drafts written, emails skipped by reason (for example "newsletter"), errors by
                type. Numbers only.
              </td>
            </tr>
            <tr>
              <td>Compliance requests</td>
              <td>
                Data requests and erasures received from Shopify, WooCommerce or you: the topic, the platform's request
                id, when received and completed, and at most a keyed hash of a customer's address.
              </td>
            </tr>
            <tr>
              <td>Connection nonces</td>
              <td>
                While you connect a WooCommerce store: a hash of a one-time code, your account and the store's address.
                Deleted when you come back from the store, and in any case after 15 minutes.
              </td>
            </tr>
          </tbody>
        </table>
      </section>

      <section class="card">
        <h2>What we never store</h2>
        <p>
          Email bodies, subjects, senders' names and addresses, order numbers and contents, tracking numbers, shipping
          addresses, the text sent to the AI and the replies it writes. They exist in memory while one email is handled
          and are gone when it is done. They do not go into the database, the work queue, logs or error reports; an
          automated test plants marker strings in every one of these fields and fails if any of them is found at rest.
        </p>
        <p>Draftline never sends email. Replies are saved as drafts in your Gmail, where you decide what to send.</p>
      </section>

      <section class="card">
        <h2>Who else is involved</h2>
        <ul>
          <li>
            <strong>Google</strong> (Gmail API, Cloud Pub/Sub): your mailbox, and notifications that new mail arrived.
          </li>
          <li>
            <strong>The AI endpoint</strong> you configure (by default OpenAI, called with storage turned off): receives
            the customer's latest message, the matching order's facts, your settings and store policies, to write one
            reply.
          </li>
          <li>
            <strong>Cloudflare</strong> (Workers, Queues): runs Draftline.
          </li>
          <li>
            <strong>Turso</strong>: hosts the database holding the records above.
          </li>
          <li>
            <strong>Shopify or WooCommerce</strong>: your store. Draftline reads orders; on WooCommerce it also manages
            its own customer-deletion webhook.
          </li>
        </ul>
      </section>

      <section class="card">
        <h2>How long we keep it</h2>
        <p>
          Account, connection and settings records: until you delete your account, which deletes them at once.
          Disconnecting Gmail or the store deletes its token or keys at once (and revokes Draftline's access at Google);
          the account and its settings stay until you delete it. Daily counts: with your account. Compliance records:
          kept after deletion as proof of what was done, with no account, address or shop in them once the account is
          gone.
        </p>
      </section>

      {requests && (
        <section class="card" aria-labelledby="records">
          <h2 id="records">Records of processing for your account</h2>
          {requests.length === 0 ? (
            <p>No data requests or erasures have been received for your account.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">Request</th>
                  <th scope="col">Completed</th>
                  <th scope="col">How</th>
                </tr>
              </thead>
              <tbody>
                {requests.map((r) => (
                  <tr>
                    <td>{formatTime(r.receivedAt)}</td>
                    <td>
                      {r.source} · {r.topic}
                    </td>
                    <td>{r.completedAt ? formatTime(r.completedAt) : 'in progress'}</td>
                    <td>{describeOutcome(r.outcome)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}

      <section class="card">
        <h2>Customers of your store</h2>
        <p>
          A customer can ask that their emails are not processed by Draftline. Their address is then kept only as a
          keyed hash, and their mail is skipped before it is read.
          {optOutUrl && (
            <>
              {' '}
              Share your opt-out page: <a href={optOutUrl}>{optOutUrl}</a>
            </>
          )}
        </p>
      </section>
    </Layout>
  );
}
