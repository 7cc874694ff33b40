import { integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Everything Draftline keeps. By design there is no column for mail, order or prompt content:
 * only accounts, connections (with sealed secrets), consent, compliance records, opt-out hashes
 * and daily counts. test/privacy/schema.test.ts fails if a column is added without review.
 *
 * Times are unix milliseconds.
 */

export const accounts = sqliteTable('accounts', {
  id: text('id').primaryKey(),
  createdAt: integer('created_at').notNull(),
  /** Drafting paused by the merchant (or by Draftline after an uninstall). */
  paused: integer('paused', { mode: 'boolean' }).notNull().default(false),
  // The merchant's own reply settings: their words, not their customers'.
  shopName: text('shop_name'),
  tone: text('tone', { enum: ['friendly', 'formal', 'concise'] })
    .notNull()
    .default('friendly'),
  signOffName: text('sign_off_name'),
  signature: text('signature'),
  fallbackLanguage: text('fallback_language').notNull().default('en'),
  /** Kinds of customer mail to draft for, comma separated (src/drafting/kinds.ts DRAFT_KINDS; new accounts get them all). */
  draftKinds: text('draft_kinds').notNull().default('order_status,returns,address_change,cancellation,other'),
  // The merchant's store policies, in their own words (src/drafting/policies.ts): quoted in replies,
  // never invented. Null means "not set": then a reply promises nothing about that policy.
  returnWindowDays: integer('return_window_days'),
  policyReturns: text('policy_returns'),
  policyShipping: text('policy_shipping'),
  policyOrderChanges: text('policy_order_changes'),
  policyDamagedItems: text('policy_damaged_items'),
  policyFaq: text('policy_faq'),
  /** A parcel with no movement for this many days is called stalled in the facts the model gets. */
  stalledAfterDays: integer('stalled_after_days').notNull().default(7),
  /** Bumped on sign-out, disconnect and delete: session cookies carrying an older epoch stop working. */
  sessionEpoch: integer('session_epoch').notNull().default(0),
});

export const gmailConnections = sqliteTable(
  'gmail_connections',
  {
    accountId: text('account_id')
      .primaryKey()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** The merchant's own mailbox address: how Pub/Sub notifications find the account. */
    mailbox: text('mailbox').notNull(),
    /**
     * A keyed hash of the mailbox (google/mailbox-key.ts): how a push's queue message names the
     * account without an address and without the push handler asking the database. Null until
     * written by the connect or by the account's next sync (rows from before it existed).
     */
    mailboxKey: text('mailbox_key'),
    sealedRefreshToken: text('sealed_refresh_token'),
    grantedScopes: text('granted_scopes').notNull(),
    /** Gmail historyId (uint64 as decimal text): the point up to which mail has been handled. */
    historyCursor: text('history_cursor'),
    watchExpiresAt: integer('watch_expires_at'),
    /** 'disconnected': the merchant let go; the row stays so that signing in again finds the account. */
    status: text('status', { enum: ['active', 'reconnect_needed', 'disconnected'] })
      .notNull()
      .default('active'),
    connectedAt: integer('connected_at').notNull(),
    lastSyncAt: integer('last_sync_at'),
    lastPushAt: integer('last_push_at'),
    /** One sync per account at a time: who holds the lease and until when. */
    syncLeaseOwner: text('sync_lease_owner'),
    syncLeaseUntil: integer('sync_lease_until'),
    /** A trigger found the lease taken: the holder runs once more before letting go. */
    syncRerunRequested: integer('sync_rerun_requested', { mode: 'boolean' }).notNull().default(false),
    /**
     * The one message that keeps failing with transient errors: a keyed hash of its Gmail id (never
     * the id itself), how many runs it failed and since when. Bounds a retry loop on one message.
     */
    failingMessageTag: text('failing_message_tag'),
    failingMessageAttempts: integer('failing_message_attempts').notNull().default(0),
    failingMessageSince: integer('failing_message_since'),
  },
  (t) => [
    uniqueIndex('gmail_connections_mailbox').on(t.mailbox),
    uniqueIndex('gmail_connections_mailbox_key').on(t.mailboxKey),
  ],
);

export const storeConnections = sqliteTable(
  'store_connections',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['shopify', 'woocommerce'] }).notNull(),
    /** Shopify: shop.myshopify.com; WooCommerce: the store's base URL. */
    storeDomain: text('store_domain').notNull(),
    /** JSON of the platform's credentials, sealed. */
    sealedCredentials: text('sealed_credentials'),
    /**
     * 'reconnect_needed': the store refused our grant (Shopify: a refresh or migration was refused).
     * 'customer_data_not_approved': Shopify answers but withholds customer data until it approves the
     * app, so no sender can be matched to an order (a text enum: no migration, no CHECK constraint).
     * 'shop_unavailable': Shopify took the shop out of service (frozen for a bill, or locked); lookups
     * go on, and the next full answer puts it back to 'active'.
     */
    status: text('status', {
      enum: ['active', 'reconnect_needed', 'uninstalled', 'customer_data_not_approved', 'shop_unavailable'],
    })
      .notNull()
      .default('active'),
    connectedAt: integer('connected_at').notNull(),
    /** WooCommerce: the secret our webhooks are signed with, sealed. */
    sealedWebhookSecret: text('sealed_webhook_secret'),
    /** WooCommerce: ids of the webhooks we registered (JSON array of numbers), and their health. */
    webhookIds: text('webhook_ids'),
    webhookStatus: text('webhook_status', { enum: ['active', 'restored', 'failing'] }),
    webhookCheckedAt: integer('webhook_checked_at'),
  },
  (t) => [uniqueIndex('store_connections_account').on(t.accountId)],
);

