// OpenTelemetry for nest-demo, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: the http, Express
// and Nest instrumentations, started by demo-kit's `startTracing` (OTLP/HTTP JSON; no client IP
// on spans without sendDefaultPii). @x puts each request's user on its server span.
import { register } from 'node:module';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { startTracing as start } from '@x/demo-kit/otel';

/** Starts tracing; call it before Nest is imported. Returns its shutdown. */
export function startTracing(options: { sendDefaultPii: boolean }): () => Promise<void> {
  // Lets the instrumentations see ES modules too (Nest 12 is ESM-only).
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  return start({
    serviceName: 'nest-demo',
    instrumentations: [
      new HttpInstrumentation(),
      new ExpressInstrumentation(),
      new NestInstrumentation(),
    ],
    sendDefaultPii: options.sendDefaultPii,
  });
}
