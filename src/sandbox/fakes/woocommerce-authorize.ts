import { Hono } from 'hono';
import { html } from 'hono/html';
import { fakePage } from './fake-page';

/**
 * A fake of WooCommerce's app authentication endpoint (/wc-auth/v1/authorize, WC_Auth): the store
 * owner's approval screen, then — like WooCommerce — a server-side POST of the new REST keys as
 * JSON to callback_url, and only if that answers 2xx a redirect to return_url with success=1 and
 * user_id. Denying redirects with success=0. `issueKeys` creates the keys in the fake store.
 */
export interface WooAuthorizeFakeOptions {
  deliver: (req: Request) => Promise<Response>;
  issueKeys: (permissions: string) => { keyId: number; consumerKey: string; consumerSecret: string };
}

const SCOPES: Record<string, string> = { read: 'Read', write: 'Write', read_write: 'Read/Write' };

/**
 * What WooCommerce's approval screen lists for each scope (WC_Auth::get_permissions_in_scope,
 * plugins/woocommerce/includes/class-wc-auth.php): read_write asks for webhooks and "manage".
 */
const PERMISSIONS: Record<string, readonly string[]> = {
  read: ['View coupons', 'View customers', 'View orders and sales reports', 'View products'],
  write: ['Create webhooks', 'Create coupons', 'Create customers', 'Create orders', 'Create products'],
  read_write: [
    'Create webhooks',
    'View and manage coupons',
    'View and manage customers',
    'View and manage orders and sales reports',
    'View and manage products',
  ],
};

export function createWooAuthorizeFake(options: WooAuthorizeFakeOptions) {
  const app = new Hono();

  app.get('/wc-auth/v1/authorize', (c) => {
    const q = c.req.query();
    const missing = ['app_name', 'scope', 'user_id', 'return_url', 'callback_url'].filter((k) => !q[k]);
    if (missing.length)
      return c.html(
        fakePage('Error', 'WooCommerce', html`<h1>Error</h1><p>Missing parameter ${missing.join(', ')}</p>`),
        400,
      );
    if (!SCOPES[q.scope!])
      return c.html(fakePage('Error', 'WooCommerce', html`<h1>Error</h1><p>Invalid scope ${q.scope}</p>`), 400);
    return c.html(
      fakePage(
        'Authorize',
        'WooCommerce · Sandbox Store',
        html`<h1>${q.app_name} would like to connect to your store</h1>
          <p>This will give "${q.app_name}" <strong>${SCOPES[q.scope!]}</strong> access which will allow it to:</p>
          <ul>${PERMISSIONS[q.scope!]!.map((p) => html`<li>${p}</li>`)}</ul>
          <p class="note">Logged in as admin</p>
          <form method="post">
            ${Object.entries(q).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
            <div class="actions">
              <button type="submit" name="action" value="deny">Deny</button>
              <button type="submit" name="action" value="approve" class="primary">Approve</button>
            </div>
          </form>`,
      ),
    );
  });

  app.post('/wc-auth/v1/authorize', async (c) => {
    const form = (await c.req.parseBody()) as Record<string, string>;
    const back = new URL(form.return_url!);
    back.searchParams.set('user_id', form.user_id ?? '');
    if (form.action !== 'approve') {
      back.searchParams.set('success', '0');
      return c.redirect(back.toString(), 302);
    }
    const keys = options.issueKeys(form.scope!);
    const delivered = await options
      .deliver(
        new Request(form.callback_url!, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            key_id: keys.keyId,
            user_id: form.user_id,
            consumer_key: keys.consumerKey,
            consumer_secret: keys.consumerSecret,
            key_permissions: form.scope,
          }),
        }),
      )
      .catch(() => null);
    if (!delivered?.ok) {
      return c.html(
        fakePage(
          'Error',
          'WooCommerce',
          html`<h1>Error</h1><p>An error occurred in the request and at the time were unable to send the consumer data.</p>`,
        ),
        401,
      );
    }
    back.searchParams.set('success', '1');
    return c.redirect(back.toString(), 302);
  });

  return { app };
}
