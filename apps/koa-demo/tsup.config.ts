import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { server: 'src/server.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