/**
 * One-time nonces for the WooCommerce authorize flow (sent as user_id): the callback only accepts
 * keys for a nonce that is live and unused. Only the nonce's hash is kept.
 */
export const storeAuthNonces = sqliteTable('store_auth_nonces', {
  nonceHash: text('nonce_hash').primaryKey(),
  accountId: text('account_id')
    .notNull()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  storeUrl: text('store_url').notNull(),
  expiresAt: integer('expires_at').notNull(),
  usedAt: integer('used_at'),
});

export const consentRecords = sqliteTable('consent_records', {
  id: text('id').primaryKey(),
  accountId: text('account_id')
    .notNull()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  /** What was agreed or granted: 'google_scopes', 'store_access', 'terms'. */
  kind: text('kind').notNull(),
  /** The grant itself, e.g. the scopes, space separated. Never personal data of end customers. */
  detail: text('detail').notNull(),
  version: text('version').notNull(),
  grantedAt: integer('granted_at').notNull(),
  withdrawnAt: integer('withdrawn_at'),
});

/** Kept after an account is deleted, so it holds no personal data: hashes and platform ids only. */
export const complianceRequests = sqliteTable(
  'compliance_requests',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id'),
    source: text('source', { enum: ['shopify', 'woocommerce', 'merchant', 'customer'] }).notNull(),
    topic: text('topic').notNull(),
    storeDomain: text('store_domain'),
    /** The platform's own id for the request (e.g. X-Shopify-Webhook-Id), for deduplication. */
    externalId: text('external_id'),
    /** Keyed hash of the customer's address when a request concerns one person. */
    subjectHash: text('subject_hash'),
    receivedAt: integer('received_at').notNull(),
    completedAt: integer('completed_at'),
    outcome: text('outcome'),
  },
  (t) => [uniqueIndex('compliance_requests_external').on(t.source, t.externalId)],
);

export const optOuts = sqliteTable(
  'opt_outs',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** hashAddress(HASH_KEY, address): the address itself is never stored. */
    addressHash: text('address_hash').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.addressHash] })],
);

export const dailyCounters = sqliteTable(
  'daily_counters',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** UTC day, YYYY-MM-DD. */
    day: text('day').notNull(),
    /** e.g. 'notifications', 'seen', 'drafted', 'skipped:auto_reply', 'error:gmail_rate_limited'. */
    name: text('name').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.day, t.name] })],
);
