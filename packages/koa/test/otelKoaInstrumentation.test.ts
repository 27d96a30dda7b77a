// With OpenTelemetry's Koa instrumentation on, as an app configures it (`new KoaInstrumentation()`
// beside the http instrumentation): it wraps every middleware `app.use` receives in a span of its
// own, per request. @x's middleware is plumbing and gets none — the app's middleware and routes
// still do —, the user still lands on the server span, events still join the request's trace, and
// the app answers exactly as it does without @x.
import { createRequire } from 'node:module';
import Router from '@koa/router';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { close, flush, init, koaMiddleware } from '@x/koa';
import { startTestTracing, type TestTracing } from '@x/test-kit/otel';
import type Koa from 'koa';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { listen, requestAsEach, startTestInbox, storedEvent, storedEvents } from './helpers';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
let tracing: TestTracing;
let unregisterKoa: () => void;
// Loaded through `require` after the instrumentation is registered, as an app that starts its
// OpenTelemetry SDK first loads it: the instrumentation then patches `Koa.prototype.use`.
let KoaClass: typeof Koa;
beforeAll(async () => {
  tracing = startTestTracing();
  unregisterKoa = registerInstrumentations({ instrumentations: [new KoaInstrumentation()] });
  KoaClass = createRequire(import.meta.url)('koa');
  inbox = await startTestInbox();
});
afterEach(() => close(2000));
afterAll(async () => {
  unregisterKoa();
  await tracing.dispose();
  await inbox.dispose();
});

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

/** The app, with or without @x's middleware first. Auth comes after it (read when it ends). */
function demoApp(withX: boolean, wrapX?: (mw: Koa.Middleware) => Koa.Middleware) {
  const app = new KoaClass();
  app.silent = true;
  if (withX) app.use(wrapX ? wrapX(koaMiddleware()) : koaMiddleware());
  app.use(async function auth(ctx, next) {
    const token = ctx.get('authorization').slice(7);
    if (token)
      ctx.state.user = { id: `u-${token}`, username: token, email: `${token}@example.com` };
    await next();
  });
  app.use(async function poweredBy(ctx, next) {
    await next();
    ctx.set('x-powered-by', 'demo');
  });
  const router = new Router();
  router.get('/ok', (ctx) => {
    ctx.body = { hello: ctx.state.user?.username ?? null };
  });
  router.get('/teapot', (ctx) => {
    ctx.throw(418, 'short and stout');
  });
  router.get('/boom', async (ctx) => {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error(`koa instrumented boom ${ctx.get('authorization').slice(7)}`);
  });
  app.use(router.routes());
  return app;
}

/** What a client sees of an answer, but its date. */
async function answer(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { headers });
  const { date: _date, ...rest } = Object.fromEntries(res.headers);
  return { status: res.status, headers: rest, body: await res.text() };
}

async function eventsTitled(prefix: string) {
  const list = (await storedEvents(inbox)).filter((e) => e.title.includes(prefix));
  return Promise.all(list.map((e) => storedEvent(inbox, e.id)));
}

const spanNamesOfTrace = (traceId: string) =>
  tracing
    .spans()
    .filter((s) => s.spanContext().traceId === traceId)
    .map((s) => s.name);

it('@x’s middleware gets no span of its own; the app’s middleware and routes keep theirs; the user is on the server span', async () => {
  init({ dsn: inbox.dsn, sendClientReports: false });
  const server = await listen(demoApp(true));
  try {
    const res = await fetch(`${server.url}/boom`, {
      headers: { authorization: 'Bearer carol', traceparent: `00-${TRACE}-${PARENT}-01` },
    });
    expect(res.status).toBe(500);
    await flush(5000);
  } finally {
    await server.close();
  }
  const names = spanNamesOfTrace(TRACE);
  // The instrumentation is on and wraps the app's layers…
  expect(names).toEqual(
    expect.arrayContaining(['middleware - auth', 'middleware - poweredBy', 'router - /boom']),
  );
  // …but not @x's (it would be "middleware - xKoaMiddleware").
  expect(names.filter((name) => name.includes('xKoaMiddleware'))).toEqual([]);
  expect(names.filter((name) => name.startsWith('middleware - ')).sort()).toEqual([
    'middleware - auth',
    'middleware - poweredBy',
  ]);

  const span = tracing.serverSpans().find((s) => s.spanContext().traceId === TRACE);
  expect(span?.parentSpanContext?.spanId).toBe(PARENT);
  expect(span?.attributes['user.id']).toBe('u-carol');
  for (const key of ['user.email', 'user.name']) expect(span?.attributes).not.toHaveProperty(key);
  // The event joins the request's trace, at its server span (the span @x's middleware runs in).
  const [event] = await eventsTitled('koa instrumented boom carol');
  expect(event?.user).toMatchObject({ id: 'u-carol', username: 'carol' });
  expect(event?.contexts).toMatchObject({
    trace: { trace_id: TRACE, span_id: span?.spanContext().spanId, parent_span_id: PARENT },
  });
});

