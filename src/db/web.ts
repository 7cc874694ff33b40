import { createClient } from '@libsql/client/web';
import { drizzle } from 'drizzle-orm/libsql/web';
import * as schema from './schema';
import type { Db } from './client';

/** Workers: libSQL over HTTP (Turso). Migrations are applied ahead of deploys with `npm run db:migrate`. */
export function openWebDb(url: string, authToken?: string): Db {
  return drizzle(createClient({ url, authToken }), { schema }) as unknown as Db;
}
