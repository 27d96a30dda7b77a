// The traced request path in one process, without HTTP: what @x/koa's middleware costs a request
// OpenTelemetry traces (the user put on its server span), free of the noise a real server's CPU
// figures carry on a shared machine. A diagnostic, not part of `pnpm bench`'s report:
//   node --import ./otelInit.mjs otelInProcess.mjs    (from this folder, after the build)
// Three Koa apps registered with `app.use` (so OpenTelemetry's Koa instrumentation wraps their
// middleware as in a server): `otel` (the app alone), `otel+x` (@x/koa's middleware first, with
// `sendDefaultPii`, as the bench's server) and `otel-again` (the first once more: the A/A
// control). Each request runs in a server span made as the http instrumentation makes it, on a
// Koa context made by the app; batches of 50 concurrent requests, the apps' batches interleaved.
// Prints the CPU µs per request of each app (median of the rounds), what @x adds over `otel` and
// the A/A difference (medians of the per-round differences), then the span attributes @x set.
import { createRequire } from 'node:module';
import { context, SpanKind, trace } from '@opentelemetry/api';
import Koa from 'koa';
import { authenticate } from './common.mjs';

const require = createRequire(import.meta.url);
// Koa's own composer, as Koa itself resolves it.
const compose = require(require.resolve('koa-compose', { paths: [require.resolve('koa')] }));
const x = await import('@x/koa');
// Nothing is captured on this path: the DSN is never reached.
x.init({ dsn: 'http://key@127.0.0.1:9/1', sendDefaultPii: true, release: 'bench@1' });

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const CONCURRENT = 50;
const tracer = trace.getTracer('bench');

function app(withX) {
  const koa = new Koa();
  if (withX) koa.use(x.koaMiddleware());
  koa.use((ctx, next) => {
    ctx.state.user = authenticate(ctx.get('authorization'));
    return next();
  });
  koa.use((ctx) => {
    ctx.body = { hello: ctx.state.user.username };
  });
  return { koa, run: compose(koa.middleware) };
}

const apps = { otel: app(false), 'otel+x': app(true), 'otel-again': app(false) };
const response = { getHeader() {}, setHeader() {}, removeHeader() {}, statusCode: 404 };

/** One request in a server span of its own; resolves with the span once it ended. */
function request({ koa, run }) {
  const headers = { host: '127.0.0.1:3000', authorization: 'Bearer token-7', 'user-agent': 'wrk' };
  const req = { method: 'GET', url: '/', headers, socket: { remoteAddress: '127.0.0.1' } };
  const span = tracer.startSpan('GET', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'GET' },
  });
  const traced = trace.setSpan(context.active(), span);
  return context
    .with(traced, () => run(koa.createContext(req, response)))
    .then(() => {
      span.end();
      return span;
    });
}

async function batch(target, count) {
  const started = process.cpuUsage();
  for (let done = 0; done < count; done += CONCURRENT) {
    await Promise.all(Array.from({ length: CONCURRENT }, () => request(target)));
  }
  const { user, system } = process.cpuUsage(started);
  return (user + system) / count;
}

const variants = Object.keys(apps);
for (const variant of variants) await batch(apps[variant], REQUESTS * 3);
const cpu = Object.fromEntries(variants.map((variant) => [variant, []]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const variant of round % 2 ? variants : [...variants].reverse()) {
    cpu[variant].push(await batch(apps[variant], REQUESTS));
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const over = (variant) => median(cpu[variant].map((us, i) => us - cpu.otel[i]));
console.log(
  JSON.stringify({
    cpuUs: Object.fromEntries(variants.map((variant) => [variant, median(cpu[variant])])),
    xAddedUs: over('otel+x'),
    aaUs: over('otel-again'),
    spanAttributes: (await request(apps['otel+x'])).attributes,
  }),
);
