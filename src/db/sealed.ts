import type { Sealer } from '../crypto/seal';
import type { ShopifyCredentials } from '../stores/shopify-install';

/** Associated data for sealed values: binds each secret to its row and column. */
export const sealedAs = {
  gmailRefreshToken: (accountId: string) => `gmail_connections.sealed_refresh_token:${accountId}`,
  storeCredentials: (connectionId: string) => `store_connections.sealed_credentials:${connectionId}`,
  webhookSecret: (connectionId: string) => `store_connections.sealed_webhook_secret:${connectionId}`,
};

/**
 * A store connection's credentials, sealed together as one JSON value. Shopify's carry the access
 * token and, for an expiring token, its refresh token and both expiries (see ShopifyCredentials);
 * a rotated pair replaces the old one in the same sealed value, never in a column of its own.
 */
export type StoreCredentials =
  | ShopifyCredentials
  | { kind: 'woocommerce'; consumerKey: string; consumerSecret: string };

/** A store connection's credentials, unsealed (for one step, in memory). */
export async function openStoreCredentials(
  s: { sealer: Sealer },
  connection: { id: string; sealedCredentials: string },
): Promise<StoreCredentials> {
  return JSON.parse(
    await s.sealer.open(connection.sealedCredentials, sealedAs.storeCredentials(connection.id)),
  ) as StoreCredentials;
}
