/**
 * Starts OpenTelemetry tracing for a sample app (`serviceName`, its `instrumentations`), spans
 * exported as OTLP/HTTP JSON to `OTEL_EXPORTER_OTLP_ENDPOINT`; without `sendDefaultPii` spans
 * leave without the client's IP. Returns its shutdown.
 */
export function startTracing(options: {
  serviceName: string;
  instrumentations: unknown[];
  sendDefaultPii: boolean;
}): () => Promise<void>;
