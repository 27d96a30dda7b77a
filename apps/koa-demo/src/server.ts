// koa-demo: environment PORT (3001), X_DSN (the local inbox), X_SEND_DEFAULT_PII (true),
// TRUST_PROXY (off), JWT_SECRET, X_SPOOL_DIR (off), X_PSEUDONYMIZE_KEY (off), X_PROPAGATION_KEY (a
// demo key: signs the user a job carries), REDIS_URL (redis://127.0.0.1:6379; `off`, or no Redis
// there: the jobs part is off), JOBS_CONCURRENCY (10),
// OTEL_EXPORTER_OTLP_ENDPOINT (off; set, OpenTelemetry traces go there — src/otel.ts),
// X_WITH_SENTRY (off; `1`: Sentry's SDK captures and sends, @x supplies the user — src/sentry.ts;
// the jobs part is off then).
import type { AddressInfo } from 'node:net';
import { jobsConcurrency, jobsConnection } from '@x/demo-kit/jobs';
import { close, init } from '@x/koa';

const env = process.env;
const sendDefaultPii = (env.X_SEND_DEFAULT_PII ?? 'true') !== 'false';
const dsn = env.X_DSN ?? 'http://xinboxdevkey@127.0.0.1:8969/1';
// Sentry mode: Sentry's SDK starts before Koa loads (it instruments what it sees load).
const sentry =
  env.X_WITH_SENTRY === '1'
    ? (await import('./sentry')).startSentry({
        dsn,
        sendDefaultPii,
        pseudonymizeKey: env.X_PSEUDONYMIZE_KEY || undefined,
      })
    : undefined;
// Tracing starts before the app's modules load, so that its instrumentations see them.
const stopTracing = env.OTEL_EXPORTER_OTLP_ENDPOINT
  ? (await import('./otel')).startTracing({ sendDefaultPii })
  : undefined;
const { createApp } = await import('./app');

// @x's own mode: @x captures and sends.
if (!sentry) startX();
function startX() {
  init({
    dsn,
    sendDefaultPii,
    release: 'koa-demo@0.1.0',
    serverName: 'koa-demo',
    environment: 'development',
    // Optional: undeliverable events wait here across restarts (the reliability runs use it).
    spoolDir: env.X_SPOOL_DIR || undefined,
    // With a key, users are sent as pseudonyms (px_…); `subscription` is the one custom key kept.
    pseudonymizeUsers: env.X_PSEUDONYMIZE_KEY
      ? { key: env.X_PSEUDONYMIZE_KEY, allow: ['subscription'] }
      : undefined,
    // Signs the user each background job carries (the worker below checks it).
    propagationKey: env.X_PROPAGATION_KEY ?? 'x-demo-propagation-key-for-development-only',
  });
}

// The jobs report through @x's own client: off in Sentry mode.
const connection = sentry ? undefined : await jobsConnection('koa-demo');
const jobs = connection
  ? (await import('./jobs')).startJobs(connection, jobsConcurrency())
  : undefined;

const app = createApp({
  secret: env.JWT_SECRET ?? 'x-demo-secret',
  trustProxy: ['1', 'true', 'yes'].includes((env.TRUST_PROXY ?? '').toLowerCase()),
  jobs,
  report: sentry?.report,
});
sentry?.setupApp(app);
const server = app.listen(Number(env.PORT ?? 3001), env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`koa-demo listening on http://${address}:${port}`);
});

// Stop taking requests, deliver what was captured, then exit.
const shutdown = () => {
  server.close();
  // The worker finishes its jobs first — at most 3 s (a Redis already gone would hold it forever).
  const jobsClosed = jobs && Promise.race([jobs.close(), new Promise((r) => setTimeout(r, 3000))]);
  void Promise.allSettled([jobsClosed])
    .then(() => Promise.allSettled([close(2000), sentry?.close(2000), stopTracing?.()]))
    .finally(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
