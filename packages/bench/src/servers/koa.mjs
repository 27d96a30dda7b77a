// Koa hello-world with per-request auth: bare, @x/koa, @sentry/node, the AsyncLocalStorage floor,
// the error path's floor (`floor`, errorFloor.mjs),
// with OpenTelemetry tracing (otelInit.mjs preloaded) without and with @x/koa (`otel`, `otel+x`),
// and Sentry mode (`sentry+x`: Sentry as `sentry` has it, plus `xUserIntegration()` in its init
// and @x/koa's middleware; @x not `init`ed, the app sets no user through Sentry).
import Koa from 'koa';
import { authenticate, config, fail, ready } from './common.mjs';

const app = new Koa();
app.silent = true; // no error log lines: the same for every variant
let flush;
if (config.variant === 'x' || config.variant === 'otel+x') {
  const x = await import('@x/koa');
  x.init({
    dsn: config.dsn,
    sendDefaultPii: true,
    release: 'bench@1',
  });
  app.use(x.koaMiddleware());
  flush = () => x.flush(10_000);
} else if (config.variant === 'als') {
  // Diagnostic (not in the report's table): only what any AsyncLocalStorage-based SDK adds —
  // one AsyncLocalStorage.run per request, which turns on Node 20's promise hooks.
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const als = new AsyncLocalStorage();
  app.use((ctx, next) => als.run({ ctx }, next));
} else if (config.variant === 'floor') {
  // The error path's floor (errorFloor.mjs): one AsyncLocalStorage.run per request, and per
  // escaped error one event with the request and user, serialized once and POSTed.
  const { errorFloor } = await import('./errorFloor.mjs');
  const floor = errorFloor(config.dsn, 'floor.koa');
  app.use(floor.koa());
  flush = floor.flush;
} else if (config.variant === 'sentry' || config.variant === 'sentry+x') {
  const Sentry = await import('@sentry/node');
  Sentry.setupKoaErrorHandler(app);
  if (config.variant === 'sentry+x') app.use((await import('@x/koa')).koaMiddleware());
  flush = () => Sentry.flush(10_000);
}
const setUser = config.variant === 'sentry' ? (await import('@sentry/node')).setUser : undefined;

app.use((ctx, next) => {
  ctx.state.user = authenticate(ctx.get('authorization'));
  // Sentry alone has no lazy resolver: the app sets the user on every request.
  if (setUser && ctx.state.user) setUser(ctx.state.user);
  return next();
});
app.use((ctx) => {
  if (!ctx.state.user) ctx.throw(401);
  if (config.mode === 'error') fail();
  ctx.body = { hello: ctx.state.user.username };
});

const server = app.listen(0, '127.0.0.1', () => ready(server.address().port, flush));
