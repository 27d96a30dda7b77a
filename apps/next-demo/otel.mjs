// OpenTelemetry for next-demo, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: the http
// instrumentation, started by demo-kit's `startTracing` (OTLP/HTTP JSON; no client IP on spans
// without sendDefaultPii). server.mjs starts it before Next loads, so each request gets the http
// server span (Next's own spans, made through the same global API, sit inside it). @x puts each
// request's user on that span and each error's trace on its event.
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { startTracing as start } from '@x/demo-kit/otel';

/**
 * Starts tracing. Returns its shutdown.
 * @param {{ sendDefaultPii: boolean }} options
 * @returns {() => Promise<void>}
 */
export function startTracing(options) {
  return start({
    serviceName: 'next-demo',
    instrumentations: [new HttpInstrumentation()],
    sendDefaultPii: options.sendDefaultPii,
  });
}
