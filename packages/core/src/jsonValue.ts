/** One value removed by {@link toJsonValue}, with where and why. */
export interface JsonDropError {
  /** Dotted path of the removed value, e.g. `"plan.owner.fn"`. */
  path: string;
  /** Human-readable reason. */
  reason: string;
  /** A JSON-safe preview of the original value. */
  value?: unknown | undefined;
}

/** Limits for {@link toJsonValue}. */
export interface JsonLimits {
  /** Levels below the starting value before a subtree is removed. */
  maxDepth: number;
  /** Keys per object / items per array before the rest is removed. */
  maxEntries: number;
  /** Characters per string before the string is removed. */
  maxString: number;
}

/** Keys that could reach an object's prototype; never copied. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

const PREVIEW_CHARS = 200;

/**
 * Reports a removed value in `errors` — with a preview of `original` when one is given — and
 * returns `undefined`, the "removed" result of {@link toJsonValue} and of normalizeUser's steps.
 */
export function drop(
  errors: JsonDropError[],
  path: string,
  reason: string,
  ...original: [unknown?]
): undefined {
  errors.push(
    original.length > 0 ? { path, reason, value: preview(original[0]) } : { path, reason },
  );
  return undefined;
}

/**
 * Copies `raw` as plain JSON within `limits`, removing — and reporting in
 * `errors` — what JSON cannot hold: functions, symbols, BigInt, non-finite
 * numbers, cycles, too-deep or too-large values, prototype keys, throwing
 * getters and Proxy traps. Applies `toJSON` as `JSON.stringify` would. Never throws.
 * Returns the copy, or `undefined` when the value is removed (`undefined` itself is, silently).
 */
export function toJsonValue(
  raw: unknown,
  path: string,
  limits: JsonLimits,
  errors: JsonDropError[],
  depth = 1,
  ancestors: object[] = [],
): unknown {
  const type = typeof raw;
  if (type === 'string') return withinChars(raw as string, path, limits.maxString, errors);
  if (type === 'boolean' || type === 'undefined' || raw === null) return raw;
  if (type === 'number') {
    // -0 becomes 0, as it would after a JSON round trip.
    return Number.isFinite(raw)
      ? (raw as number) || 0
      : drop(errors, path, 'expected a finite number', raw);
  }
  if (type !== 'object') return drop(errors, path, `${type} is not JSON-serializable`);
  const object = raw as object;
  if (ancestors.includes(object)) return drop(errors, path, 'circular reference');
  if (depth > limits.maxDepth)
    return drop(errors, path, `nested deeper than ${limits.maxDepth} levels`);
  // `toJSON` (Dates and similar), applied the way `JSON.stringify` would.
  let serialized: unknown = object;
  try {
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') serialized = toJSON.call(object);
  } catch (error) {
    return drop(errors, path, `toJSON() threw: ${errorMessage(error)}`);
  }
  if (serialized === undefined || serialized === null)
    return drop(errors, path, 'toJSON() returned nothing');
  if (serialized !== object)
    return toJsonValue(serialized, path, limits, errors, depth + 1, ancestors);

  ancestors.push(object);
  try {
    const array = isArray(object);
    // Read every entry first (reporting what cannot be read), then copy each.
    const entries = array
      ? arrayEntries(object, path, limits, errors)
      : objectEntries(object, path, limits, errors);
    if (!entries) return undefined;
    const out: Record<string, unknown> = {};
    const items: unknown[] = [];
    for (const [key, value] of entries) {
      const child = toJsonValue(value, `${path}.${key}`, limits, errors, depth + 1, ancestors);
      if (child === undefined) continue;
      if (array) items.push(child);
      else out[key] = child;
    }
    return array ? items : out;
  } finally {
    ancestors.pop();
  }
}

/** `raw` when it has at most `limit` characters, else `undefined` (reported). */
export function withinChars(
  raw: string,
  path: string,
  limit: number,
  errors: JsonDropError[],
): string | undefined {
  return exceedsChars(raw, limit)
    ? drop(errors, path, `longer than ${limit} characters`, raw)
    : raw;
}

function objectEntries(
  raw: object,
  path: string,
  limits: JsonLimits,
  errors: JsonDropError[],
): [string, unknown][] | undefined {
  const keys = readKeys(raw, path, errors);
  if (!keys) return undefined;
  const entries: [string, unknown][] = [];
  for (const key of keys) {
    if (FORBIDDEN_KEYS.has(key)) {
      drop(errors, `${path}.${key}`, 'reserved key');
      continue;
    }
    if (entries.length >= limits.maxEntries) {
      drop(errors, path, `more than ${limits.maxEntries} keys`);
      break;
    }
    const got = readProperty(raw, key, `${path}.${key}`, errors);
    if (got) entries.push([key, got[0]]);
  }
  return entries;
}

function arrayEntries(
  raw: unknown[],
  path: string,
  limits: JsonLimits,
  errors: JsonDropError[],
): [string, unknown][] {
  let length = 0;
  try {
    length = raw.length;
  } catch {
    drop(errors, path, 'array length could not be read');
  }
  if (length > limits.maxEntries) drop(errors, path, `more than ${limits.maxEntries} items`);
  const entries: [string, unknown][] = [];
  for (let i = 0; i < Math.min(length, limits.maxEntries); i++) {
    const got = readProperty(raw, String(i), `${path}.${i}`, errors);
    if (got) entries.push([String(i), got[0]]);
  }
  return entries;
}

/** `Object.keys` that reports, instead of throwing, on hostile Proxies. */
export function readKeys(
  value: object,
  path: string,
  errors: JsonDropError[],
): string[] | undefined {
  try {
    return Object.keys(value);
  } catch (error) {
    return drop(errors, path, `keys could not be read: ${errorMessage(error)}`);
  }
}

/** Reads one property as `[value]`; a throwing getter is reported (`undefined`), not thrown. */
export function readProperty(
  value: object,
  key: string,
  path: string,
  errors: JsonDropError[],
): [unknown] | undefined {
  try {
    return [(value as Record<string, unknown>)[key]];
  } catch (error) {
    return drop(errors, path, `could not be read: ${errorMessage(error)}`);
  }
}

/** `Array.isArray` that survives revoked Proxies. */
export function isArray(value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** `true` when `value` has more than `limit` characters (Unicode code points). */
export function exceedsChars(value: string, limit: number): boolean {
  if (value.length <= limit) return false;
  if (value.length > limit * 2) return true;
  let count = 0;
  for (const _ of value) if (++count > limit) return true;
  return false;
}

/** A JSON-safe, short stand-in for an original value, for error reports and `_meta`. */
export function preview(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      return value.length > PREVIEW_CHARS ? `${value.slice(0, PREVIEW_CHARS)}…` : value;
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return undefined;
    case 'object':
      return value === null ? null : isArray(value) ? '[array]' : '[object]';
    default:
      return `[${typeof value}]`;
  }
}

/** The message of anything thrown, without throwing again. */
export function errorMessage(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'unknown error';
  }
}
