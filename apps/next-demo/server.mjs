// next-demo's server: Next behind one trusted hop. Next gives App Router handlers no socket, and
// its own server only fills X-Forwarded-For when the client did not send one — so a client could
// write it. This server appends the socket's address, the way a real front proxy does, and the
// app tells @x/next to trust exactly that one hop (`trustProxy: 1`; 2 with TRUST_PROXY=1).
// Environment: PORT (3003), HOST (127.0.0.1), X_DSN, X_SEND_DEFAULT_PII (true), TRUST_PROXY,
// OTEL_EXPORTER_OTLP_ENDPOINT (off; set, OpenTelemetry traces go there — otel.mjs), X_WITH_SENTRY
// (off; `1`: Sentry's SDK captures and sends, @x supplies the user — instrumentation.ts).
import { createServer } from 'node:http';

// Tracing starts before Next loads, so that the http instrumentation sees every request.
const stopTracing = process.env.OTEL_EXPORTER_OTLP_ENDPOINT
  ? (await import('./otel.mjs')).startTracing({
      sendDefaultPii: (process.env.X_SEND_DEFAULT_PII ?? 'true') !== 'false',
    })
  : undefined;
const { close } = await import('@x/next');
const { default: next } = await import('next');

const port = Number(process.env.PORT ?? 3003);
const hostname = process.env.HOST ?? '127.0.0.1';
const app = next({ dev: false, dir: import.meta.dirname, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((req, res) => {
  const prior = req.headers['x-forwarded-for'];
  const peer = req.socket.remoteAddress ?? '';
  req.headers['x-forwarded-for'] = prior ? `${prior}, ${peer}` : peer;
  handle(req, res);
});
server.listen(port, hostname, () => {
  const address = server.address();
  console.log(
    `next-demo listening on http://${hostname}:${typeof address === 'object' ? address?.port : port}`,
  );
});

// Stop taking requests, then deliver what @x captured (the client lives on a process-wide
// carrier, so this copy of @x/next closes the one Next's bundles initialized) — or, in Sentry
// mode, what Sentry captured (the same holds for Sentry's client) — then exit.
const closeSentry = async (timeoutMs) =>
  process.env.X_WITH_SENTRY === '1' && (await import('@sentry/nextjs')).close(timeoutMs);
const shutdown = () => {
  server.close();
  void Promise.allSettled([close(2000), closeSentry(2000), stopTracing?.()]).finally(() =>
    process.exit(0),
  );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
