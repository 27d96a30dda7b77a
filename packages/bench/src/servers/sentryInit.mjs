// Preloaded (`node --import`) by the Sentry variants, as Sentry's docs ask: init before the
// framework is imported. No tracing (no tracesSampleRate), default integrations, PII on (as @x).
// `sentry+x` (Sentry mode): the same init plus @x/koa's `xUserIntegration()` after Sentry's
// defaults, as the Koa README's Sentry mode has it; @x itself is not `init`ed.
const pkg = process.env.BENCH_SENTRY_PACKAGE ?? '@sentry/node';
const Sentry = await import(pkg);
const sentryMode = process.env.BENCH_VARIANT === 'sentry+x';
const xUser = sentryMode ? (await import('@x/koa/sentry')).xUserIntegration() : undefined;
Sentry.init({
  dsn: process.env.BENCH_DSN,
  sendDefaultPii: true,
  release: 'bench@1',
  // Every request throws the same error: Dedupe would drop all but the first of each run of
  // identical consecutive events before they are sent. Off, so delivery itself is measured.
  integrations: (defaults) => [
    ...defaults.filter((i) => i.name !== 'Dedupe'),
    ...(xUser ? [xUser] : []),
  ],
});
