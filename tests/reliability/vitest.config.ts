import { defineConfig } from 'vitest/config';

// The long runs of `pnpm reliability` (not part of `npm test`): *.scenario.ts files, one at a
// time so that timings are not disturbed by each other.
export default defineConfig({
  test: {
    include: ['**/*.scenario.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
