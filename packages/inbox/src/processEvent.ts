import type { GeoLookup } from './geo';
import { type Grouping, groupEvent } from './grouping';
import { normalizeEvent, type StoredEvent } from './normalizeEvent';
import { inferIp, processUser } from './processUser';
import { scrubEventIps, scrubMetaIps } from './scrubIp';
import { normalizeTraceContext } from './traceContext';

/** What {@link processEvent} needs to know about the request. */
export interface ProcessEventContext {
  /** The sender's IP address (after trusted proxies). */
  clientIp: string | undefined;
  /** The envelope header's `event_id`, used when the event has none. */
  envelopeEventId?: unknown;
  /** Reception time, ms since the epoch. */
  now: number;
  /** Geo lookup; omit to skip geo. */
  geo?: GeoLookup | undefined;
  /** Prevent storing IP addresses: no IP derived from the connection, IP fields removed after the geo lookup. */
  preventStoringIp?: boolean | undefined;
}

/** An event ready to store. */
export interface ProcessedEvent {
  /** The stored form, with `_meta` when something was dropped. */
  event: StoredEvent;
  grouping: Grouping;
}

/**
 * Turns an event payload into what the inbox stores, as Relay would:
 * normalizes the event to Sentry's schema, fills in the user (IP, geo,
 * custom data, `sentry_user`), checks `contexts.trace`'s ids (Relay's `TraceId`/`SpanId`),
 * records every dropped value in `_meta` and
 * computes the issue grouping. `undefined` when the payload is not an object.
 *
 * The payload is taken over: parts of it that need no change become parts of the stored event
 * (not copied), and some are changed in place. Pass a freshly parsed value, as ingest does.
 */
export function processEvent(
  payload: unknown,
  context: ProcessEventContext,
): ProcessedEvent | undefined {
  const normalized = normalizeEvent(payload, context.envelopeEventId, context.now);
  if (!normalized) return undefined;
  const { event, meta } = normalized;
  normalizeTraceContext(event, meta);
  processUser(event, meta, {
    clientIp: context.clientIp,
    // From the payload as sent: the shaping drops an `sdk` without `name`, but Relay still reads its settings.
    inferIp: inferIp(payload),
    geo: context.geo,
    preventStoringIp: context.preventStoringIp,
  });
  if (context.preventStoringIp) scrubEventIps(event, meta);
  const grouping = groupEvent(event);
  if (!meta.isEmpty) event._meta = meta.toJSON();
  // The originals `_meta` keeps must not hold an address either.
  if (context.preventStoringIp && event._meta) scrubMetaIps(event._meta as Record<string, unknown>);
  return { event, grouping };
}
