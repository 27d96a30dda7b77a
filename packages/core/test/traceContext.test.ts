// The trace on every error, the user on every trace. Header parsing is pinned case by
// case and by property; the OpenTelemetry half runs the real API and SDK (BasicTracerProvider,
// AsyncLocalStorageContextManager) registered globally, exactly as an app's SDK registers them.
import { context, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import Ajv from 'ajv';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentryEventSchema } from '../../test-kit/src/sentryEventSchema.mjs';
import { runRequest, runRequestCapturing } from '../src/internal';
import { captureException, captureMessage, flush, init, setUser } from '../src/node';
import { parseSentryTrace, parseTraceparent } from '../src/traceContext';
import { useSharedSink } from './sink';

const sink = useSharedSink(500);
const OTEL_API = Symbol.for('opentelemetry.js.api.1');
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const allTraces = () =>
  sink.events().map((e) => (e.contexts as { trace?: Record<string, string> } | undefined)?.trace);
/** Sentry's event schema (vendored in test-kit) for `contexts.trace`. */
const validTrace = new Ajv({ strict: false, allErrors: true, logger: false }).compile({
  $ref: '#/definitions/TraceContext',
  definitions: (sentryEventSchema as { definitions: object }).definitions,
});
/** The events' trace contexts, each checked against Sentry's schema. */
const traces = () =>
  allTraces().map((trace) => {
    if (trace) expect(validTrace(trace), JSON.stringify(validTrace.errors)).toBe(true);
    return trace;
  });
/** The trace context of the event captured from `new Error(message)` (events arrive in any order). */
const traceOf = (message: string) =>
  (
    sink
      .events()
      .find(
        (e) =>
          (e.exception as { values: { value: string }[] } | undefined)?.values[0]?.value ===
          message,
      )?.contexts as { trace?: Record<string, string> } | undefined
  )?.trace;

