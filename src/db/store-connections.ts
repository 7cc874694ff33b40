import type { ShopifyConnectionRecord } from '../stores/shopify';
import { getStoreConnection, updateStoreConnectionIfCurrent } from './accounts';
import type { Db } from './client';
import { bumpCounters } from './counters';

/**
 * Statements on store_connections that the store flows run (connecting, token renewal, webhook
 * upkeep). The modules under src/stores/ only talk to the stores; what they learn is written here.
 */

/** A Shopify order source's connection record (see ShopifyConnectionRecord), on this database. */
export function shopifyConnectionRecord(
  db: Db,
  connection: { id: string; accountId: string },
  now: () => number,
): ShopifyConnectionRecord {
  return {
    async storedCredentials() {
      const row = await getStoreConnection(db, connection.accountId);
      if (
        !row ||
        row.id !== connection.id ||
        !row.sealedCredentials ||
        row.status === 'reconnect_needed' ||
        row.status === 'uninstalled'
      )
        return null;
      return row.sealedCredentials;
    },
    updateIfCurrent: (current, changes) => updateStoreConnectionIfCurrent(db, connection.id, current, changes),
    countCustomerDataRefusal: () =>
      bumpCounters(db, connection.accountId, { 'error:customer_data_not_approved': 1 }, now()),
  };
}
