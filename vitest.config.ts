import { defineConfig } from 'vitest/config';
import { isPostgresNullSocketWrite } from './engine/persistence/database.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start real threads and processes; two at a time fits two cores.
    maxWorkers: 2,
    fileParallelism: true,
    // The one known upstream crash the outage tests provoke (see isPostgresNullSocketWrite); every other stray error fails the run.
    onUnhandledError: (e) => !isPostgresNullSocketWrite(e),
  },
});
