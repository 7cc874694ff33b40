import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import PostalMime from 'postal-mime';
import { z } from 'zod';
import { createGoogleFake } from './fakes/google';
import { createOpenAIFake } from './fakes/openai';
import { createShopifyFake } from './fakes/shopify';
import { createShopifyOAuthFake } from './fakes/shopify-oauth';
import { credentialsFrom } from '../stores/shopify-install';
import { storeCanDraft } from '../db/accounts';
import { SHIPMENT_STATUSES, type Order } from '../stores/order';
import { createWooCommerceFake } from './fakes/woocommerce';
import { createWooAuthorizeFake } from './fakes/woocommerce-authorize';
import { connectGmail, connectStore, createAccount } from '../accounts/connect';
import { PoliciesJson, policiesSetCount, savePolicies } from '../accounts/policies';
import { policiesOf } from '../drafting/policies';
import { findAccountIdByMailbox, getAccount, getGmailConnection, getStoreConnection } from '../db/accounts';
import * as schema from '../db/schema';
import { formBodyLimit } from '../http/body-limit';
import { ApiError, errorBody } from '../http/errors';
import { checkSameOrigin } from '../http/same-origin';
import { readSession } from '../http/session';
import type { MessageOutcomeEvent, Services } from '../services';
import { renderPage } from '../ui/layout';
import { customerEmail, DEMO_EMAILS, DEMO_POLICIES, demoMessage, demoOrders } from './demo';
import { MailboxPage, readComposeForm, readThreads, type ComposeValues } from './mailbox-view';

/**
 * The built-in sandbox: faithful fakes of Google (OAuth, Gmail, Pub/Sub push), Shopify,
 * WooCommerce and an OpenAI-compatible endpoint, mounted under /sandbox and reached through the
 * very same clients as the real services, plus a small control API (README "Sandbox").
 */
export const SANDBOX_MAILBOX = 'merchant@example.com';
export const SANDBOX_SHOP = 'sandbox-shop.myshopify.com';
const GMAIL_SCOPES = [
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.compose',
];
/** Outcomes the mailbox view remembers, the latest ones. */
const MAX_OUTCOMES = 500;
/** What the "Write as a customer" form offers first: the demo email that gets a grounded draft. */
const COMPOSE_EXAMPLE: ComposeValues = (() => {
  const jane = DEMO_EMAILS.find((e) => e.id === 'where-is-1042')!;
  return { from: jane.from, subject: jane.subject, body: jane.text };
})();

/** An instant as ISO 8601 with an offset (or a plain date: midnight UTC), kept in one form. */
const SandboxInstant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((v) => new Date(/T/.test(v) ? v : `${v}T00:00:00Z`).toISOString())
  .nullable()
  .default(null);
/**
 * A parcel as a tracking service reports it; the nth is the parcel of the order's nth tracking
 * entry. Only status is required; lastEventAt (the latest carrier scan) makes a stalled parcel.
 */
const SandboxShipment = z.object({
  status: z.enum(SHIPMENT_STATUSES),
  shippedAt: SandboxInstant,
  deliveredAt: SandboxInstant,
  estimatedDeliveryAt: SandboxInstant,
  lastEventAt: SandboxInstant,
});

