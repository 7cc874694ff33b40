import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Setup hooks start whole runtimes (and Chromium); on a busy 2-core CI box that can take a while.
    hookTimeout: 60_000,
    // Each file builds its own app, database file and fakes; nothing is shared between files.
    pool: 'forks',
  },
});
