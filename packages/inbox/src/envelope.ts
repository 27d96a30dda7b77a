import { HttpError } from './httpError';

/** One item of an envelope: its header and its raw payload bytes. */
export interface EnvelopeItem {
  /** The item header; `type` is always a string. */
  header: Record<string, unknown> & { type: string };
  /** The payload as sent. */
  payload: Buffer;
}

/** A parsed Sentry envelope. */
export interface Envelope {
  /** The envelope header (`event_id`, `sent_at`, `sdk`, `dsn`, …). */
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

const NEWLINE = 0x0a;

/**
 * Parses a Sentry envelope: a JSON header line, then per item a JSON item
 * header (with `type` and an optional byte `length`) and its payload, all
 * separated by `\n`. Without `length` the payload runs to the next newline.
 * Blank lines between items and a trailing newline are allowed.
 *
 * Throws an {@link HttpError} 400 naming the problem for malformed input;
 * `checkItem` sees each item as soon as it is parsed and may throw to stop.
 */
export function parseEnvelope(
  body: Buffer,
  checkItem?: (item: EnvelopeItem, index: number) => void,
): Envelope {
  let offset = 0;
  const line = (): Buffer => {
    const end = body.indexOf(NEWLINE, offset);
    const stop = end === -1 ? body.length : end;
    const out = body.subarray(offset, stop);
    offset = end === -1 ? body.length : end + 1;
    return out;
  };

  const header = jsonObject(line(), 'envelope header');
  const items: EnvelopeItem[] = [];
  while (offset < body.length) {
    const headerLine = line();
    if (isBlank(headerLine)) continue;
    const itemHeader = jsonObject(headerLine, `item ${items.length + 1} header`);
    if (typeof itemHeader.type !== 'string' || itemHeader.type === '') {
      throw malformed(`item ${items.length + 1} header has no "type"`);
    }
    let payload: Buffer;
    const length = itemHeader.length;
    if (length === undefined || length === null) {
      payload = line();
    } else {
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
        throw malformed(`item ${items.length + 1} has an invalid "length"`);
      }
      if (offset + length > body.length) {
        throw malformed(
          `item ${items.length + 1} declares ${length} bytes but only ${body.length - offset} follow`,
        );
      }
      payload = body.subarray(offset, offset + length);
      offset += length;
      if (offset < body.length) {
        if (body[offset] !== NEWLINE) {
          throw malformed(`item ${items.length + 1} payload is not followed by a newline`);
        }
        offset += 1;
      }
    }
    const item = { header: itemHeader as EnvelopeItem['header'], payload };
    // Limits are checked item by item, so a 50,000-item body stops at the first item over one.
    checkItem?.(item, items.length);
    items.push(item);
  }
  return { header, items };
}

/**
 * The deepest nesting of JSON the inbox parses: serde_json's default recursion
 * limit, with which Relay parses every payload. Deeper values would overflow
 * the stack of the recursive steps after parsing (shaping, grouping, storing).
 */
export const MAX_JSON_DEPTH = 128;

/**
 * `true` when the JSON text in `bytes` nests arrays/objects deeper than `max`.
 * One pass over the bytes, no recursion; brackets inside strings do not count.
 */
export function nestedDeeperThan(bytes: Buffer, max: number): boolean {
  // Nesting deeper than `max` takes more than `max` opening brackets: counted natively first,
  // so a payload with few of them (almost every one) is not scanned byte by byte.
  if (openingBrackets(bytes, max + 1) <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > max) return true;
    } else if (byte === 0x5d || byte === 0x7d) depth--;
  }
  return false;
}

/** How many `{` and `[` bytes `bytes` holds (in strings too), counting no further than `limit`. */
function openingBrackets(bytes: Buffer, limit: number): number {
  let count = 0;
  for (const bracket of OPENING_BRACKETS) {
    for (let i = bytes.indexOf(bracket); i !== -1; i = bytes.indexOf(bracket, i + 1)) {
      if (++count >= limit) return count;
    }
  }
  return count;
}

const OPENING_BRACKETS = [0x7b, 0x5b];

/** Parses `bytes` as a JSON object or throws a 400 naming `what`. */
export function jsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  if (nestedDeeperThan(bytes, MAX_JSON_DEPTH)) {
    throw malformed(`${what} is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed(`${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0x20 && byte !== 0x0d && byte !== 0x09) return false;
  return true;
}

/** A 400 `malformed envelope: <reason>`. */
export function malformed(reason: string): HttpError {
  return new HttpError(400, `malformed envelope: ${reason}`);
}
