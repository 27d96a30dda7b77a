// Trace context through withUser, on a real Node HTTP server with the real OpenTelemetry http
// instrumentation (as `next start` runs under the OpenTelemetry Node SDK): the error carries its
// request's trace, and the server span the user an async, Auth.js-style getUser returns.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestTracing, type TestTracing } from '@x/test-kit/otel';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { close, flush, mapAuthUser, registerX, withUser } from '../src/index';
import { startTestInbox, storedEvent, storedEvents } from './helpers';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
let tracing: TestTracing;
beforeAll(async () => {
  tracing = startTestTracing();
  inbox = await startTestInbox();
});
afterAll(async () => {
  await close(2000);
  await tracing.dispose();
  await inbox.dispose();
});

async function getUser(request: Request) {
  const id = request.headers.get('authorization')?.replace(/^Bearer /, '');
  await new Promise((resolve) => setImmediate(resolve));
  return id ? mapAuthUser({ user: { id, name: `name-${id}`, email: `${id}@x.test` } }) : null;
}

const boom = withUser(
  async (request: Request) => {
    if (new URL(request.url).pathname === '/boom') throw new Error('next traced boom');
    return new Response('ok');
  },
  { getUser },
);

/** A Node server handing each request to the route handler as a Web Request. */
async function serve(): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === 'string') headers.set(name, value);
    let response: Response;
    try {
      response = await boom(new Request(`http://127.0.0.1${req.url}`, { headers }), {});
    } catch {
      response = new Response('error', { status: 500 });
    }
    res.writeHead(response.status).end(await response.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

it('the event joins the server span’s trace; the span gets the async getUser’s user.id only', async () => {
  registerX({ dsn: inbox.dsn, sendClientReports: false });
  const { url, server } = await serve();
  const traceId = '5b8aa5a2d2c872e8321cf37308d69df2';
  try {
    const res = await fetch(`${url}/boom`, {
      headers: {
        authorization: 'Bearer next-alice',
        traceparent: `00-${traceId}-051581bf3cb55c13-01`,
      },
    });
    expect(res.status).toBe(500);
    await fetch(`${url}/fine`, { headers: { authorization: 'Bearer next-bob' } });
    expect(await flush(5000)).toBe(true);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  const span = tracing.serverSpans().find((s) => s.spanContext().traceId === traceId);
  expect(span?.attributes['user.id']).toBe('next-alice');
  expect(span?.attributes).not.toHaveProperty('user.email');
  expect(tracing.serverSpans().some((s) => s.attributes['user.id'] === 'next-bob')).toBe(true);
  const stored = (await storedEvents(inbox)).filter((e) => e.user?.id === 'next-alice');
  const event = await storedEvent(inbox, (stored[0] as { id: string }).id);
  expect(event.contexts).toMatchObject({
    trace: {
      trace_id: traceId,
      span_id: span?.spanContext().spanId,
      parent_span_id: '051581bf3cb55c13',
    },
  });
});
