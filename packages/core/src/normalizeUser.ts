import { AUTO_IP, parseIp } from './ip';
import {
  DROP,
  errorMessage,
  exceedsChars,
  FORBIDDEN_KEYS,
  isArray,
  type JsonLimits,
  type Maybe,
  preview,
  readKeys,
  readProperty,
  toJsonValue,
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
  const keys = readKeys(input, '', errors);
  if (!keys) return null;

  const out: NormalizedUser = {};
  const custom: [string, unknown][] = [];
  for (const key of keys) {
    const got = readProperty(input, key, key, errors);
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
        const value = toJsonValue(raw, key, CUSTOM_LIMITS, errors);
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
  if (exceedsChars(raw, limit)) {
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
  const keys = readKeys(raw, 'geo', errors);
  if (!keys) return DROP;
  const out: Geo = {};
  for (const key of keys) {
    const path = `geo.${key}`;
    if (!GEO_KEYS.has(key)) {
      errors.push({ path, reason: 'unknown geo field' });
      continue;
    }
    const got = readProperty(raw, key, path, errors);
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

function isBlank(value: unknown): boolean {
  return typeof value === 'string' && value.trim() === '';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
