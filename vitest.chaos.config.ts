import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run chaos`: every chaos scenario, the long ones too (`*.chaos.ts`: the soak and the
 * feed storm, never in `npm test` or CI), one at a time so they do not disturb each other's figures.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['test/chaos/**/*.test.ts', 'test/chaos/**/*.chaos.ts'],
      maxWorkers: 1,
      fileParallelism: false,
      testTimeout: 60 * 60_000,
    },
  }),
);