const SandboxOrder = z
  .object({
    number: z
      .string()
      .regex(/^#?\d{1,12}$/)
      .transform((n) => n.replace(/^#/, '')),
    email: z.email(),
    createdAt: z.iso.datetime({ offset: true }),
    financialStatus: z.string().min(1).max(40),
    fulfillmentStatus: z.string().min(1).max(40),
    tracking: z
      .array(z.object({ company: z.string().max(80), number: z.string().max(80), url: z.string().max(500) }))
      .max(10)
      .default([]),
    shipments: z.array(SandboxShipment).max(10).default([]),
    items: z
      .array(z.object({ title: z.string().max(200), quantity: z.number().int().min(1) }))
      .max(50)
      .default([]),
    shippingCity: z.string().max(120).nullable().default(null),
    shippingCountry: z.string().max(2).nullable().default(null),
  })
  .transform(
    (o): Order => ({ ...o, shipments: o.shipments.map((sh, i) => ({ ...sh, tracking: o.tracking[i] ?? null })) }),
  );
const ResetBody = z
  .object({
    store: z.enum(['shopify', 'woocommerce']),
    orders: z.array(SandboxOrder).max(500).optional(),
    /** WooCommerce only: REST v3 order objects exactly as GET /wp-json/wc/v3/orders returns them, served verbatim. */
    raw: z.array(z.record(z.string(), z.unknown())).max(500).optional(),
    /** The merchant's store policies, validated as the settings form does; without it none are set. */
    policies: PoliciesJson.optional(),
  })
  .refine((b) => (b.raw ? b.store === 'woocommerce' && !b.orders : !!b.orders));

export interface SandboxOptions {
  services: Services;
  /** How the fakes reach the app (Pub/Sub push, WooCommerce key delivery): the app's own fetch. */
  appFetch: (req: Request) => Promise<Response>;
  /** Resolves when queued work is done, so a sandbox call can answer after the draft exists. */
  settle: () => Promise<void>;
  /** Whether queued work is done now; without it, whether settle() resolves at once. */
  isIdle?: () => boolean;
  /**
   * Whether the app reports each email's outcome to services.onMessageOutcome: true on Node; the
   * production Worker in workerd runs apart and does not.
   */
  outcomesReported?: boolean;
}

export function createSandbox({ services: s, appFetch, settle, ...options }: SandboxOptions) {
  const google = createGoogleFake();
  const shopify = createShopifyFake({ apiKey: s.config.shopify.apiKey, apiSecret: s.config.shopify.apiSecret });
  const woocommerce = createWooCommerceFake({ deliver: appFetch });
  const openai = createOpenAIFake({ apiKey: s.config.openai.apiKey });
  // The install and authorize screens a merchant clicks through in the setup flow; a store
  // connected that way holds the demo orders.
  const shopifyOAuth = createShopifyOAuthFake({
    apiKey: s.config.shopify.apiKey,
    apiSecret: s.config.shopify.apiSecret,
    onInstall: (shop, token) => shopify.addShop(shop, token, demoOrders(s.now())),
    tokens: shopify.tokens,
  });
  let wooKeyId = 0;
  const wooAuthorize = createWooAuthorizeFake({
    deliver: appFetch,
    issueKeys: (permissions) => {
      const keys = {
        keyId: ++wooKeyId,
        consumerKey: `ck_${crypto.randomUUID().replace(/-/g, '')}`,
        consumerSecret: `cs_${crypto.randomUUID().replace(/-/g, '')}`,
      };
      woocommerce.addStore(keys.consumerKey, keys.consumerSecret, demoOrders(s.now()), {
        permissions: permissions as 'read' | 'read_write',
      });
      return keys;
    },
  });

  const pushes = new Set<Promise<unknown>>();
  google.configurePush({
    endpoint: `${s.config.appUrl}/webhooks/gmail`,
    audience: s.config.google.pushAudience,
    serviceAccountEmail: s.config.google.pushServiceAccount,
  });
  google.onPush((req) => {
    const delivery = appFetch(req).finally(() => pushes.delete(delivery));
    pushes.add(delivery);
    return delivery;
  });
  const settleAll = async () => {
    while (pushes.size) await Promise.allSettled([...pushes]);
    await settle();
  };
  /** Nothing under way: no push being delivered, no sync queued, running or waiting to retry. */
  const isIdle = async () => {
    if (pushes.size) return false;
    if (options.isIdle) return options.isIdle();
    let idle = false;
    void settle().then(() => (idle = true));
    // queue.idle() resolves at once when the queue is idle; a macrotask later it has, or it is not.
    await new Promise((resolve) => setTimeout(resolve, 0));
    return idle;
  };

  // What the sync decided for each message, for the mailbox view: in this process's memory only,
  // like the fake mailbox itself, the latest MAX_OUTCOMES, gone on /sandbox/reset.
  const outcomes = new Map<string, MessageOutcomeEvent>();
  const listener = s.onMessageOutcome;
  s.onMessageOutcome = (event) => {
    outcomes.delete(event.messageId);
    outcomes.set(event.messageId, event);
    if (outcomes.size > MAX_OUTCOMES) outcomes.delete(outcomes.keys().next().value!);
    listener?.(event);
  };

  const routes = new Hono();
  routes.route('/google', google.app);
  routes.route('/shopify', shopify.app);
  routes.route('/shopify', shopifyOAuth.app);
  routes.route('/woocommerce', woocommerce.app);
  routes.route('/woocommerce', wooAuthorize.app);
  // What Draftline sent the model since the last reset (before the fake's own routes, which want an API key).
  routes.get('/openai/requests', (c) => c.json(openai.requests()));
  routes.route('/openai', openai.app);

  routes.post('/reset', async (c) => {
    const body = ResetBody.safeParse(await c.req.json().catch(() => null));
    if (!body.success) {
      const policy = body.error.issues.find((i) => i.path[0] === 'policies');
      if (policy)
        return c.json(
          errorBody(
            c,
            'invalid_body',
            `policies${policy.path
              .slice(1)
              .map((k) => `.${String(k)}`)
              .join('')}: ${policy.message}`,
          ),
          400,
        );
      return c.json(
        errorBody(
          c,
          'invalid_body',
          'Expected {"store":"shopify"|"woocommerce","orders":[...]} or {"store":"woocommerce","raw":[...]} (see README).',
        ),
        400,
      );
    }
    await settleAll();
    outcomes.clear();
    google.reset();
    shopify.reset();
    shopifyOAuth.reset();
    woocommerce.reset();
    openai.reset();
    await wipeDatabase(s);

    const accountId = await createAccount(s, { shopName: 'Sandbox Shop', signOffName: 'Sam' });
    const refreshToken = google.issueRefreshToken(SANDBOX_MAILBOX, GMAIL_SCOPES);
    await connectGmail(s, { accountId, mailbox: SANDBOX_MAILBOX, refreshToken, grantedScopes: GMAIL_SCOPES });
    if (body.data.policies) await savePolicies(s.db, accountId, body.data.policies);
    const orders = body.data.orders ?? [];
    if (body.data.store === 'shopify') {
      // An expiring token pair, as every install gets since Shopify's 2027 rules.
      shopify.addShop(SANDBOX_SHOP, null, orders);
      const credentials = credentialsFrom(shopify.issueTokens(SANDBOX_SHOP), s.now());
      await connectStore(s, { accountId, storeDomain: SANDBOX_SHOP, credentials, scopes: 'read_orders' });
    } else {
      const consumerKey = `ck_${crypto.randomUUID().replace(/-/g, '')}`;
      const consumerSecret = `cs_${crypto.randomUUID().replace(/-/g, '')}`;
      woocommerce.addStore(consumerKey, consumerSecret, orders, body.data.raw ? { raw: body.data.raw } : {});
      await connectStore(s, {
        accountId,
        storeDomain: `${s.config.appUrl}/sandbox/woocommerce`,
        credentials: { kind: 'woocommerce', consumerKey, consumerSecret },
        scopes: 'read',
      });
    }
    return c.json({ accountId, mailbox: SANDBOX_MAILBOX });
  });

  routes.post('/gmail/messages', bodyLimit({ maxSize: 10 * 1024 * 1024 }), async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!/^(message\/rfc822|text\/plain|application\/octet-stream)\b/i.test(type)) {
      return c.json(
        errorBody(c, 'unsupported_media_type', 'Send the raw message with Content-Type: message/rfc822.'),
        415,
      );
    }
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (!raw.length) return c.json(errorBody(c, 'invalid_body', 'The message is empty.'), 400);
    const { id, threadId } = google.insertMessage(SANDBOX_MAILBOX, raw);
    await settleAll();
    return c.json({ id, threadId });
  });

  // The "send a test customer email" button on the status page: one of the demo emails, delivered
  // to the mailbox like a real one, then back to the status page once it has been handled.
  routes.post('/try-email', async (c) => {
    const origin = c.req.header('origin');
    if (origin && origin !== new URL(s.config.appUrl).origin)
      return c.json(errorBody(c, 'csrf_origin', 'Cross-site request refused.'), 403);
    const form = await c.req.parseBody();
    const email = DEMO_EMAILS.find((e) => e.id === form.email);
    if (!email) return c.json(errorBody(c, 'invalid_body', 'Unknown demo email.'), 400);
    const { threadId } = google.insertMessage(SANDBOX_MAILBOX, demoMessage(email, SANDBOX_MAILBOX, s.now()));
    await settleAll();
    // Sent from the mailbox view: back there, at the thread.
    return c.redirect(form.back === 'mail' ? `/sandbox/mail#thread-${threadId}` : '/app?notice=sent', 303);
  });

  // The mailbox view's "Use example policies": a realistic set for the sandbox merchant, only while
  // none is written (never over the merchant's own), then back to the mailbox to try it.
  routes.post('/example-policies', async (c) => {
    if (!checkSameOrigin(c.req.header('origin'), c.req.header('referer'), s.config.appUrl).ok) {
      throw new ApiError(403, 'csrf_origin', 'Cross-site request refused.');
    }
    const accountId = await findAccountIdByMailbox(s.db, SANDBOX_MAILBOX);
    const account = accountId ? await getAccount(s.db, accountId) : undefined;
    if (!account)
      throw new ApiError(409, 'no_account', `${SANDBOX_MAILBOX} is not connected: sign in with Google first.`);
    if (policiesSetCount(policiesOf(account)) === 0) await savePolicies(s.db, account.id, DEMO_POLICIES);
    return c.redirect('/sandbox/mail', 303);
  });

  // The mailbox as Gmail would show it, with what Draftline wrote or why it did not (mailbox-view.tsx).
  const mailboxPage = async (
    c: Context,
    form: { values: ComposeValues; error?: { field: keyof ComposeValues; message: string } },
    status: 200 | 400 = 200,
  ) => {
    const [{ threads, more }, busy, idleReason, policiesSet, session] = await Promise.all([
      readThreads(google.messages(SANDBOX_MAILBOX), (id) => outcomes.get(id)?.outcome ?? null),
      isIdle().then((idle) => !idle),
      whyNotDrafting(s),
      sandboxPoliciesSet(s),
      readSession(c, s),
    ]);
    const page = MailboxPage({
      mode: s.config.mode,
      signedIn: !!session,
      mailbox: SANDBOX_MAILBOX,
      threads,
      more,
      busy,
      reasonsKnown: options.outcomesReported ?? true,
      idleReason,
      policiesSet,
      demoEmails: DEMO_EMAILS,
      form: form.values,
      formError: form.error,
    });
    return c.html(renderPage(page), status);
  };

  routes.get('/mail', (c) => mailboxPage(c, { values: COMPOSE_EXAMPLE }));

  // "Write as a customer": the typed email, delivered like one from outside, then back to the mailbox.
  routes.post('/mail', formBodyLimit(COMPOSE_FORM_MAX_BYTES), async (c) => {
    if (!checkSameOrigin(c.req.header('origin'), c.req.header('referer'), s.config.appUrl).ok) {
      throw new ApiError(403, 'csrf_origin', 'Cross-site request refused.');
    }
    const { values, result } = readComposeForm(await c.req.parseBody());
    if (!result.ok) {
      if (!(c.req.header('accept') ?? '').includes('text/html'))
        return c.json(errorBody(c, 'invalid_body', result.message), 400);
      return mailboxPage(c, { values, error: result }, 400);
    }
    const raw = demoMessage(customerEmail(result), SANDBOX_MAILBOX, s.now());
    const { threadId } = google.insertMessage(SANDBOX_MAILBOX, raw);
    await settleAll();
    return c.redirect(`/sandbox/mail#thread-${threadId}`, 303);
  });

  routes.get('/gmail/drafts', async (c) => {
    const drafts = await Promise.all(
      google.drafts(SANDBOX_MAILBOX).map(async (d) => {
        const mail = await PostalMime.parse(d.raw);
        return {
          id: d.id,
          threadId: d.threadId,
          to: mail.to?.map((a) => a.address).join(', ') ?? '',
          subject: mail.subject ?? '',
          inReplyTo: mail.inReplyTo ?? null,
          references: mail.references ?? null,
          text: mail.text ?? '',
        };
      }),
    );
    return c.json(drafts);
  });

  return { routes, fakes: { google, shopify, woocommerce, openai }, settle: settleAll };
}

/**
 * The form takes 20,000 characters of message; percent-encoded, a character can take 9 bytes (or
 * 12 for a pair), so its posts get more room than the setup forms' 64 KiB.
 */
const COMPOSE_FORM_MAX_BYTES = 256 * 1024;

/** Why mail in the sandbox mailbox gets no draft at all right now, or null when it does. */
async function whyNotDrafting(s: Services): Promise<string | null> {
  const accountId = await findAccountIdByMailbox(s.db, SANDBOX_MAILBOX);
  const [account, gmail, store] = accountId
    ? await Promise.all([
        getAccount(s.db, accountId),
        getGmailConnection(s.db, accountId),
        getStoreConnection(s.db, accountId),
      ])
    : [undefined, undefined, undefined];
  if (!account || !gmail)
    return `${SANDBOX_MAILBOX} is not connected: sign in with Google on the home page, then connect the sandbox store.`;
  if (gmail.status === 'disconnected') return 'Gmail is disconnected: connect it again from the dashboard.';
  if (gmail.status !== 'active') return 'Gmail needs reconnecting: see the dashboard.';
  if (!store || !storeCanDraft(store.status))
    return 'No store is connected: connect the sandbox store from the dashboard.';
  if (account.paused) return 'Drafting is paused: resume it on the dashboard.';
  return null;
}

/** How many store policies the sandbox merchant has written, for the mailbox view's hint; null with no account. */
async function sandboxPoliciesSet(s: Services): Promise<number | null> {
  const accountId = await findAccountIdByMailbox(s.db, SANDBOX_MAILBOX);
  const account = accountId ? await getAccount(s.db, accountId) : undefined;
  return account ? policiesSetCount(policiesOf(account)) : null;
}

/** The sandbox owns the whole local database: a reset starts from nothing. */
async function wipeDatabase(s: Services): Promise<void> {
  for (const table of [
    schema.dailyCounters,
    schema.optOuts,
    schema.consentRecords,
    schema.storeConnections,
    schema.gmailConnections,
    schema.complianceRequests,
    schema.storeAuthNonces,
    schema.accounts,
  ]) {
    await s.db.delete(table);
  }
}
