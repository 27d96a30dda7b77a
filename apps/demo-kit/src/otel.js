// OpenTelemetry for the sample apps, which start it only when OTEL_EXPORTER_OTLP_ENDPOINT is
// set: the Node SDK with the app's instrumentations, spans exported as OTLP/HTTP (JSON) to that
// endpoint. @x puts each request's user on its server span and each error's trace on its event.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * Starts tracing for `serviceName` with `instrumentations`; call it before the framework is
 * imported. Returns its shutdown.
 * @param {{ serviceName: string, instrumentations: unknown[], sendDefaultPii: boolean }} options
 * @returns {() => Promise<void>}
 */
export function startTracing({ serviceName, instrumentations, sendDefaultPii }) {
  const exporter = new OTLPTraceExporter();
  const sdk = new NodeSDK({
    serviceName,
    traceExporter: sendDefaultPii ? exporter : withoutClientAddress(exporter),
    instrumentations,
  });
  sdk.start();
  return () => sdk.shutdown();
}

/**
 * The http instrumentation records the client's IP on every server span (`client.address`,
 * `network.peer.address`, OpenTelemetry's HTTP conventions). Without sendDefaultPii the demos
 * collect no IP: spans leave without them. (@x itself adds `client.address` only with it.)
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
