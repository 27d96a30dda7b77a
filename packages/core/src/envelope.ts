import { getCarrier } from './carrier';
import type { DataCategory, Event } from './event';

/** The first line of an envelope. */
export interface EnvelopeHeader {
  event_id?: string | undefined;
  sent_at?: string | undefined;
  dsn?: string | undefined;
  sdk?: { name: string; version: string } | undefined;
  [key: string]: unknown;
}

/** One item: its header (`type`; `length` is filled in) and its payload. */
export interface EnvelopeItem {
  header: { type: string; [key: string]: unknown };
  /** A JSON value (serialized here), or raw text/bytes. */
  payload: unknown;
}

/** An envelope ready for a transport: its bytes and the categories it carries. */
export interface SerializedEnvelope {
  body: Uint8Array;
  categories: DataCategory[];
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string: the runtime's encoder when it has a faster one (Node's `Buffer`). */
function utf8(text: string): Uint8Array {
  return getCarrier().runtime?.utf8?.(text) ?? encoder.encode(text);
}

/**
 * Serializes an envelope: the header line, then per item a header line with
 * `length` in bytes and the payload, separated by `\n`.
 */
export function serializeEnvelope(
  header: EnvelopeHeader,
  items: readonly EnvelopeItem[],
): Uint8Array {
  // The header lines are encoded together with the first item's header: one encoding less.
  let head = JSON.stringify(header);
  const parts: Uint8Array[] = [];
  for (const item of items) {
    const payload = toBytes(item.payload);
    parts.push(
      utf8(`${head}\n${JSON.stringify({ ...item.header, length: payload.length })}\n`),
      payload,
    );
    head = '';
  }
  if (head) parts.push(utf8(head));
  return concat(parts);
}

/** The bytes of an item payload: JSON for values, UTF-8 for strings. */
export function toBytes(payload: unknown): Uint8Array {
  if (payload instanceof Uint8Array) return payload;
  return utf8(typeof payload === 'string' ? payload : JSON.stringify(payload));
}

/** The rate-limit category of an event: `error` with an exception, else `default` (as Relay counts). */
export function eventCategory(event: Event): DataCategory {
  return event.exception?.values?.length ? 'error' : 'default';
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
