import type { Config } from '../config';

/** The landing page. The merchant setup flow (sign in, connect, settings) builds on it. */
export function homePage(config: Config) {
  const sandbox = config.mode === 'sandbox';
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Draftline</title>
        <style>{`
          body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
          main { max-width: 44rem; margin: 0 auto; padding: 2.5rem 1.25rem; }
          h1 { font-size: 1.75rem; margin: 0 0 .25rem; }
          .badge { display: inline-block; font-size: .8rem; padding: .1rem .55rem; border-radius: 1rem; background: #e4ecff; color: #1f3c88; }
          pre { background: #1d2330; color: #f1f3f7; padding: 1rem; border-radius: .5rem; overflow-x: auto; font-size: .85rem; }
          section { background: #fff; border: 1px solid #e1e4ea; border-radius: .75rem; padding: 1.25rem; margin-top: 1.25rem; }
        `}</style>
      </head>
      <body>
        <main>
          <h1>Draftline</h1>
          <span class="badge">{sandbox ? 'Sandbox mode' : 'Live'}</span>
          <p>
            Draftline reads your customers' emails in transit, looks up their order in your store and writes a reply
            into the same Gmail thread as a draft. You review and send it; Draftline never sends mail and keeps no
            mail or order content.
          </p>
          {sandbox && (
            <section>
              <h2>Try the sandbox</h2>
              <p>Every outside service (Google, Gmail, Shopify, WooCommerce, the LLM) is a built-in fake. From a terminal:</p>
              <pre>{`curl -s -X POST ${config.appUrl}/sandbox/reset -H 'content-type: application/json' \\
  -d '{"store":"shopify","orders":[{"number":"1042","email":"jane@example.net",
  "createdAt":"2026-11-20T10:00:00Z","financialStatus":"paid","fulfillmentStatus":"fulfilled",
  "tracking":[{"company":"UPS","number":"1Z999AA10123456784","url":"https://www.ups.com/track?tracknum=1Z999AA10123456784"}],
  "items":[{"title":"Blue mug","quantity":2}],"shippingCity":"Lyon","shippingCountry":"FR"}]}'

printf 'From: Jane <jane@example.net>\\r\\nTo: merchant@example.com\\r\\nSubject: Where is my order?\\r\\nMessage-ID: <q1@example.net>\\r\\n\\r\\nHi, where is order #1042?\\r\\n' |
  curl -s -X POST ${config.appUrl}/sandbox/gmail/messages -H 'content-type: message/rfc822' --data-binary @-

curl -s ${config.appUrl}/sandbox/gmail/drafts`}</pre>
            </section>
          )}
        </main>
      </body>
    </html>
  );
}
