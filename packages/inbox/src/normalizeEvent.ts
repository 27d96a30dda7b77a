import { randomUUID } from 'node:crypto';
import { EVENT_SHAPE } from './eventShape';
import { applyLengthCaps } from './lengthCaps';
import { Meta } from './meta';

/** How far ahead of the inbox's clock an event's timestamp may be (clock drift). */
const MAX_FUTURE_SECONDS = 24 * 60 * 60;

/** An event as stored: plain JSON in Sentry's (post-Relay) event format. */
export type StoredEvent = Record<string, unknown> & {
  event_id: string;
  timestamp: number;
  received: number;
  level: string;
  platform: string;
};

/** What {@link normalizeEvent} returns. */
export interface NormalizedEvent {
  /** The cleaned event (its `user` is still the raw one; see `processUser`). */
  event: StoredEvent;
  /** Annotations for everything that was dropped. */
  meta: Meta;
}

/**
 * Makes an event payload fit Sentry's stored-event schema the way Relay does:
 * `message` becomes `logentry`, a bare `breadcrumbs` array is wrapped in
 * `{ values }`, tags become strings, wrongly typed or unknown attributes are
 * dropped and annotated in `_meta`, and `event_id`, `timestamp`, `received`,
 * `level` and `platform` are filled in. Returns `undefined` when the payload
 * is not a JSON object.
 *
 * @param payload The parsed event item.
 * @param fallbackId The envelope header's `event_id`, used when the event has none.
 * @param now Reception time in milliseconds.
 */
export function normalizeEvent(
  payload: unknown,
  fallbackId: unknown,
  now: number,
): NormalizedEvent | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const meta = new Meta();
  const input: Record<string, unknown> = { ...(payload as Record<string, unknown>) };
  delete input._meta;
  moveMessage(input, meta);

  const cleaned = (EVENT_SHAPE(input, [], meta) ?? {}) as Record<string, unknown>;
  applyLengthCaps(cleaned, meta);
  const id = eventId(cleaned.event_id) ?? eventId(fallbackId) ?? randomUUID().replaceAll('-', '');
  if (cleaned.event_id !== undefined && eventId(cleaned.event_id) === undefined) {
    meta.add(['event_id'], 'expected a uuid', cleaned.event_id);
  }
  const received = now / 1000;
  let timestamp = typeof cleaned.timestamp === 'number' ? cleaned.timestamp : received;
  if (timestamp > received + MAX_FUTURE_SECONDS) {
    meta.add(['timestamp'], 'timestamp is too far in the future', cleaned.timestamp);
    timestamp = received;
  }
  // `cleaned` is this call's own object (a copy of the payload's top level): completed in place,
  // keys already there keep their place and new ones go last, as with a spread.
  cleaned.event_id = id;
  cleaned.timestamp = timestamp;
  cleaned.received = received;
  cleaned.level = typeof cleaned.level === 'string' ? cleaned.level : 'error';
  cleaned.platform = typeof cleaned.platform === 'string' ? cleaned.platform : 'other';
  return { event: cleaned as StoredEvent, meta };
}

/** A uuid as 32 lower-case hex digits, or `undefined` when `value` is not one. */
export function eventId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const hex = value.replaceAll('-', '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) && hex !== '0'.repeat(32) ? hex : undefined;
}

/** Relay's alias: a top-level `message` is the event's `logentry`. */
function moveMessage(input: Record<string, unknown>, meta: Meta): void {
  const message = input.message;
  delete input.message;
  if (message === undefined || message === null) return;
  if (input.logentry !== undefined && input.logentry !== null) return;
  if (typeof message === 'string') input.logentry = { formatted: message };
  else if (typeof message === 'object' && !Array.isArray(message)) input.logentry = message;
  else meta.add(['message'], 'expected a string', message);
}
