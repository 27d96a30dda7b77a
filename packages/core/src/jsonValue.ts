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

/** `{ ok: true, value }` or `{ ok: false }` (removed). */
export type Maybe<T> = { ok: true; value: T } | { ok: false };
/** The "removed" result. */
export const DROP: { ok: false } = { ok: false };

/** Keys that could reach an object's prototype; never copied. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

const PREVIEW_CHARS = 200;

/**
 * Copies `raw` as plain JSON within `limits`, removing — and reporting in
 * `errors` — what JSON cannot hold: functions, symbols, BigInt, non-finite
 * numbers, cycles, too-deep or too-large values, prototype keys, throwing
 * getters and Proxy traps. Applies `toJSON` as `JSON.stringify` would. Never throws.
 */
export function toJsonValue(
  raw: unknown,
  path: string,
  limits: JsonLimits,
  errors: JsonDropError[],
  depth = 1,
  ancestors: object[] = [],
): Maybe<unknown> {
  switch (typeof raw) {
    case 'string':
      if (exceedsChars(raw, limits.maxString)) {
        errors.push({
          path,
          reason: `longer than ${limits.maxString} characters`,
          value: preview(raw),
        });
        return DROP;
      }
      return { ok: true, value: raw };
    case 'boolean':
      return { ok: true, value: raw };
    case 'number':
      // -0 becomes 0, as it would after a JSON round trip.
      if (Number.isFinite(raw)) return { ok: true, value: raw === 0 ? 0 : raw };
      errors.push({ path, reason: 'expected a finite number', value: preview(raw) });
      return DROP;
    case 'undefined':
      return DROP;
    case 'object':
      break;
    default:
      errors.push({ path, reason: `${typeof raw} is not JSON-serializable` });
      return DROP;
  }
  if (raw === null) return { ok: true, value: null };
  if (ancestors.includes(raw)) {
    errors.push({ path, reason: 'circular reference' });
    return DROP;
  }
  if (depth > limits.maxDepth) {
    errors.push({ path, reason: `nested deeper than ${limits.maxDepth} levels` });
    return DROP;
  }
  const serialized = applyToJSON(raw, path, errors);
  if (!serialized.ok) return DROP;
  if (serialized.value !== raw) {
    return toJsonValue(serialized.value, path, limits, errors, depth + 1, ancestors);
  }

  ancestors.push(raw);
  try {
    const entries = isArray(raw)
      ? arrayEntries(raw, path, limits, errors)
      : objectEntries(raw, path, limits, errors);
    if (!entries) return DROP;
    const out: Record<string, unknown> | unknown[] = isArray(raw) ? [] : {};
    for (const [key, value] of entries) {
      const child = toJsonValue(value, `${path}.${key}`, limits, errors, depth + 1, ancestors);
      if (!child.ok) continue;
      if (Array.isArray(out)) out.push(child.value);
      else out[key] = child.value;
    }
    return { ok: true, value: out };
  } finally {
    ancestors.pop();
  }
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
      errors.push({ path: `${path}.${key}`, reason: 'reserved key' });
      continue;
    }
    if (entries.length >= limits.maxEntries) {
      errors.push({ path, reason: `more than ${limits.maxEntries} keys` });
      break;
    }
    const got = readProperty(raw, key, `${path}.${key}`, errors);
    if (got.ok) entries.push([key, got.value]);
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
    errors.push({ path, reason: 'array length could not be read' });
  }
  if (length > limits.maxEntries)
    errors.push({ path, reason: `more than ${limits.maxEntries} items` });
  const entries: [string, unknown][] = [];
  for (let i = 0; i < Math.min(length, limits.maxEntries); i++) {
    const got = readProperty(raw, String(i), `${path}.${i}`, errors);
    if (got.ok) entries.push([String(i), got.value]);
  }
  return entries;
}

/** Applies `toJSON` (Dates and similar) the way `JSON.stringify` would. */
function applyToJSON(raw: object, path: string, errors: JsonDropError[]): Maybe<unknown> {
  try {
    const toJSON = (raw as { toJSON?: unknown }).toJSON;
    if (typeof toJSON !== 'function') return { ok: true, value: raw };
    const value: unknown = toJSON.call(raw);
    if (value === undefined || value === null) {
      errors.push({ path, reason: 'toJSON() returned nothing' });
      return DROP;
    }
    return { ok: true, value };
  } catch (error) {
    errors.push({ path, reason: `toJSON() threw: ${errorMessage(error)}` });
    return DROP;
  }
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
    errors.push({ path, reason: `keys could not be read: ${errorMessage(error)}` });
    return undefined;
  }
}

/** Reads one property; a throwing getter is reported, not thrown. */
export function readProperty(
  value: object,
  key: string,
  path: string,
  errors: JsonDropError[],
): Maybe<unknown> {
  try {
    return { ok: true, value: (value as Record<string, unknown>)[key] };
  } catch (error) {
    errors.push({ path, reason: `could not be read: ${errorMessage(error)}` });
    return DROP;
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
