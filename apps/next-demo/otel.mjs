// OpenTelemetry for next-demo, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: the Node SDK with
// the http instrumentation, spans exported as OTLP/HTTP (JSON) to that endpoint. server.mjs starts
// it before Next loads, so each request gets the http server span (Next's own spans, made through
// the same global API, sit inside it). @x puts each request's user on that span and each error's
// trace on its event (issue 20).
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * Starts tracing. Returns its shutdown.
 * @param {{ sendDefaultPii: boolean }} options
 * @returns {() => Promise<void>}
 */
export function startTracing(options) {
  const exporter = new OTLPTraceExporter();
  const sdk = new NodeSDK({
    serviceName: 'next-demo',
    traceExporter: options.sendDefaultPii ? exporter : withoutClientAddress(exporter),
    instrumentations: [new HttpInstrumentation()],
  });
  sdk.start();
  return () => sdk.shutdown();
}

/**
 * The http instrumentation records the client's IP on every server span (`client.address`,
 * `network.peer.address`, OpenTelemetry's HTTP conventions). Without sendDefaultPii the demo
 * collects no IP: spans leave without them. (@x itself adds `client.address` only with it.)
 * @param {OTLPTraceExporter} exporter
 */
function withoutClientAddress(exporter) {
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
