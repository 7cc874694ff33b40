import { boundedText } from '../platform/bounded-text';
import { StoreApiError, storeErrorFromStatus } from './errors';

/**
 * A non-2xx answer from Shopify's Admin API (https://shopify.dev/docs/api/usage/response-codes):
 * 402 and 423 are a shop out of service, and GraphQL also answers 403 with the body
 * `{"errors":"Unavailable Shop"}` for one (orbit-apps/elixir-shopifyapi#382), so a 403 is read for
 * those words. 430 "Shopify Security Rejection" comes in short bursts (kirillplatonov/shopify_graphql#38):
 * retried like a server error.
 */
export async function shopifyHttpError(status: number, response?: Response): Promise<StoreApiError> {
  if (status === 403 && response && /unavailable shop/i.test(await boundedText(response).catch(() => '')))
    return new StoreApiError(status, 'shop_unavailable');
  // Nothing else is read: the rest of the body is let go so the connection is freed.
  await response?.body?.cancel().catch(() => undefined);
  if (status === 402 || status === 423) return new StoreApiError(status, 'shop_unavailable');
  if (status === 430) return new StoreApiError(status, 'server');
  return storeErrorFromStatus(status);
}
