import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Each file builds its own app, database file and fakes; nothing is shared between files.
    pool: 'forks',
  },
});
