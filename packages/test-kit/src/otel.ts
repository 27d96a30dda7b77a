// OpenTelemetry for tests: the real Node tracer provider with the real http
// instrumentation, registered globally as an app's SDK registers them, and spans kept in memory.
import { createRequire } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** Tracing started by {@link startTestTracing}. */
export interface TestTracing {
  /** The finished spans of kind SERVER (one per incoming HTTP request). */
  serverSpans(): ReadableSpan[];
  /** Every finished span. */
  spans(): ReadableSpan[];
  /** Unregisters everything: the globals, the instrumentation. */
  dispose(): Promise<void>;
}

const SERVER = 1; // SpanKind.SERVER

/**
 * Registers a NodeTracerProvider (AsyncLocalStorage context, W3C propagation) and the http
 * instrumentation, so every server created afterwards — or before: the instrumentation patches
 * `http.Server.prototype` — opens a server span per request, continuing an incoming `traceparent`.
 */
export function startTestTracing(): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new HttpInstrumentation()],
  });
  // The instrumentation patches `http` when it is required through Node's loader: do it now
  // (vitest loaded `node:http` long before).
  const require = createRequire(import.meta.url);
  require('node:http');
  return {
    spans: () => exporter.getFinishedSpans(),
    serverSpans: () => exporter.getFinishedSpans().filter((span) => span.kind === SERVER),
    async dispose() {
      unregister();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** A span's attributes as plain strings (what the tests compare). */
export function spanAttributes(span: ReadableSpan): Record<string, unknown> {
  return { ...span.attributes };
}
