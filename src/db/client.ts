import type { LibSQLDatabase } from 'drizzle-orm/libsql';
import type * as schema from './schema';

/** The database handle every module receives. Node opens a file (db/node.ts); Workers speak HTTP to Turso (db/web.ts). */
export type Db = LibSQLDatabase<typeof schema>;
