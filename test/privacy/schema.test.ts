import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * Every column Draftline stores, reviewed. A new column fails this test until it is added here,
 * which is the moment to ask: could it ever hold mail, order or end-customer content? (It must not.)
 */
const REVIEWED: Record<string, string[]> = {
  accounts: [
    'id',
    'created_at',
    'paused',
    'shop_name',
    'tone',
    'sign_off_name',
    'signature',
    'fallback_language',
    'draft_kinds',
    'session_epoch',
    // The merchant's own policy texts (account settings, issue 17): their words, never a customer's.
    'return_window_days',
    'policy_returns',
    'policy_shipping',
    'policy_order_changes',
    'policy_damaged_items',
    'policy_faq',
    'stalled_after_days',
  ],
  gmail_connections: [
    'account_id',
    'mailbox',
    'sealed_refresh_token',
    'granted_scopes',
    'history_cursor',
    'watch_expires_at',
    'status',
    'connected_at',
    'last_sync_at',
    'last_push_at',
    'sync_lease_owner',
    'sync_lease_until',
    'sync_rerun_requested',
    'failing_message_tag',
    'failing_message_attempts',
    'failing_message_since',
    // A keyed hash of the merchant's own mailbox: what a push's queue message names (issue 16).
    'mailbox_key',
  ],
  store_connections: [
    'id',
    'account_id',
    'kind',
    'store_domain',
    'sealed_credentials',
    'status',
    'connected_at',
    'sealed_webhook_secret',
    'webhook_ids',
    'webhook_status',
    'webhook_checked_at',
  ],
  consent_records: ['id', 'account_id', 'kind', 'detail', 'version', 'granted_at', 'withdrawn_at'],
  compliance_requests: [
    'id',
    'account_id',
    'source',
    'topic',
    'store_domain',
    'external_id',
    'subject_hash',
    'received_at',
    'completed_at',
    'outcome',
  ],
  opt_outs: ['account_id', 'address_hash', 'created_at'],
  daily_counters: ['account_id', 'day', 'name', 'count'],
  store_auth_nonces: ['nonce_hash', 'account_id', 'store_url', 'expires_at', 'used_at'],
};

describe('schema review', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await startTestRuntime();
  });
  afterAll(() => rt.close());

  it('holds exactly the reviewed tables and columns', async () => {
    const db = rt.services.db;
    const tables = await db.all<{ name: string }>(
      sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name`,
    );
    const actual: Record<string, string[]> = {};
    for (const { name } of tables) {
      const cols = await db.all<{ name: string }>(sql.raw(`PRAGMA table_info(${name})`));
      actual[name] = cols.map((c) => c.name);
    }
    expect(actual).toEqual(REVIEWED);
  });
});