it('overlapping requests: each server span gets its own user (sendDefaultPii: all fields)', async () => {
  init({ dsn: inbox.dsn, sendClientReports: false, sendDefaultPii: true });
  const names = Array.from({ length: 30 }, (_, i) => `q${i}x${Date.now()}`);
  await requestAsEach(demoApp(true), names, flush);
  const spans = tracing.serverSpans();
  for (const name of names) {
    const own = spans.filter((s) => s.attributes['user.name'] === name);
    expect(own).toHaveLength(1);
    expect(own[0]?.attributes).toMatchObject({
      'user.id': `u-${name}`,
      'user.email': `${name}@example.com`,
      'client.address': '127.0.0.1',
    });
    // Still no span for @x's middleware in that request's trace.
    expect(spanNamesOfTrace(own[0]?.spanContext().traceId as string)).not.toContain(
      'middleware - xKoaMiddleware',
    );
  }
  const events = await eventsTitled('koa instrumented boom q');
  const ours = events.filter((e) => names.some((n) => String(e.user?.username) === n));
  expect(ours).toHaveLength(names.length / 2);
  for (const event of ours) {
    const trace = (event.contexts as { trace: { trace_id: string; span_id: string } }).trace;
    const span = spans.find((s) => s.spanContext().spanId === trace.span_id);
    expect(span?.attributes['user.id']).toBe(event.user?.id);
  }
});

it('the app answers the same with and without @x', async () => {
  init({ dsn: inbox.dsn, sendClientReports: false });
  const requests: [string, Record<string, string>][] = [
    ['/ok', { authorization: 'Bearer dave' }],
    ['/ok', {}],
    ['/teapot', { authorization: 'Bearer dave' }],
    ['/boom', { authorization: 'Bearer dave' }],
    ['/nowhere', {}],
  ];
  const answers = async (withX: boolean) => {
    const server = await listen(demoApp(withX));
    try {
      const out = [];
      for (const [path, headers] of requests) out.push(await answer(server.url + path, headers));
      return out;
    } finally {
      await server.close();
    }
  };
  const without = await answers(false);
  expect(without.map((a) => a.status)).toEqual([200, 200, 418, 500, 404]);
  expect(without[0]?.headers['x-powered-by']).toBe('demo');
  expect(await answers(true)).toEqual(without);
});

it('when an instrumentation does wrap @x’s middleware in a span, everything still works', async () => {
  init({ dsn: inbox.dsn, sendClientReports: false });
  // A wrapper the instrumentation does not recognise as @x's: it gets its span, as any
  // middleware — what happens if the instrumentation stops reading its marker as it does now.
  const server = await listen(
    demoApp(true, (mw) =>
      Object.defineProperty((ctx: Koa.Context, next: Koa.Next) => mw(ctx, next), 'name', {
        value: 'wrappedX',
      }),
    ),
  );
  const trace = '5bf92f3577b34da6a3ce929d0e0e4737';
  try {
    const res = await fetch(`${server.url}/boom`, {
      headers: { authorization: 'Bearer erin', traceparent: `00-${trace}-${PARENT}-01` },
    });
    expect(res.status).toBe(500);
    await flush(5000);
  } finally {
    await server.close();
  }
  expect(spanNamesOfTrace(trace)).toContain('middleware - wrappedX');
  const span = tracing.serverSpans().find((s) => s.spanContext().traceId === trace);
  expect(span?.attributes['user.id']).toBe('u-erin');
  const [event] = await eventsTitled('koa instrumented boom erin');
  expect(event?.user).toMatchObject({ id: 'u-erin' });
  expect(event?.contexts).toMatchObject({ trace: { trace_id: trace } });
});

it('the middleware behaves as a plain function for Koa and for code that inspects it', () => {
  const mw = koaMiddleware();
  expect(typeof mw).toBe('function');
  expect(mw.name).toBe('xKoaMiddleware');
  expect(mw.length).toBe(2);
  // A marker someone sets is kept (the instrumentation sets its own when it wraps).
  const mark = Symbol('some-other-marker');
  (mw as unknown as Record<symbol, unknown>)[mark] = true;
  expect((mw as unknown as Record<symbol, unknown>)[mark]).toBe(true);
  expect((mw as unknown as Record<symbol, unknown>)[Symbol('koa-layer-patched')]).toBe(true);
  expect((mw as unknown as Record<symbol, unknown>)[Symbol('koa-layer')]).toBeUndefined();
});
