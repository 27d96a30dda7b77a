// Browser bundle size of init + setUser + captureException: @x/next/client vs @sentry/browser,
// both bundled by esbuild with the same settings (ESM, browser, minified, tree-shaken), gzipped.
// Prints one JSON line; `pnpm bench` runs it, and test/size.test.ts checks the result.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = new URL('..', import.meta.url).pathname;

const entries = {
  '@x/next/client': `import { initBrowser, setUser, captureException } from '@x/next/client';
initBrowser({ dsn: 'https://k@example.invalid/1' }); setUser({ id: '1' }); captureException(new Error('x'));`,
  '@sentry/browser': `import { init, setUser, captureException } from '@sentry/browser';
init({ dsn: 'https://k@example.invalid/1' }); setUser({ id: '1' }); captureException(new Error('x'));`,
};

/** Bundles one entry and returns its minified and gzipped sizes in bytes. */
export async function measure(name) {
  const result = await build({
    stdin: { contents: entries[name], resolveDir: here, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    write: false,
    treeShaking: true,
    // React is the app's own; it is not part of what @x adds.
    external: ['react', 'react/jsx-runtime'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ours = await measure('@x/next/client');
  const sentry = await measure('@sentry/browser');
  console.log(
    JSON.stringify({
      bench: 'browser bundle: init + setUser + captureException (esbuild, minified, gzip -9)',
      x_next_client: ours,
      sentry_browser: sentry,
      ratio_gzip: Number((ours.gzip / sentry.gzip).toFixed(2)),
    }),
  );
}
