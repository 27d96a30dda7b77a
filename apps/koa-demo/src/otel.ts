// OpenTelemetry for koa-demo, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: the Node SDK with
// the http and Koa instrumentations, spans exported as OTLP/HTTP (JSON) to that endpoint. @x puts
// each request's user on its server span and each error's trace on its event (issue 20).
import { register } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** Starts tracing; call it before the app's modules are imported. Returns its shutdown. */
export function startTracing(options: { sendDefaultPii: boolean }): () => Promise<void> {
  // Lets the instrumentations see ES modules too (Koa is imported, not required).
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const exporter = new OTLPTraceExporter();
  const sdk = new NodeSDK({
    serviceName: 'koa-demo',
    traceExporter: options.sendDefaultPii ? exporter : withoutClientAddress(exporter),
    instrumentations: [new HttpInstrumentation(), new KoaInstrumentation()],
  });
  sdk.start();
  return () => sdk.shutdown();
}

/**
 * The http instrumentation records the client's IP on every server span (`client.address`,
 * `network.peer.address`, OpenTelemetry's HTTP conventions). Without sendDefaultPii the demo
 * collects no IP: spans leave without them. (@x itself adds `client.address` only with it.)
 */
function withoutClientAddress(exporter: OTLPTraceExporter): OTLPTraceExporter {
  const send = exporter.export.bind(exporter);
  exporter.export = (spans, done) =>
    send(
      spans.map((span) => {
        const {
          'client.address': _ip,
          'network.peer.address': _peer,
          ...attributes
        } = span.attributes;
        return Object.assign(Object.create(span), { attributes });
      }),
      done,
    );
  return exporter;
}
