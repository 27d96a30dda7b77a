import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tests'],
    // Most suites wait on servers they started (Koa, Nest and Next apps, the inbox, Redis,
    // Chromium), not on the CPU, so two files run at once even on a 2-core machine, where
    // vitest's default (cores - 1) would run one: `npm test` takes ~4 minutes less there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
