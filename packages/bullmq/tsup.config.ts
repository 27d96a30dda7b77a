import { defineConfig } from 'tsup';

// `nest` is the `@x/bullmq/nest` entry, the only one that imports @nestjs/*. ESM output shares
// the common code in chunks; each CommonJS entry holds its own copy (tsup splits ESM only), which
// keeps no state of its own: its markers are `Symbol.for` keys.
export default defineConfig({
  entry: { index: 'src/index.ts', nest: 'src/nest.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
