// OpenTelemetry for koa-demo, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: the http and Koa
// instrumentations, started by demo-kit's `startTracing` (OTLP/HTTP JSON; no client IP on spans
// without sendDefaultPii). @x puts each request's user on its server span.
import { register } from 'node:module';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { startTracing as start } from '@x/demo-kit/otel';

/** Starts tracing; call it before the app's modules are imported. Returns its shutdown. */
export function startTracing(options: { sendDefaultPii: boolean }): () => Promise<void> {
  // Lets the instrumentations see ES modules too (Koa is imported, not required).
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  return start({
    serviceName: 'koa-demo',
    instrumentations: [new HttpInstrumentation(), new KoaInstrumentation()],
    sendDefaultPii: options.sendDefaultPii,
  });
}
