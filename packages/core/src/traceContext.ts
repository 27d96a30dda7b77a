// Trace context on events and the user on server spans, without importing
// `@opentelemetry/api`: the OpenTelemetry API registers what an app's SDK installed (its context
// manager) on one global object under a registered symbol, and context keys are registered symbols
// too — so reading the active span is two property reads and no dependency. Without an
// OpenTelemetry SDK that object is absent, and every function here returns `undefined` at once.
import { debugWarn } from './debug';
import type { RequestData } from './scope';

/** `contexts.trace` of an event, as Sentry's protocol defines it (the ids only). */
export interface TraceContext {
  /** 32 lower-case hex characters, not all zero. */
  trace_id: string;
  /** 16 lower-case hex characters, not all zero: the span the event happened in. */
  span_id: string;
  /** The span's parent, where known. */
  parent_span_id?: string | undefined;
}

/** The part of an OpenTelemetry span that @x reads and writes (API 1.x). */
export interface OtelSpanLike {
  spanContext(): { traceId: string; spanId: string };
  isRecording(): boolean;
  setAttribute(key: string, value: string): unknown;
}

/** `@opentelemetry/api` 1.x keeps its globals here (`registerGlobal` in its global-utils). */
const OTEL_API = Symbol.for('opentelemetry.js.api.1');
/** `trace.setSpan` / `trace.getSpan`'s context key (`createContextKey` is `Symbol.for`). */
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');
/** `@opentelemetry/core`'s RPC metadata: the http instrumentation puts its server span there. */
const RPC_METADATA_KEY = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');

type OtelContext = { getValue(key: symbol): unknown };
type OtelGlobals = { context?: { active(): OtelContext } };

/** The active OpenTelemetry context, when an SDK registered a context manager. */
function activeContext(): OtelContext | undefined {
  const manager = (globalThis as { [OTEL_API]?: OtelGlobals })[OTEL_API]?.context;
  if (!manager) return undefined;
  try {
    return manager.active();
  } catch (error) {
    debugWarn('OpenTelemetry: could not read the active context', error);
    return undefined;
  }
}

function isSpan(value: unknown): value is OtelSpanLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as OtelSpanLike).spanContext === 'function' &&
    typeof (value as OtelSpanLike).isRecording === 'function'
  );
}

/** The active OpenTelemetry span (recording or not), if any. */
export function activeSpan(): OtelSpanLike | undefined {
  const span = activeContext()?.getValue(SPAN_KEY);
  return isSpan(span) ? span : undefined;
}

/**
 * The request's server span, when it is recording: the span the http instrumentation opened for
 * the request (framework instrumentations make their own spans active, e.g. one per Koa
 * middleware), else the active span. `undefined` without OpenTelemetry.
 */
export function recordingServerSpan(): OtelSpanLike | undefined {
  const context = activeContext();
  if (!context) return undefined;
  const rpc = context.getValue(RPC_METADATA_KEY) as { span?: unknown } | undefined;
  const span = isSpan(rpc?.span) ? rpc.span : context.getValue(SPAN_KEY);
  try {
    return isSpan(span) && span.isRecording() ? span : undefined;
  } catch {
    return undefined;
  }
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ALL_ZERO = /^0+$/;

function validId(value: unknown, pattern: RegExp): value is string {
  return typeof value === 'string' && pattern.test(value) && !ALL_ZERO.test(value);
}

/**
 * `contexts.trace` of the span active now: its trace and span id, and its parent's span id where
 * the SDK's span exposes it (`parentSpanContext` in SDK 2.x and later, `parentSpanId` in 1.x).
 * `undefined` without OpenTelemetry, without an active span or with invalid ids.
 */
export function activeTraceContext(): TraceContext | undefined {
  const span = activeSpan();
  if (!span) return undefined;
  try {
    const { traceId, spanId } = span.spanContext();
    if (!validId(traceId, TRACE_ID) || !validId(spanId, SPAN_ID)) return undefined;
    const parent =
      (span as { parentSpanContext?: { spanId?: unknown } }).parentSpanContext?.spanId ??
      (span as { parentSpanId?: unknown }).parentSpanId;
    return validId(parent, SPAN_ID)
      ? { trace_id: traceId, span_id: spanId, parent_span_id: parent }
      : { trace_id: traceId, span_id: spanId };
  } catch (error) {
    debugWarn('OpenTelemetry: could not read the active span', error);
    return undefined;
  }
}

/** What an incoming trace header says: the caller's trace, and its span (our parent). */
export interface IncomingTrace {
  traceId: string;
  parentSpanId: string;
  /** The caller's sampling decision, when the header carries one. */
  sampled?: boolean | undefined;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Parses a W3C `traceparent` header strictly (Trace Context level 1): version `00`, a 32-hex
 * trace id and a 16-hex parent id, neither all zero, 2-hex flags; lower case, nothing around it.
 * Anything else — other versions, several values, upper case — is `undefined` (ignored).
 */
export function parseTraceparent(value: unknown): IncomingTrace | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value);
  if (!match || ALL_ZERO.test(match[1] as string) || ALL_ZERO.test(match[2] as string))
    return undefined;
  return {
    traceId: match[1] as string,
    parentSpanId: match[2] as string,
    sampled: (Number.parseInt(match[3] as string, 16) & 1) === 1,
  };
}

const SENTRY_TRACE = /^[ \t]*([0-9a-f]{32})-([0-9a-f]{16})(?:-([01]))?[ \t]*$/;

/**
 * Parses a `sentry-trace` header (`<trace id>-<span id>[-<sampled>]`, Sentry's format). Stricter
 * than Sentry's own parser: both ids are required and neither may be all zero.
 */
export function parseSentryTrace(value: unknown): IncomingTrace | undefined {
  if (typeof value !== 'string') return undefined;
  const match = SENTRY_TRACE.exec(value);
  if (!match || ALL_ZERO.test(match[1] as string) || ALL_ZERO.test(match[2] as string))
    return undefined;
  return {
    traceId: match[1] as string,
    parentSpanId: match[2] as string,
    sampled: match[3] === undefined ? undefined : match[3] === '1',
  };
}

/**
 * The trace context of a request without OpenTelemetry: continued from its W3C `traceparent`
 * header, else its `sentry-trace` header, with a new span id standing for this request (as
 * Sentry's SDK makes one for a request it continues). `undefined` without a valid header.
 */
export function incomingTraceContext(
  headers: RequestData['headers'] | undefined,
): TraceContext | undefined {
  if (!headers) return undefined;
  const web = typeof Headers === 'function' && headers instanceof Headers;
  const read = (name: string) =>
    web ? headers.get(name) : (headers as Record<string, unknown>)[name];
  const incoming = parseTraceparent(read('traceparent')) ?? parseSentryTrace(read('sentry-trace'));
  if (!incoming) return undefined;
  return {
    trace_id: incoming.traceId,
    span_id: newSpanId(),
    parent_span_id: incoming.parentSpanId,
  };
}

/** A new span id: 16 lower-case hex characters, not all zero. */
export function newSpanId(): string {
  const bytes = new Uint8Array(8);
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => void } }).crypto;
  if (crypto?.getRandomValues) crypto.getRandomValues(bytes);
  else for (let i = 0; i < 8; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[7] ||= 1;
  return Array.from(bytes, (byte) => (byte | 256).toString(16).slice(1)).join('');
}
