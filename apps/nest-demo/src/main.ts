// nest-demo: environment PORT (3002), X_DSN (the local inbox), X_SEND_DEFAULT_PII (true),
// TRUST_PROXY (off), JWT_SECRET, X_PSEUDONYMIZE_KEY (off), X_PROPAGATION_KEY (a demo key),
// RPC_PORT (unset: the TCP microservice is started here, as its own process, on a free port),
// REDIS_URL (redis://127.0.0.1:6379; `off`, or no Redis there: the jobs part is off),
// JOBS_CONCURRENCY (10),
// OTEL_EXPORTER_OTLP_ENDPOINT (off; set, OpenTelemetry traces go there — src/otel.ts),
// X_WITH_SENTRY (off; `1`: Sentry's SDK (@sentry/nestjs) captures and sends, @x supplies the
// user — src/sentry.ts; the parts that report through @x's own client are off then: the jobs
// and the TCP microservice, whose /rpc routes answer 503).
import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { dsn, sendDefaultPii } from './settings.js';
import { startMicroservice } from './startMicroservice.js';

// Sentry mode: Sentry's SDK starts before Nest loads (it instruments what it sees load).
const sentry =
  process.env.X_WITH_SENTRY === '1'
    ? (await import('./sentry.js')).startSentry({
        dsn,
        sendDefaultPii,
        pseudonymizeKey: process.env.X_PSEUDONYMIZE_KEY || undefined,
      })
    : undefined;

if (!sentry && !process.env.RPC_PORT) process.env.RPC_PORT = String(await startMicroservice());

// Tracing starts before Nest and the app load, so that its instrumentations see them; on
// SIGTERM/SIGINT it exports what it holds while Nest's shutdown hooks close the app and @x.
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  const stop = (await import('./otel.js')).startTracing({ sendDefaultPii });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop());
}
const { NestFactory } = await import('@nestjs/core');
const { AppModule } = await import('./app.module.js');
const { jobsConnection } = await import('@x/demo-kit/jobs');

const app = await NestFactory.create<NestExpressApplication>(
  AppModule.create(
    sentry
      ? // The jobs report through @x's own client: off in Sentry mode.
        {
          jobs: undefined,
          sentry: { module: (await import('./sentry.module.js')).DemoSentryModule, ...sentry },
        }
      : { jobs: await jobsConnection('nest-demo') },
  ),
  {
    logger: ['warn', 'error'],
  },
);
// Express decides req.ip: X-Forwarded-For counts only behind a trusted proxy.
app.set(
  'trust proxy',
  ['1', 'true', 'yes'].includes((process.env.TRUST_PROXY ?? '').toLowerCase()),
);
// SIGTERM/SIGINT: @x (Sentry, in Sentry mode) delivers what it captured before exit.
app.enableShutdownHooks();
// A worker closing against a Redis that is already gone would hold the exit forever: 5 s at most.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => setTimeout(() => process.exit(0), 5000).unref());
}
await app.listen(Number(process.env.PORT ?? 3002), process.env.HOST ?? '127.0.0.1');
console.log(`nest-demo listening on ${(await app.getUrl()).replace('[::1]', '127.0.0.1')}`);
