import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'turso',
  schema: './src/db/schema.ts',
  out: './migrations',
  dbCredentials: {
    url: process.env.DATABASE_URL ?? 'file:./data/draftline.db',
    authToken: process.env.DATABASE_AUTH_TOKEN,
  },
});
