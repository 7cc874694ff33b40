import type { OAuth2Client } from 'google-auth-library';
import type { Config } from './config';
import { createKnownCursors, type KnownCursors } from './pipeline/known-cursors';
import type { Db } from './db/client';
import type { StoreConnection } from './db/accounts';
import { createSealer, type Sealer } from './crypto/seal';
import { createReplyWriter, type ReplyWriter } from './drafting/llm';
import { createGmailMailbox, type GmailMailbox } from './google/gmail';
import { createAuthorizedClient, type GoogleOAuthConfig } from './google/oauth';
import type { FetchLike } from './platform/fetch';
import { meteredFetch, meteredQueue } from './platform/subrequests';
import type { Logger } from './platform/log';
import type { JobQueue } from './platform/queue';
import { dohResolver, type HostResolver } from './platform/public-host';
import { sealedAs, type StoreCredentials } from './db/sealed';
import { shopifyConnectionRecord, type StoreRowChange } from './db/store-connections';
import type { OrderSource } from './stores/order';
import { openShopifyOrderSource } from './stores/shopify';
import { createWooCommerceOrderSource } from './stores/woocommerce';

/**
 * Everything the app and the pipeline need, built once per process (Node) or isolate (Workers)
 * from explicit inputs. Nothing here reads the environment or a global.
 */
export interface Services {
  config: Config;
  db: Db;
  sealer: Sealer;
  logger: Logger;
  fetch: FetchLike;
  queue: JobQueue;
  now: () => number;
  googleOAuth: GoogleOAuthConfig;
  openMailbox(refreshToken: string): GmailMailbox;
  /** Where this isolate last left each mailbox's cursor (a hint for reading history early). */
  knownCursors: KnownCursors;
  /** `onStored`: told of each change the source wrote to the store row (a token refresh, a status move). */
  openOrderSource(
    connection: StoreConnection,
    credentials: StoreCredentials,
    onStored?: (change: StoreRowChange) => void,
  ): OrderSource;
  replyWriter: ReplyWriter;
  /** Resolves store hostnames before we call a URL a person typed (SSRF guard). */
  hostResolver: HostResolver;
  /**
   * Told what the sync decided for each message, in memory. Only the sandbox listens (its mailbox
   * view says why a thread got no draft); nothing in production keeps it.
   */
  onMessageOutcome?: (event: MessageOutcomeEvent) => void;
}

export interface MessageOutcomeEvent {
  accountId: string;
  messageId: string;
  threadId: string;
  /** 'drafted', or the skip reason (a SkipReason word). */
  outcome: string;
}

export interface ServiceInputs {
  config: Config;
  db: Db;
  logger: Logger;
  fetch: FetchLike;
  queue: JobQueue;
  now?: () => number;
}

export function createServices(inputs: ServiceInputs): Services {
  const { config } = inputs;
  // Every outside call is counted against the sync it belongs to (Workers' subrequest limit).
  const fetch = meteredFetch(inputs.fetch);
  const googleOAuth: GoogleOAuthConfig = { ...config.google, fetch };
  const authorizedClients = new AuthorizedClientCache((refreshToken) =>
    createAuthorizedClient(googleOAuth, refreshToken),
  );
  const now = inputs.now ?? Date.now;
  const sealer = createSealer(config.secrets.encryptionKey, config.secrets.oldEncryptionKeys);
  const services: Services = {
    ...inputs,
    fetch,
    queue: meteredQueue(inputs.queue),
    now,
    sealer,
    googleOAuth,
    openMailbox: (refreshToken) =>
      createGmailMailbox({ rootUrl: config.google.gmailApiUrl, fetch, auth: authorizedClients.get(refreshToken) }),
    knownCursors: createKnownCursors(),
    openOrderSource: (connection, credentials, onStored) =>
      credentials.kind === 'shopify'
        ? // The token keeper reads the services' clock when it runs (tests move it).
          openShopifyOrderSource(
            { sealer, logger: inputs.logger, fetch, now: () => services.now(), config },
            connection,
            credentials,
            sealedAs.storeCredentials(connection.id),
            shopifyConnectionRecord(inputs.db, connection, () => services.now(), onStored),
          )
        : createWooCommerceOrderSource({
            storeUrl: connection.storeDomain,
            consumerKey: credentials.consumerKey,
            consumerSecret: credentials.consumerSecret,
            fetch,
          }),
    hostResolver: dohResolver({ url: config.dnsResolverUrl, fetch }),
    replyWriter: createReplyWriter({
      apiKey: config.openai.apiKey,
      baseUrl: config.openai.baseUrl,
      model: config.openai.model,
      fetch,
    }),
  };
  return services;
}

/**
 * One OAuth client per refresh token for the life of the process (Node) or isolate (Workers), so
 * an access token is refreshed once per hour rather than once per sync, and concurrent syncs of one
 * account share a single refresh (google-auth-library dedupes refreshes within a client). Held in
 * memory only, least recently used first out.
 */
class AuthorizedClientCache {
  private readonly clients = new Map<string, OAuth2Client>();
  constructor(
    private readonly create: (refreshToken: string) => OAuth2Client,
    private readonly max = 500,
  ) {}

  get(refreshToken: string): OAuth2Client {
    let client = this.clients.get(refreshToken);
    if (client) this.clients.delete(refreshToken);
    else client = this.create(refreshToken);
    this.clients.set(refreshToken, client);
    if (this.clients.size > this.max) this.clients.delete(this.clients.keys().next().value!);
    return client;
  }
}
