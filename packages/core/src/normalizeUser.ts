import { AUTO_IP, parseIp } from './ip';
import type { Geo, NormalizedUser } from './user';

/** Why one value of a user was dropped by {@link normalizeUser}. */
export interface UserNormalizationError {
  /** Dotted path of the dropped value inside the user, e.g. `"geo.country_code"`. */
  path: string;
  /** Human-readable reason, e.g. `"expected an ip address"`. */
  reason: string;
  /** A JSON-safe preview of the original value (long strings are shortened). */
  value?: unknown;
}

/** What {@link normalizeUser} returns. */
export interface NormalizeUserResult {
  /** The normalized user, or `null` when no field is left. */
  user: NormalizedUser | null;
  /** One entry per dropped value; empty when nothing was dropped. */
  errors: UserNormalizationError[];
}

/** Length caps, in characters, of the well-known string fields. */
export const USER_FIELD_LIMITS = {
  id: 128,
  username: 128,
  email: 75,
  geo: 1024,
  customString: 16_384,
} as const;

/** How deep custom data may nest below the user object before it is removed. */
export const MAX_CUSTOM_DEPTH = 8;
/** How many keys (or array items) one custom object may have before the rest is removed. */
export const MAX_CUSTOM_ENTRIES = 1000;

const GEO_KEYS: ReadonlySet<string> = new Set(['city', 'country_code', 'region', 'subdivision']);
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const PREVIEW_CHARS = 200;

type Errors = UserNormalizationError[];
type Maybe<T> = { ok: true; value: T } | { ok: false };
const DROP: { ok: false } = { ok: false };

/**
 * Turns anything into a user Sentry's user interface accepts, and says what it
 * dropped. Used by the SDK before sending and by the inbox on ingest.
 *
 * Rules: `id`/`username` take strings and finite numbers (as strings), at most
 * 128 characters; `email` a string of at most 75; `ip_address` a valid IPv4 or
 * IPv6 address (IPv4-mapped IPv6 becomes IPv4), `"{{auto}}"`, or `null`
 * ("never infer"); `geo` only `city`, `country_code` (two letters, upper-cased),
 * `region`, `subdivision`; other keys are custom data kept when they are JSON.
 * Over-long values are dropped, never cut. Empty and whitespace-only strings
 * count as absent. It never throws, whatever it is given.
 *
 * @example
 * normalizeUser({ id: 42, ip_address: 'nope', Email: 'a@b.c' });
 * // { user: { id: '42', Email: 'a@b.c' },
 * //   errors: [{ path: 'ip_address', reason: 'expected an ip address', value: 'nope' }] }
 */
export function normalizeUser(input: unknown): NormalizeUserResult {
  const errors: Errors = [];
  try {
    return { user: normalizeObject(input, errors), errors };
  } catch (error) {
    // Unreachable by design; a last guard so that no input can ever throw.
    errors.push({ path: '', reason: `could not be read: ${errorMessage(error)}` });
    return { user: null, errors };
  }
}

function normalizeObject(input: unknown, errors: Errors): NormalizedUser | null {
  if (input === null || input === undefined) return null;
  if (typeof input !== 'object' || isArray(input)) {
    errors.push({ path: '', reason: 'expected an object', value: preview(input) });
    return null;
  }
  const keys = ownKeys(input, '', errors);
  if (!keys) return null;

  const out: NormalizedUser = {};
  const custom: [string, unknown][] = [];
  for (const key of keys) {
    const got = read(input, key, key, errors);
    if (!got.ok) continue;
    const raw = got.value;
    // `null` means "absent" everywhere but in ip_address, where it means "never infer".
    if (raw === undefined || (raw === null && key !== 'ip_address')) continue;
    switch (key) {
      case 'id':
      case 'username':
        assign(out, key, identifier(raw, key, errors));
        break;
      case 'email':
        assign(out, key, text(raw, key, USER_FIELD_LIMITS.email, errors));
        break;
      case 'ip_address':
        if (raw === null) out.ip_address = null;
        else assign(out, key, ipAddress(raw, errors));
        break;
      case 'geo':
        assign(out, key, geo(raw, errors));
        break;
      default: {
        if (FORBIDDEN_KEYS.has(key)) {
          errors.push({ path: key, reason: 'reserved key' });
          break;
        }
        if (isBlank(raw)) break;
        const value = json(raw, key, 1, [], errors);
        if (value.ok) custom.push([key, value.value]);
      }
    }
  }
  for (const [key, value] of custom) out[key] = value;
  return Object.keys(out).length > 0 ? out : null;
}

function assign<K extends keyof NormalizedUser>(
  out: NormalizedUser,
  key: K,
  value: Maybe<NormalizedUser[K]>,
): void {
  if (value.ok) out[key] = value.value;
}

function identifier(raw: unknown, path: string, errors: Errors): Maybe<string> {
  if (typeof raw === 'number') {
    if (Number.isFinite(raw)) return { ok: true, value: String(raw) };
    errors.push({ path, reason: 'expected a finite number', value: preview(raw) });
    return DROP;
  }
  return text(raw, path, USER_FIELD_LIMITS.id, errors);
}

function text(raw: unknown, path: string, limit: number, errors: Errors): Maybe<string> {
  if (typeof raw !== 'string') {
    errors.push({ path, reason: `expected a string, got ${describe(raw)}`, value: preview(raw) });
    return DROP;
  }
  if (isBlank(raw)) return DROP;
  if (exceeds(raw, limit)) {
    errors.push({ path, reason: `longer than ${limit} characters`, value: preview(raw) });
    return DROP;
  }
  return { ok: true, value: raw };
}

