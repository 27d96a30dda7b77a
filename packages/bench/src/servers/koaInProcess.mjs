// Sentry mode's request path in one process, without HTTP: what @x's Koa middleware costs next to
// the app's own `Sentry.setUser`, free of the noise a real server's CPU figures carry on a shared
// machine. Preloaded with sentryInit.mjs as `sentry+x` (xUserIntegration set up). Three Koa apps
// registered with `app.use` (so Sentry's Koa instrumentation wraps their middleware as it does in
// a server): `sentry` (the app sets the user through Sentry), `sentry+x` (koaMiddleware first, no
// `setUser`) and `sentry-again` (the first once more: the A/A control). Each request runs in a
// Sentry isolation scope of its own described as Sentry's http integration describes it, on a Koa
// context made by the app; batches of 50 concurrent requests, the apps' batches interleaved.
// Each of the 50 keeps its last request's isolation scope until its next one, as a keep-alive
// connection of a server does (its socket's async context): what a request leaves in that scope
// lives on into the next young-generation collections, and its cost shows here too.
// Prints one JSON line: `{ rows: [{ variant, round, cpuUs }] }`.
import { createRequire } from 'node:module';
import Koa from 'koa';
import { authenticate } from './common.mjs';

const require = createRequire(import.meta.url);
// Koa's own composer, as Koa itself resolves it.
const compose = require(require.resolve('koa-compose', { paths: [require.resolve('koa')] }));
const Sentry = await import('@sentry/node');
const { koaMiddleware } = await import('@x/koa');

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const CONCURRENT = 50;

function app(withX) {
  const koa = new Koa();
  if (withX) koa.use(koaMiddleware());
  koa.use((ctx, next) => {
    ctx.state.user = authenticate(ctx.get('authorization'));
    if (!withX && ctx.state.user) Sentry.setUser(ctx.state.user);
    return next();
  });
  koa.use((ctx) => {
    ctx.state.hello = ctx.state.user.username;
  });
  return { koa, run: compose(koa.middleware), kept: new Array(CONCURRENT) };
}

const apps = { sentry: app(false), 'sentry+x': app(true), 'sentry-again': app(false) };
const response = { getHeader() {}, setHeader() {}, removeHeader() {}, statusCode: 404 };

function request({ koa, run, kept }, connection) {
  const headers = { host: '127.0.0.1:3000', authorization: 'Bearer token-7', 'user-agent': 'wrk' };
  const req = { method: 'GET', url: '/', headers, socket: { remoteAddress: '127.0.0.1' } };
  return Sentry.withIsolationScope((scope) => {
    kept[connection] = scope;
    scope.setSDKProcessingMetadata({
      normalizedRequest: { method: 'GET', url: 'http://127.0.0.1:3000/', headers },
      ipAddress: '127.0.0.1',
    });
    return run(koa.createContext(req, response));
  });
}

async function batch(target, count) {
  const started = process.cpuUsage();
  for (let done = 0; done < count; done += CONCURRENT) {
    await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => request(target, i)));
  }
  const { user, system } = process.cpuUsage(started);
  return (user + system) / count;
}

const variants = Object.keys(apps);
for (const variant of variants) await batch(apps[variant], REQUESTS * 3);
const rows = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const variant of round % 2 ? variants : [...variants].reverse()) {
    rows.push({ variant, round, cpuUs: await batch(apps[variant], REQUESTS) });
  }
}
console.log(JSON.stringify({ rows }));
