import type { WorkerWorld } from '../../scripts/worker-world';
import { shopifyWebhook } from './compliance';

/** Helpers for driving the production Worker in workerd (scripts/worker-world.ts) from tests. */

/** Pub/Sub's push body for a Gmail notification, as the Google fake sends it. */
export function pushBody(
  emailAddress: string,
  historyId: string | number,
  messageId = String(Date.now()) + Math.floor(Math.random() * 1000),
) {
  return JSON.stringify({
    message: {
      data: Buffer.from(JSON.stringify({ emailAddress, historyId: Number(historyId) })).toString('base64'),
      messageId,
      message_id: messageId,
      publishTime: new Date().toISOString(),
      attributes: {},
    },
    subscription: 'projects/sandbox/subscriptions/gmail-push',
  });
}

/** POST /webhooks/gmail over HTTP, signed with the Google fake's key, as Pub/Sub delivers it. */
export async function push(world: WorkerWorld, body: string, token?: string): Promise<Response> {
  const auth = token ?? (await world.fakes.google.signPushToken());
  return world.request('/webhooks/gmail', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}`, 'user-agent': 'APIs-Google' },
    body,
  });
}

/** POST /webhooks/shopify over HTTP, HMAC-signed with the app secret, as Shopify delivers it. */
export function deliverShopify(
  world: WorkerWorld,
  topic: string,
  payload: unknown,
  o: { shop?: string; webhookId?: string; secret?: string } = {},
) {
  return world.request('/webhooks/shopify', shopifyWebhook(world.config.shopify, payload, { topic, ...o }));
}

/** The difference between two counts() snapshots. */
export function delta(before: ReturnType<WorkerWorld['counts']>, after: ReturnType<WorkerWorld['counts']>) {
  const services = new Set([...Object.keys(before.api.byService), ...Object.keys(after.api.byService)]);
  const api = Object.fromEntries(
    [...services]
      .map((s) => [s, (after.api.byService[s] ?? 0) - (before.api.byService[s] ?? 0)])
      .filter(([, n]) => n !== 0),
  );
  const dbHttp = after.db.httpRequests - before.db.httpRequests;
  const apiTotal = after.api.total - before.api.total;
  return {
    dbHttpRequests: dbHttp,
    dbStatements: after.db.statements - before.db.statements,
    dbTransactionStatements: after.db.transactionStatements - before.db.transactionStatements,
    apiCalls: apiTotal,
    api,
    /** Every fetch() the Worker made: each is a subrequest on Workers. */
    subrequests: dbHttp + apiTotal,
  };
}
