import { createClient } from '@libsql/client/web';
import { drizzle } from 'drizzle-orm/libsql/web';
import * as schema from './schema';
import type { Db } from './client';
import type { FetchLike } from '../platform/fetch';

/** Workers: libSQL over HTTP (Turso). Migrations are applied ahead of deploys with `npm run db:migrate`. */
export function openWebDb(url: string, authToken?: string, fetch?: FetchLike): Db {
  // Every statement is an HTTP request (a Workers subrequest): given a metered fetch, it is counted.
  return drizzle(createClient({ url, authToken, ...(fetch ? { fetch } : {}) }), { schema }) as unknown as Db;
}
