/**
 * A store call that failed. The message is built from the status and a code only: store error
 * bodies can quote the query (an email, an order number), and errors end up in logs.
 */
export type StoreErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'throttled'
  | 'server'
  | 'network'
  | 'redirected'
  | 'bad_response'
  /** The store no longer accepts our grant (a refresh or migration was refused): the merchant must reconnect. */
  | 'reconnect_needed'
  /** Shopify answers, but withholds customer data (email, name, address) until it approves the app. */
  | 'customer_data_not_approved'
  /**
   * Shopify has taken the shop out of service: 402 "Unavailable Shop" (frozen: an unpaid Shopify
   * bill) or 423 (locked by Shopify). Nothing we retry fixes it; the merchant must act in Shopify.
   */
  | 'shop_unavailable';

export class StoreApiError extends Error {
  override readonly name = 'StoreApiError';
  constructor(
    readonly status: number,
    readonly code: StoreErrorCode,
  ) {
    super(`store_api_error status=${status} code=${code}`);
  }

  get retryable(): boolean {
    return this.code === 'throttled' || this.code === 'server' || this.code === 'network';
  }
}

export function storeErrorFromStatus(status: number): StoreApiError {
  if (status === 401) return new StoreApiError(status, 'unauthorized');
  if (status === 403) return new StoreApiError(status, 'forbidden');
  if (status === 404) return new StoreApiError(status, 'not_found');
  if (status === 429) return new StoreApiError(status, 'throttled');
  if (status >= 500) return new StoreApiError(status, 'server');
  if (status === 0) return new StoreApiError(0, 'network');
  if (status >= 300 && status < 400) return new StoreApiError(status, 'redirected');
  return new StoreApiError(status, 'bad_response');
}

/** Platform status words → the neutral lower-case words the Order type uses. */
export const neutralStatus = (value: string | null | undefined): string =>
  (value ?? 'unknown')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_') || 'unknown';
