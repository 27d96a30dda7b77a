import { defineConfig } from 'tsup';

const shared = {
  entry: {
    index: 'src/index.ts',
    node: 'src/node.ts',
    internal: 'src/internal.ts',
    sentry: 'src/sentry/index.ts',
  },
  dts: true,
  sourcemap: true,
  target: 'es2022',
} as const;

// No `clean` here: the two builds run in parallel and one would delete the other's files (the
// build script empties dist first). CommonJS is built without code splitting: tsup's CJS
// splitting rewrites the chunks after esbuild and leaves source maps that point at the built
// file itself, with no sources.
export default defineConfig([
  { ...shared, format: ['esm'], splitting: true },
  { ...shared, format: ['cjs'], splitting: false },
]);
