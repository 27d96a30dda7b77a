// Preloaded into a scenario's app (`NODE_OPTIONS="--expose-gc --require …/heapProbe.cjs"`):
// every 10 s, a full GC, then one stderr line
// `[heap-probe] <ms since start> <heap used, MiB>` — what the app really keeps, free of the
// swings of RSS between collections.
const gc = globalThis.gc;
const EVERY_MS = 10_000;
const started = Date.now();
if (typeof gc === 'function') {
  setInterval(() => {
    gc();
    const mib = process.memoryUsage().heapUsed / 1024 / 1024;
    process.stderr.write(`[heap-probe] ${Date.now() - started} ${mib.toFixed(1)}\n`);
  }, EVERY_MS).unref();
} else {
  process.stderr.write('[heap-probe] no gc(): start the app with --expose-gc\n');
}
