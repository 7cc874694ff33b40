import type { Config } from '../config';
import { Layout } from './layout';
import { FlashNotice } from './parts';

/** The signed-out landing page: what Draftline does, what it keeps, and the one button to start. */
export function HomePage({ config, notice }: { config: Config; notice?: string }) {
  const sandbox = config.mode === 'sandbox';
  return (
    <Layout title="Reply drafts for your store's inbox" mode={config.mode}>
      <FlashNotice code={notice} />
      <h1>Reply drafts for your store's inbox</h1>
      <p class="lead">
        When a customer writes ("where is my order #1042?"), Draftline looks the order up in your Shopify or WooCommerce
        store and writes a reply into the same Gmail thread, as a draft. You read it, edit it if you like, and send it.
      </p>
      <div class="actions">
        <a class="button" href="/auth/google/start" id="sign-in">
          Sign in with Google
        </a>
        <a class="button secondary" href="/privacy">
          What we store
        </a>
      </div>
      {sandbox && (
        <p class="hint" style="margin-top:.75rem">
          This is the sandbox: Google, your store and the AI are built-in stand-ins, so you can click through the whole
          flow without any accounts.
        </p>
      )}
      <section class="card">
        <h2>How it works</h2>
        <ol class="steps">
          <li>
            Sign in with Google and allow two things: read incoming mail, and manage drafts. Google names the second
            "Manage drafts and send emails", since one permission covers both; Draftline only creates drafts and never
            sends mail.
          </li>
          <li>
            Connect your Shopify store (read access to orders) or WooCommerce store (WooCommerce's Read/Write key:
            Draftline only reads orders and manages its own webhook).
          </li>
          <li>Customer emails get a reply draft in their thread, grounded in their own order.</li>
        </ol>
      </section>
      <section class="card">
        <h2>What Draftline keeps</h2>
        <p>
          Your account, your settings and your consent, with access tokens encrypted. Emails, customer addresses, order
          details and AI replies exist only in memory while one email is handled, and are never stored or logged.{' '}
          <a href="/privacy">Read the details</a>.
        </p>
      </section>
    </Layout>
  );
}