function ipAddress(raw: unknown, errors: Errors): Maybe<string> {
  if (typeof raw === 'string') {
    if (isBlank(raw)) return DROP;
    if (raw === AUTO_IP) return { ok: true, value: raw };
    const ip = parseIp(raw);
    if (ip !== null) return { ok: true, value: ip };
  }
  errors.push({ path: 'ip_address', reason: 'expected an ip address', value: preview(raw) });
  return DROP;
}

function geo(raw: unknown, errors: Errors): Maybe<Geo> {
  if (typeof raw !== 'object' || raw === null || isArray(raw)) {
    errors.push({ path: 'geo', reason: 'expected an object', value: preview(raw) });
    return DROP;
  }
  const keys = ownKeys(raw, 'geo', errors);
  if (!keys) return DROP;
  const out: Geo = {};
  for (const key of keys) {
    const path = `geo.${key}`;
    if (!GEO_KEYS.has(key)) {
      errors.push({ path, reason: 'unknown geo field' });
      continue;
    }
    const got = read(raw, key, path, errors);
    if (!got.ok || got.value === undefined || got.value === null) continue;
    const value = text(got.value, path, USER_FIELD_LIMITS.geo, errors);
    if (!value.ok) continue;
    if (key === 'country_code') {
      if (!/^[A-Za-z]{2}$/.test(value.value)) {
        errors.push({
          path,
          reason: 'expected a two-letter country code',
          value: preview(value.value),
        });
        continue;
      }
      out.country_code = value.value.toUpperCase();
    } else {
      out[key as Exclude<keyof Geo, 'country_code'>] = value.value;
    }
  }
  return Object.keys(out).length > 0 ? { ok: true, value: out } : DROP;
}

/** Copies `raw` as plain JSON, removing (and reporting) what JSON cannot hold. */
function json(
  raw: unknown,
  path: string,
  depth: number,
  ancestors: object[],
  errors: Errors,
): Maybe<unknown> {
  switch (typeof raw) {
    case 'string':
      if (exceeds(raw, USER_FIELD_LIMITS.customString)) {
        errors.push({
          path,
          reason: `longer than ${USER_FIELD_LIMITS.customString} characters`,
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
  if (depth > MAX_CUSTOM_DEPTH) {
    errors.push({ path, reason: `nested deeper than ${MAX_CUSTOM_DEPTH} levels` });
    return DROP;
  }
  const serialized = toJSONValue(raw, path, errors);
  if (!serialized.ok) return DROP;
  if (serialized.value !== raw) return json(serialized.value, path, depth + 1, ancestors, errors);

  ancestors.push(raw);
  try {
    if (isArray(raw)) return { ok: true, value: jsonArray(raw, path, depth, ancestors, errors) };
    const keys = ownKeys(raw, path, errors);
    if (!keys) return DROP;
    const out: Record<string, unknown> = {};
    let count = 0;
    for (const key of keys) {
      const child = `${path}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) {
        errors.push({ path: child, reason: 'reserved key' });
        continue;
      }
      if (++count > MAX_CUSTOM_ENTRIES) {
        errors.push({ path, reason: `more than ${MAX_CUSTOM_ENTRIES} keys` });
        break;
      }
      const got = read(raw, key, child, errors);
      if (!got.ok) continue;
      const value = json(got.value, child, depth + 1, ancestors, errors);
      if (value.ok) out[key] = value.value;
    }
    return { ok: true, value: out };
  } finally {
    ancestors.pop();
  }
}

function jsonArray(
  raw: unknown[],
  path: string,
  depth: number,
  ancestors: object[],
  errors: Errors,
): unknown[] {
  const out: unknown[] = [];
  let length = 0;
  try {
    length = raw.length;
  } catch {
    errors.push({ path, reason: 'array length could not be read' });
  }
  if (length > MAX_CUSTOM_ENTRIES)
    errors.push({ path, reason: `more than ${MAX_CUSTOM_ENTRIES} items` });
  for (let i = 0; i < Math.min(length, MAX_CUSTOM_ENTRIES); i++) {
    const got = read(raw, String(i), `${path}.${i}`, errors);
    if (!got.ok) continue;
    const value = json(got.value, `${path}.${i}`, depth + 1, ancestors, errors);
    if (value.ok) out.push(value.value);
  }
  return out;
}

/** Applies `toJSON` (Dates and similar) the way `JSON.stringify` would. */
function toJSONValue(raw: object, path: string, errors: Errors): Maybe<unknown> {
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

function ownKeys(value: object, path: string, errors: Errors): string[] | undefined {
  try {
    return Object.keys(value);
  } catch (error) {
    errors.push({ path, reason: `keys could not be read: ${errorMessage(error)}` });
    return undefined;
  }
}

function read(value: object, key: string, path: string, errors: Errors): Maybe<unknown> {
  try {
    return { ok: true, value: (value as Record<string, unknown>)[key] };
  } catch (error) {
    errors.push({ path, reason: `could not be read: ${errorMessage(error)}` });
    return DROP;
  }
}

/** `Array.isArray` that survives revoked Proxies. */
function isArray(value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

function isBlank(value: unknown): boolean {
  return typeof value === 'string' && value.trim() === '';
}

/** `true` when `value` has more than `limit` characters (Unicode code points). */
function exceeds(value: string, limit: number): boolean {
  if (value.length <= limit) return false;
  if (value.length > limit * 2) return true;
  let count = 0;
  for (const _ of value) if (++count > limit) return true;
  return false;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
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

function errorMessage(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'unknown error';
  }
}
