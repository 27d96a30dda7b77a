// Trace context, Sentry parity: for the same incoming trace header, the real @sentry/node and @x put the
// same `contexts.trace` on an error — the caller's trace id, the caller's span as the parent, a
// new span id of their own — and nothing else.
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runRequest } from '../src/internal';
import * as x from '../src/node';
import { useSharedSink } from './sink';

const sink = useSharedSink();
const TRACE = '12c3b4a5d6e7f8091a2b3c4d5e6f7a8b';
const PARENT = '9a8b7c6d5e4f3a2b';

beforeAll(() => {
  Sentry.init({
    dsn: sink.dsn,
    defaultIntegrations: false,
    sendClientReports: false,
    enableRuntimeChannelInjection: false,
  });
});
afterAll(() => Sentry.close(2000));

function traceFrom(project: string): Record<string, unknown> | undefined {
  for (const received of sink.received) {
    if (!received.url.startsWith(`/api/${project}/`)) continue;
    for (const [header, payload] of received.envelope[1]) {
      if (header.type === 'event')
        return (payload as { contexts?: { trace?: Record<string, unknown> } }).contexts?.trace;
    }
  }
  return undefined;
}

it.each([
  ['sentry-trace', { 'sentry-trace': `${TRACE}-${PARENT}-1` }],
  [
    'traceparent (Sentry given the same ids as sentry-trace)',
    { traceparent: `00-${TRACE}-${PARENT}-01` },
  ],
])('an incoming %s: the same contexts.trace as @sentry/node', async (_name, headers) => {
  sink.received.length = 0;
  x.init({ dsn: sink.dsn.replace(/\/42$/, '/43'), sendClientReports: false });
  // What Sentry's http server integration does with an incoming request: continue its trace.
  Sentry.withIsolationScope(() =>
    Sentry.continueTrace({ sentryTrace: `${TRACE}-${PARENT}-1`, baggage: undefined }, () =>
      Sentry.captureException(new Error('sentry')),
    ),
  );
  runRequest({ method: 'GET', url: 'http://a.test/', headers }, () =>
    x.captureException(new Error('x')),
  );
  await Sentry.flush(2000);
  await x.flush(2000);
  const sentry = traceFrom('42');
  const ours = traceFrom('43');
  expect(sentry).toBeDefined();
  expect(Object.keys(ours ?? {}).sort()).toEqual(Object.keys(sentry ?? {}).sort());
  expect(ours).toEqual({
    trace_id: sentry?.trace_id,
    parent_span_id: sentry?.parent_span_id,
    span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
  });
  expect(sentry).toMatchObject({ trace_id: TRACE, parent_span_id: PARENT });
  expect(ours?.span_id).not.toBe(PARENT);
});
