import { AUTO_IP, parseIp } from './ip';
import {
  drop,
  errorMessage,
  FORBIDDEN_KEYS,
  isArray,
  type JsonLimits,
  readKeys,
  readProperty,
  toJsonValue,
  withinChars,
} from './jsonValue';
import type { Geo, NormalizedUser } from './user';

/** Why one value of a user was dropped by {@link normalizeUser}. */
export interface UserNormalizationError {
  /** Dotted path of the dropped value inside the user, e.g. `"geo.country_code"`. */
  path: string;
  /** Human-readable reason, e.g. `"expected an ip address"`. */
  reason: string;
  /** A JSON-safe preview of the original value (long strings are shortened). */
  value?: unknown | undefined;
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
const CUSTOM_LIMITS: JsonLimits = {
  maxDepth: MAX_CUSTOM_DEPTH,
  maxEntries: MAX_CUSTOM_ENTRIES,
  maxString: USER_FIELD_LIMITS.customString,
};

type Errors = UserNormalizationError[];

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
    return { user: normalizeObject(input, errors) ?? null, errors };
  } catch (error) {
    // Unreachable by design; a last guard so that no input can ever throw.
    drop(errors, '', `could not be read: ${errorMessage(error)}`);
    return { user: null, errors };
  }
}

// Each step returns the kept value, or `undefined` when it was dropped (and reported).
function normalizeObject(input: unknown, errors: Errors): NormalizedUser | undefined {
  if (input === null || input === undefined) return undefined;
  const keys = objectKeys(input, '', errors);
  if (!keys) return undefined;

  const out: Record<string, unknown> = {};
  const custom: [string, unknown][] = [];
  for (const key of keys) {
    const [raw] = readProperty(input as object, key, key, errors) ?? [];
    // `null` means "absent" everywhere but in ip_address, where it means "never infer".
    if (raw === undefined || (raw === null && key !== 'ip_address')) continue;
    let value: unknown;
    switch (key) {
      case 'id':
      case 'username':
        value =
          typeof raw !== 'number'
            ? text(raw, key, USER_FIELD_LIMITS.id, errors)
            : Number.isFinite(raw)
              ? String(raw)
              : drop(errors, key, 'expected a finite number', raw);
        break;
      case 'email':
        value = text(raw, key, USER_FIELD_LIMITS.email, errors);
        break;
      case 'ip_address':
        value = raw === null ? null : ipAddress(raw, errors);
        break;
      case 'geo':
        value = geo(raw, errors);
        break;
      default:
        if (FORBIDDEN_KEYS.has(key)) drop(errors, key, 'reserved key');
        else if (!isBlank(raw)) custom.push([key, toJsonValue(raw, key, CUSTOM_LIMITS, errors)]);
        continue;
    }
    if (value !== undefined) out[key] = value;
  }
  for (const [key, value] of custom) if (value !== undefined) out[key] = value;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The keys of an object (not an array); `undefined` (reported) for anything else. */
function objectKeys(raw: unknown, path: string, errors: Errors): string[] | undefined {
  return typeof raw !== 'object' || raw === null || isArray(raw)
    ? drop(errors, path, 'expected an object', raw)
    : readKeys(raw, path, errors);
}

function text(raw: unknown, path: string, limit: number, errors: Errors): string | undefined {
  if (typeof raw !== 'string')
    return drop(errors, path, `expected a string, got ${describe(raw)}`, raw);
  return isBlank(raw) ? undefined : withinChars(raw, path, limit, errors);
}

function ipAddress(raw: unknown, errors: Errors): string | undefined {
  if (typeof raw === 'string') {
    if (isBlank(raw)) return undefined;
    const ip = raw === AUTO_IP ? raw : parseIp(raw);
    if (ip !== null) return ip;
  }
  return drop(errors, 'ip_address', 'expected an ip address', raw);
}

function geo(raw: unknown, errors: Errors): Geo | undefined {
  const out: Record<string, string> = {};
  for (const key of objectKeys(raw, 'geo', errors) ?? []) {
    const path = `geo.${key}`;
    if (!GEO_KEYS.has(key)) {
      drop(errors, path, 'unknown geo field');
      continue;
    }
    const [got] = readProperty(raw as object, key, path, errors) ?? [];
    if (got === undefined || got === null) continue;
    let value = text(got, path, USER_FIELD_LIMITS.geo, errors);
    if (value !== undefined && key === 'country_code') {
      value = /^[A-Za-z]{2}$/.test(value)
        ? value.toUpperCase()
        : drop(errors, path, 'expected a two-letter country code', value);
    }
    if (value !== undefined) out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function isBlank(value: unknown): boolean {
  return typeof value === 'string' && value.trim() === '';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
