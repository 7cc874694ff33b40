// `npm run db:migrate`: applies migrations/ to DATABASE_URL (a file locally, a libsql:// URL on Turso).
import { migrateDb, openNodeDb } from '../src/db/node';

const url = process.env.DATABASE_URL ?? 'file:./data/draftline.db';
const { db, client } = openNodeDb(url, process.env.DATABASE_AUTH_TOKEN);
await migrateDb(db);
client.close();
console.log(`Migrations applied to ${url.replace(/\/\/[^@/]*@/, '//')}`);
