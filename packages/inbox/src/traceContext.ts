// The event's trace context (`contexts.trace`), checked the way Relay's `TraceId` and `SpanId`
// types read it: a hex string of the right length that is not all zeros, stored lower-cased;
// anything else is removed and noted in `_meta` (the event itself is always kept).
import type { Meta } from './meta';
import { isObject } from './values';

const HEX = /^[0-9a-fA-F]+$/;
const ZEROS = /^0+$/;

/**
 * A W3C trace id as the inbox stores it: `raw` lower-cased when it is 32 hex digits and not all
 * zero (Relay's `TraceId`), else `undefined`.
 */
export function validTraceId(raw: unknown): string | undefined {
  return validHexId(raw, 32);
}

/** A W3C span id (16 hex digits, not all zero) lower-cased, else `undefined` (Relay's `SpanId`). */
export function validSpanId(raw: unknown): string | undefined {
  return validHexId(raw, 16);
}

function validHexId(raw: unknown, length: number): string | undefined {
  if (typeof raw !== 'string' || raw.length !== length || !HEX.test(raw) || ZEROS.test(raw)) {
    return undefined;
  }
  return raw.toLowerCase();
}

const FIELDS = [
  ['trace_id', validTraceId, 'trace id'],
  ['span_id', validSpanId, 'span id'],
  ['parent_span_id', validSpanId, 'span id'],
] as const;

/**
 * Normalizes `event.contexts.trace` in place as Relay does: `trace_id`, `span_id` and
 * `parent_span_id` are lower-cased when valid; an invalid one is removed and recorded in `meta`
 * (`not a valid trace id`, with the original value), the rest of the context stays.
 */
export function normalizeTraceContext(event: Record<string, unknown>, meta: Meta): void {
  const contexts = event.contexts;
  if (!isObject(contexts) || !isObject(contexts.trace)) return;
  const trace = contexts.trace;
  for (const [field, valid, name] of FIELDS) {
    if (!Object.hasOwn(trace, field)) continue;
    const value = trace[field];
    if (value === null || value === undefined) continue;
    const checked = valid(value);
    if (checked !== undefined) {
      trace[field] = checked;
      continue;
    }
    delete trace[field];
    const reason = typeof value === 'string' ? `not a valid ${name}` : `expected ${name}`;
    meta.add(['contexts', 'trace', field], reason, value);
  }
}

/** The event's `contexts.trace.trace_id` when it is a valid trace id (lower-cased), else `null`. */
export function eventTraceId(event: Record<string, unknown>): string | null {
  const contexts = event.contexts;
  if (!isObject(contexts) || !isObject(contexts.trace)) return null;
  return validTraceId(contexts.trace.trace_id) ?? null;
}

/** The event's `contexts.trace.span_id` when it is a valid span id (lower-cased), else `null`. */
export function eventSpanId(event: Record<string, unknown>): string | null {
  const contexts = event.contexts;
  if (!isObject(contexts) || !isObject(contexts.trace)) return null;
  return validSpanId(contexts.trace.span_id) ?? null;
}
