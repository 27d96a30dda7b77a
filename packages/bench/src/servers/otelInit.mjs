// Preloaded (`node --import`) by the OpenTelemetry variants, before Koa is imported: a tracer
// provider with the http and Koa instrumentations and a batch processor whose exporter drops the
// spans in-process — what tracing costs the server, without an OTLP receiver's network cost.
import { register } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const discard = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
provider.register();
registerInstrumentations({
  instrumentations: [new HttpInstrumentation(), new KoaInstrumentation()],
});