describe('parseTraceparent (W3C Trace Context, version 00, strict)', () => {
  it('reads trace id, parent id and the sampled flag', () => {
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-01`)).toEqual({
      traceId: TRACE,
      parentSpanId: PARENT,
      sampled: true,
    });
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-00`)?.sampled).toBe(false);
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-03`)?.sampled).toBe(true);
  });

  it.each([
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['another version', `01-${TRACE}-${PARENT}-01`],
    ['the forbidden version ff', `ff-${TRACE}-${PARENT}-01`],
    ['upper case', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['a short trace id', `00-${TRACE.slice(1)}-${PARENT}-01`],
    ['a long parent id', `00-${TRACE}-${PARENT}0-01`],
    ['one-digit flags', `00-${TRACE}-${PARENT}-1`],
    ['non-hex flags', `00-${TRACE}-${PARENT}-0g`],
    ['surrounding space', ` 00-${TRACE}-${PARENT}-01`],
    ['trailing data', `00-${TRACE}-${PARENT}-01-extra`],
    ['two headers joined', `00-${TRACE}-${PARENT}-01, 00-${TRACE}-${PARENT}-01`],
    ['an array', [`00-${TRACE}-${PARENT}-01`]],
    ['nothing', undefined],
  ])('ignores %s', (_name, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('accepts exactly the valid headers it is given (property)', () => {
    const hex = (length: number) =>
      fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((s) => /[1-9a-f]/.test(s));
    fc.assert(
      fc.property(hex(32), hex(16), fc.integer({ min: 0, max: 255 }), (traceId, spanId, flags) => {
        const header = `00-${traceId}-${spanId}-${flags.toString(16).padStart(2, '0')}`;
        expect(parseTraceparent(header)).toEqual({
          traceId,
          parentSpanId: spanId,
          sampled: (flags & 1) === 1,
        });
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (value) => {
        const parsed = parseTraceparent(value);
        if (parsed)
          expect(value).toBe(`00-${parsed.traceId}-${parsed.parentSpanId}-${value.slice(-2)}`);
      }),
    );
  });
});

describe('parseSentryTrace', () => {
  it('reads <trace>-<span>[-<sampled>]', () => {
    expect(parseSentryTrace(`${TRACE}-${PARENT}-1`)).toEqual({
      traceId: TRACE,
      parentSpanId: PARENT,
      sampled: true,
    });
    expect(parseSentryTrace(`${TRACE}-${PARENT}`)?.sampled).toBeUndefined();
    expect(parseSentryTrace(`${TRACE}-${PARENT}-0`)?.sampled).toBe(false);
  });

  it.each([
    ['a trace id alone', TRACE],
    ['an all-zero trace id', `${'0'.repeat(32)}-${PARENT}`],
    ['an all-zero span id', `${TRACE}-${'0'.repeat(16)}`],
    ['a sampled value other than 0/1', `${TRACE}-${PARENT}-2`],
    ['upper case', `${TRACE.toUpperCase()}-${PARENT}`],
  ])('ignores %s', (_name, value) => {
    expect(parseSentryTrace(value)).toBeUndefined();
  });
});

describe('without OpenTelemetry', () => {
  it('an incoming traceparent gives the events of its request their trace (one span id per request)', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    expect((globalThis as Record<symbol, unknown>)[OTEL_API]).toBeUndefined();
    let end: unknown = 'not called';
    await runRequest(
      {
        method: 'GET',
        url: 'http://a.test/',
        headers: { traceparent: `00-${TRACE}-${PARENT}-01` },
      },
      (_scopes, endRequest) => {
        end = endRequest;
        captureException(new Error('first'));
        captureMessage('second');
      },
    );
    // No OpenTelemetry: nothing to call at the end of the request, and nothing registered.
    expect(end).toBeUndefined();
    expect((globalThis as Record<symbol, unknown>)[OTEL_API]).toBeUndefined();
    await flush(2000);
    const [first, second] = traces();
    expect(first).toEqual({
      trace_id: TRACE,
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      parent_span_id: PARENT,
    });
    expect(first?.span_id).not.toBe(PARENT);
    expect(second).toEqual(first);
  });

  it('takes sentry-trace when there is no traceparent, from Web Headers too', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    const headers = new Headers({ 'sentry-trace': `${TRACE}-${PARENT}-1` });
    runRequest({ headers }, () => captureMessage('web'));
    await flush(2000);
    expect(traces()[0]).toMatchObject({ trace_id: TRACE, parent_span_id: PARENT });
  });

  it('no header or an invalid one: no trace context; a different request gets another span id', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    runRequest({ headers: {} }, () => captureMessage('none'));
    runRequest({ headers: { traceparent: `00-${TRACE}-${'0'.repeat(16)}-01` } }, () =>
      captureMessage('invalid'),
    );
    const header = { traceparent: `00-${TRACE}-${PARENT}-01` };
    runRequest({ headers: header }, () => captureMessage('a'));
    runRequest({ headers: header }, () => captureMessage('b'));
    await flush(2000);
    const [none, invalid, a, b] = traces();
    expect(none).toBeUndefined();
    expect(invalid).toBeUndefined();
    expect(a?.trace_id).toBe(TRACE);
    expect(a?.span_id).not.toBe(b?.span_id);
  });
});

describe('with OpenTelemetry (real SDK, registered globally)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('x-test');
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(() => {
    trace.disable();
    context.disable();
    delete (globalThis as Record<symbol, unknown>)[OTEL_API];
  });
  const ended = (span: Span): ReadableSpan | undefined =>
    exporter.getFinishedSpans().find((s) => s.spanContext().spanId === span.spanContext().spanId);
  /** Runs one request inside a server span, as the http instrumentation would, and ends it. */
  async function serverRequest(
    run: (end: (() => void) | undefined) => void | Promise<void>,
    headers: Record<string, string> = {},
  ): Promise<ReadableSpan | undefined> {
    const span = tracer.startSpan('GET /boom');
    await context.with(trace.setSpan(context.active(), span), () =>
      runRequest(
        {
          method: 'GET',
          url: 'http://a.test/boom',
          headers,
          clientIp: () => '203.0.113.9',
          getUser: () => ({ id: 'u-1', username: 'alice', email: 'alice@example.com' }),
        },
        async (_scopes, end) => run(end),
      ),
    );
    // The annotation resolves the user asynchronously (an async resolver may be awaited).
    await new Promise((resolve) => setImmediate(resolve));
    span.end();
    return ended(span);
  }

  it('an error gets the span active where it was captured: trace, span and parent ids', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    let server: Span | undefined;
    let child: Span | undefined;
    tracer.startActiveSpan('server', (span) => {
      server = span;
      captureException(new Error('in the server span'));
      tracer.startActiveSpan('db', (inner) => {
        child = inner;
        captureException(new Error('in a child span'));
        inner.end();
      });
      span.end();
    });
    captureException(new Error('no span'));
    await flush(2000);
    expect(sink.events()).toHaveLength(3);
    const [inServer, inChild, outside] = ['in the server span', 'in a child span', 'no span'].map(
      traceOf,
    );
    for (const trace of [inServer, inChild])
      expect(validTrace(trace), JSON.stringify(validTrace.errors)).toBe(true);
    expect(inServer).toEqual({
      trace_id: server?.spanContext().traceId,
      span_id: server?.spanContext().spanId,
    });
    expect(inChild).toEqual({
      trace_id: server?.spanContext().traceId,
      span_id: child?.spanContext().spanId,
      parent_span_id: server?.spanContext().spanId,
    });
    expect(outside).toBeUndefined();
  });

  it('the active span wins over an incoming header, which the instrumentation already continued', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    let traceId: string | undefined;
    await serverRequest(
      () => {
        traceId = trace.getActiveSpan()?.spanContext().traceId;
        captureException(new Error('boom'));
      },
      { traceparent: `00-${TRACE}-${PARENT}-01` },
    );
    await flush(2000);
    expect(traces()[0]?.trace_id).toBe(traceId);
    expect(traceId).not.toBe(TRACE);
  });

  it('puts user.id on the server span when the request ends — not email, name or IP without sendDefaultPii', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    const span = await serverRequest((end) => {
      expect(end).toBeTypeOf('function');
      end?.();
      end?.();
    });
    expect(span?.attributes).toMatchObject({ 'user.id': 'u-1' });
    for (const key of ['user.email', 'user.name', 'client.address'])
      expect(span?.attributes).not.toHaveProperty(key);
  });

  it('with sendDefaultPii: user.name, user.email and client.address too; setUser later in the request wins', async () => {
    init({ dsn: sink.dsn, sendClientReports: false, sendDefaultPii: true });
    const span = await serverRequest((end) => {
      setUser({ id: 'u-2', username: 'bob', email: 'bob@example.com' });
      end?.();
    });
    expect(span?.attributes).toMatchObject({
      'user.id': 'u-2',
      'user.name': 'bob',
      'user.email': 'bob@example.com',
      'client.address': '203.0.113.9',
    });
  });

  it('pseudonymizeUsers: the span gets the pseudonyms', async () => {
    init({
      dsn: sink.dsn,
      sendClientReports: false,
      sendDefaultPii: true,
      pseudonymizeUsers: { key: 'k'.repeat(32) },
    });
    const span = await serverRequest((end) => end?.());
    expect(span?.attributes['user.id']).toMatch(/^px_[0-9a-f]{32}$/);
    expect(span?.attributes['user.email']).toMatch(/^px_[0-9a-f]{32}$/);
    expect(JSON.stringify(span?.attributes)).not.toContain('alice');
  });

  it('a synchronous user resolver puts the user on the span as the request ends, without a promise; an async one when it answers', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    const syncSpan = tracer.startSpan('GET /sync');
    context.with(trace.setSpan(context.active(), syncSpan), () =>
      runRequest({ getUser: () => ({ id: 'u-sync' }) }, (_scopes, end) => {
        expect(end?.()).toBeUndefined();
        expect(end?.()).toBeUndefined();
      }),
    );
    syncSpan.end(); // at once: nothing was left to wait for
    expect(ended(syncSpan)?.attributes).toMatchObject({ 'user.id': 'u-sync' });

    let answer: (user: { id: string }) => void = () => undefined;
    const asyncSpan = tracer.startSpan('GET /async');
    let pending: Promise<void> | undefined;
    context.with(trace.setSpan(context.active(), asyncSpan), () =>
      runRequest(
        { getUser: () => new Promise<{ id: string }>((resolve) => (answer = resolve)) },
        (_scopes, end) => {
          pending = end?.();
          expect(end?.()).toBe(pending);
        },
      ),
    );
    expect(pending).toBeInstanceOf(Promise);
    answer({ id: 'u-async' });
    await pending;
    asyncSpan.end();
    expect(ended(asyncSpan)?.attributes).toMatchObject({ 'user.id': 'u-async' });
  });

  it('runRequestCapturing ends the request itself, when the handler settles or throws', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    const span = tracer.startSpan('GET /boom');
    await context
      .with(trace.setSpan(context.active(), span), () =>
        runRequestCapturing({ getUser: () => ({ id: 'u-3' }) }, { mechanism: 'test' }, () => {
          throw new Error('boom');
        }),
      )
      .catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    span.end();
    expect(ended(span)?.attributes).toMatchObject({ 'user.id': 'u-3' });
    await flush(2000);
    expect(traces()[0]).toEqual({
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
  });

  it('no span, or one that does not record: no end callback, nothing set', async () => {
    init({ dsn: sink.dsn, sendClientReports: false });
    let end: unknown = 'not called';
    runRequest({}, (_scopes, e) => {
      end = e;
    });
    expect(end).toBeUndefined();
    const nonRecording = trace.wrapSpanContext({ traceId: TRACE, spanId: PARENT, traceFlags: 0 });
    context.with(trace.setSpan(context.active(), nonRecording), () =>
      runRequest({}, (_scopes, e) => {
        end = e;
        // Its ids still tie the error to the caller's trace.
        captureMessage('sampled out');
      }),
    );
    expect(end).toBeUndefined();
    await flush(2000);
    expect(traces()[0]).toEqual({ trace_id: TRACE, span_id: PARENT });
  });
});
