import type { Config } from '../config';
import { Layout } from './layout';
import { CsrfField, FlashNotice } from './parts';

/** Choosing and connecting a store: Shopify by shop domain, WooCommerce by store URL (or pasted keys). */
export function ConnectStorePage(props: {
  config: Config;
  csrf: string;
  notice?: string;
  shop?: string;
  storeUrl?: string;
  /** The store already connected: connecting another replaces it. */
  current?: { kind: 'shopify' | 'woocommerce'; storeDomain: string };
}) {
  const { config, csrf } = props;
  const sandbox = config.mode === 'sandbox';
  return (
    <Layout title="Connect your store" mode={config.mode} signedIn>
      <FlashNotice code={props.notice} />
      <h1>Connect your store</h1>
      <p class="lead">
        Draftline reads your orders, to answer "where is my order?" with the real status and tracking. It never changes
        them.
      </p>
      {props.current && (
        <div class="notice warn" role="note">
          <p>
            Your {props.current.kind === 'shopify' ? 'Shopify' : 'WooCommerce'} store {props.current.storeDomain} is
            connected. Connecting a store here replaces it: Draftline then forgets its keys.
          </p>
        </div>
      )}

      {config.shopify.configured && (
        <section class="card" aria-labelledby="shopify">
          <h2 id="shopify">Shopify</h2>
          <form method="post" action="/connect/shopify">
            <CsrfField token={csrf} />
            <label for="shop">
              Shop address
              <span class="hint">
                Your shop's myshopify.com address, as shown in Shopify admin under Settings → Domains.
              </span>
            </label>
            <input
              type="text"
              id="shop"
              name="shop"
              required
              autocomplete="off"
              spellcheck={false}
              inputmode="url"
              placeholder="my-shop.myshopify.com"
              value={props.shop ?? (sandbox ? 'sandbox-shop.myshopify.com' : '')}
              maxlength={77}
              pattern="[a-zA-Z0-9][a-zA-Z0-9\-]{0,62}\.myshopify\.com"
            />
            <div class="actions">
              <button type="submit" id="connect-shopify">
                Connect Shopify
              </button>
            </div>
            <p class="hint">Shopify asks you to approve: read orders and fulfillments. Nothing else.</p>
          </form>
        </section>
      )}

      <section class="card" aria-labelledby="woocommerce">
        <h2 id="woocommerce">WooCommerce</h2>
        <form method="post" action="/connect/woocommerce">
          <CsrfField token={csrf} />
          <label for="store-url">
            Store address
            <span class="hint">The public https address of your WordPress site.</span>
          </label>
          <input
            type="url"
            id="store-url"
            name="storeUrl"
            required
            autocomplete="url"
            placeholder="https://shop.example.com"
            value={props.storeUrl ?? (sandbox ? `${config.appUrl}/sandbox/woocommerce` : '')}
          />
          <div class="actions">
            <button type="submit" id="connect-woocommerce">
              Connect WooCommerce
            </button>
          </div>
          <p class="hint">
            Your store asks you to approve access, then sends Draftline an API key. WooCommerce only offers read/write
            keys to apps that register webhooks; Draftline reads orders and manages its own customer-deletion webhook,
            nothing else.
          </p>
        </form>
        <details style="margin-top:1rem">
          <summary>Or paste read-only API keys</summary>
          <form method="post" action="/connect/woocommerce/keys">
            <CsrfField token={csrf} />
            <p class="hint">
              In WordPress: WooCommerce → Settings → Advanced → REST API → Add key. Read/Write lets Draftline register
              its customer-deletion webhook; a Read key works for drafting, without that webhook.
            </p>
            <label for="keys-store-url">Store address</label>
            <input
              type="url"
              id="keys-store-url"
              name="storeUrl"
              required
              placeholder="https://shop.example.com"
              value={props.storeUrl ?? ''}
            />
            <label for="consumer-key">Consumer key</label>
            <input
              type="text"
              id="consumer-key"
              name="consumerKey"
              required
              autocomplete="off"
              spellcheck={false}
              placeholder="ck_…"
            />
            <label for="consumer-secret">Consumer secret</label>
            <input
              type="password"
              id="consumer-secret"
              name="consumerSecret"
              required
              autocomplete="off"
              placeholder="cs_…"
            />
            <div class="actions">
              <button type="submit" class="secondary">
                Verify and connect
              </button>
            </div>
          </form>
        </details>
      </section>
    </Layout>
  );
}
