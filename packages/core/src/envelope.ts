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

/** One item: its header (`type`) and its payload. */
export interface EnvelopeItem {
  header: { type: string; [key: string]: unknown };
  /** A JSON value (serialized here), or a string that is its JSON text already. */
  payload: unknown;
}

/**
 * An envelope ready for a transport: its text (or bytes, as a spool reads it back) and the
 * categories it carries.
 */
export interface SerializedEnvelope {
  body: string | Uint8Array;
  categories: DataCategory[];
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string: the runtime's encoder when it has a faster one (Node's `Buffer`). */
export function utf8(text: string): Uint8Array {
  return getCarrier().runtime?.utf8?.(text) ?? encoder.encode(text);
}

/**
 * Serializes an envelope as Sentry's SDKs do: the header line, then per item a header line and
 * the payload's JSON, separated by `\n`. Items carry no `length`: JSON text never holds a raw
 * newline, so a payload ends at the next one. Text, not bytes: Node writes it to the socket
 * as it is, with no encoded copy made first (the transport's bounds count its length).
 */
export function serializeEnvelope(header: EnvelopeHeader, items: readonly EnvelopeItem[]): string {
  let out = JSON.stringify(header);
  for (const { header: itemHeader, payload } of items) {
    out += `\n${JSON.stringify(itemHeader)}\n${typeof payload === 'string' ? payload : JSON.stringify(payload)}`;
  }
  return out;
}

/** The rate-limit category of an event: `error` with an exception, else `default` (as Relay counts). */
export function eventCategory(event: Event): DataCategory {
  return event.exception?.values?.length ? 'error' : 'default';
}
