// Trace context through Koa, on a real server with the real OpenTelemetry http instrumentation: each
// error carries the trace of the request it happened in, and each request's server span carries
// its user — resolved when the request ends, so the auth middleware may come after ours.
import Router from '@koa/router';
import { close, flush, init, koaMiddleware } from '@x/koa';
import { startTestTracing, type TestTracing } from '@x/test-kit/otel';
import Koa from 'koa';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { listen, requestAsEach, startTestInbox, storedEvent, storedEvents } from './helpers';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
let tracing: TestTracing;
beforeAll(async () => {
  tracing = startTestTracing();
  inbox = await startTestInbox();
});
afterEach(() => close(2000));
afterAll(async () => {
  await tracing.dispose();
  await inbox.dispose();
});

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';

function demoApp() {
  const app = new Koa();
  app.silent = true;
  app.use(koaMiddleware());
  // Auth after ours: the user is read when the request ends, not when it starts.
  app.use(async (ctx, next) => {
    const token = ctx.get('authorization').slice(7);
    if (token)
      ctx.state.user = { id: `u-${token}`, username: token, email: `${token}@example.com` };
    await next();
  });
  const router = new Router();
  router.get('/boom', async (ctx) => {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error(`koa traced boom ${ctx.get('authorization').slice(7)}`);
  });
  router.get('/ok', (ctx) => {
    ctx.body = 'ok';
  });
  app.use(router.routes());
  return app;
}

async function eventsTitled(prefix: string) {
  const list = (await storedEvents(inbox)).filter((e) => e.title.includes(prefix));
  return Promise.all(list.map((e) => storedEvent(inbox, e.id)));
}

it('the event joins the server span’s trace; the span gets user.id and nothing sendDefaultPii gates', async () => {
  init({ dsn: inbox.dsn, sendClientReports: false });
  const server = await listen(demoApp());
  try {
    const res = await fetch(`${server.url}/boom`, {
      headers: { authorization: 'Bearer alice', traceparent: `00-${TRACE}-${PARENT}-01` },
    });
    expect(res.status).toBe(500);
    await flush(5000);
  } finally {
    await server.close();
  }
  const span = tracing.serverSpans().find((s) => s.spanContext().traceId === TRACE);
  expect(span?.parentSpanContext?.spanId).toBe(PARENT);
  expect(span?.attributes['user.id']).toBe('u-alice');
  // `client.address` is the http instrumentation's own (OpenTelemetry's HTTP conventions, from the
  // socket): @x adds none without sendDefaultPii (core's tests show it on a bare span).
  for (const key of ['user.email', 'user.name']) expect(span?.attributes).not.toHaveProperty(key);
  const [event] = await eventsTitled('koa traced boom alice');
  expect(event?.contexts).toMatchObject({
    trace: { trace_id: TRACE, span_id: span?.spanContext().spanId, parent_span_id: PARENT },
  });
});

it('with sendDefaultPii the span also gets user.name, user.email and client.address; each of many overlapping requests gets its own user', async () => {
  init({ dsn: inbox.dsn, sendClientReports: false, sendDefaultPii: true });
  const names = Array.from({ length: 40 }, (_, i) => `p${i}x${Date.now()}`);
  await requestAsEach(demoApp(), names, flush);
  const spans = tracing.serverSpans();
  for (const name of names) {
    const own = spans.filter((s) => s.attributes['user.name'] === name);
    expect(own).toHaveLength(1);
    expect(own[0]?.attributes).toMatchObject({
      'user.id': `u-${name}`,
      'user.email': `${name}@example.com`,
      'client.address': '127.0.0.1',
    });
  }
  // Every error event points at the server span of its own request, whose user is the event's.
  const events = await eventsTitled('koa traced boom p');
  const ours = events.filter((e) => names.some((n) => String(e.user?.username) === n));
  expect(ours).toHaveLength(names.length / 2);
  for (const event of ours) {
    const trace = (event.contexts as { trace: { trace_id: string; span_id: string } }).trace;
    const span = spans.find((s) => s.spanContext().spanId === trace.span_id);
    expect(span?.spanContext().traceId).toBe(trace.trace_id);
    expect(span?.attributes['user.id']).toBe(event.user?.id);
  }
});
