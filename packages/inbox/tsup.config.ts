import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    // import.meta.url (used to find the bundled geo data) in the CJS build too.
    shims: true,
    target: 'es2022',
  },
  {
    // The `x-inbox` bin: ESM only, keeps the shebang of src/cli.ts.
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'es2022',
  },
]);
