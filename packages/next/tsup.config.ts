import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', sentry: 'src/sentry.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    // No `clean` here: the two builds run in parallel and one would delete the other's files
    // (the build script empties dist first).
    target: 'es2022',
  },
  {
    entry: { client: 'src/client/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'es2022',
    // React Server Components: this entry runs in the browser.
    banner: { js: "'use client';" },
  },
]);
