import { type NormalizedUser, normalizeUser, userKey } from '@x/core';
import { AUTO_IP, parseIp } from '@x/core/internal';
import type { GeoLookup } from './geo';
import type { Meta } from './meta';
import type { StoredEvent } from './normalizeEvent';
import { setOwn } from './shape';
import { isObject } from './values';

/**
 * How the user's IP may be derived, from the event's `sdk.settings.infer_ip`
 * (Relay's `AutoInferSetting`, relay-event-schema `protocol/clientsdk.rs`).
 */
export type InferIp = 'auto' | 'never' | 'legacy';

/** Platforms whose events get the connection's IP under the legacy rule when they have none. */
export const LEGACY_INFER_PLATFORMS: ReadonlySet<string> = new Set(['javascript', 'cocoa', 'objc']);

/** What {@link processUser} needs besides the event. */
export interface ProcessUserContext {
  /** The IP address of the client that sent the event (after trusted proxies). */
  clientIp: string | undefined;
  /**
   * The event's `sdk.settings.infer_ip` as sent, read with {@link inferIp} from
   * the payload before it was shaped; read from `event` when omitted.
   */
  inferIp?: InferIp | undefined;
  /** Geo lookup; omit to skip geo. */
  geo?: GeoLookup | undefined;
  /**
   * "Prevent storing IP addresses": the connection's IP is not used to derive
   * the user's IP, and `user.ip_address` and `request.env.REMOTE_ADDR` are
   * removed after the geo lookup.
   */
  preventStoringIp?: boolean | undefined;
}

const WELL_KNOWN = new Set(['id', 'username', 'email', 'ip_address', 'geo']);
const STRING_FIELDS = new Set(['name', 'segment']);

/**
 * Fills in and cleans `event.user` the way Relay 26 does, in place (Relay's
 * `normalize_ip_addresses` and `normalize_user_geoinfo`, relay-event-normalization
 * `event.rs`; the README's "How the user's IP is chosen" has the table):
 *
 * 1. the user goes through `normalizeUser`; each dropped value is annotated in
 *    `_meta.user.<path>` with the original value. An invalid or `null`
 *    `ip_address` counts as absent;
 * 2. `never` (or an `infer_ip` that is not `auto`/`never`/`legacy`): nothing is
 *    derived. `{{auto}}` in `user.ip_address` is removed; `REMOTE_ADDR` is left
 *    as sent and not copied; the connection's IP is not used;
 * 3. `legacy` (no `infer_ip`) and `auto`: `{{auto}}` in `user.ip_address` or
 *    `request.env.REMOTE_ADDR` becomes the connection's IP; a valid
 *    `REMOTE_ADDR` fills a missing user IP; a still missing one becomes the
 *    connection's IP — under `auto` on every platform, under `legacy` only for
 *    `javascript`, `cocoa` and `objc`;
 * 4. `geo` is looked up when the user has none: from the user's IP, or, when
 *    it has none, from the connection's IP (whatever `infer_ip` says, and with
 *    `preventStoringIp` too);
 * 5. with `preventStoringIp` the connection's IP is not used in 3, and the IP
 *    fields are removed after 4;
 * 6. custom keys move under `user.data` and `user.sentry_user` is the user key.
 */
export function processUser(event: StoredEvent, meta: Meta, context: ProcessUserContext): void {
  const { user: normalized, errors } = normalizeUser(event.user);
  for (const error of errors) {
    meta.add(['user', ...(error.path ? error.path.split('.') : [])], error.reason, error.value);
  }
  // Copied without `ip_address` (set again below when there is one) rather than deleted after a
  // spread: a delete turns the object into a slow dictionary for everything after.
  const user: NormalizedUser = {};
  if (normalized) {
    for (const key of Object.keys(normalized)) {
      if (key !== 'ip_address') setOwn(user, key, normalized[key]);
    }
  }
  // `null` is an absent value in Relay (`Annotated<IpAddr>` without a value).
  let ip = typeof normalized?.ip_address === 'string' ? normalized.ip_address : undefined;
  const env = requestEnv(event);
  const mode = context.inferIp ?? inferIp(event);
  // Relay passes no client IP to the IP normalization when storing IPs is prevented.
  const connection = context.preventStoringIp ? undefined : context.clientIp;

  if (mode === 'never') {
    if (ip === AUTO_IP) ip = undefined;
  } else {
    if (connection) {
      if (env && env.REMOTE_ADDR === AUTO_IP) env.REMOTE_ADDR = connection;
      if (ip === AUTO_IP) ip = connection;
    }
    const remote = typeof env?.REMOTE_ADDR === 'string' ? ipOrAuto(env.REMOTE_ADDR) : undefined;
    if (remote !== undefined) ip ??= remote;
    else if (connection && ip === undefined) {
      if (mode === 'auto' || LEGACY_INFER_PLATFORMS.has(event.platform)) ip = connection;
    }
  }
  if (ip !== undefined) user.ip_address = ip;

  if (!user.geo && context.geo) {
    // `{{auto}}` left unresolved (no connection IP to use) is no address to look up.
    const from = ip !== undefined && ip !== AUTO_IP ? ip : context.clientIp;
    const geo = from ? context.geo(from) : undefined;
    if (geo) user.geo = geo;
  }
  if (context.preventStoringIp) {
    delete user.ip_address;
    if (env) delete env.REMOTE_ADDR;
  }
  const stored = toStoredUser(user, meta);
  if (stored) event.user = stored;
  else delete event.user;
}

/**
 * The event's `sdk.settings.infer_ip` as Relay 26 reads it
 * (`ClientSdkSettings::infer_ip`): `legacy` when it is absent or `null` (and
 * when `sdk` or `sdk.settings` is not an object), the value when it is exactly
 * `auto`, `never` or `legacy`, and `never` for any other value — an unknown
 * string, another case, a number — so that a setting this inbox does not know
 * never falls back to the legacy inference.
 *
 * @param event The event payload as sent (Relay reads it before any shaping).
 */
export function inferIp(event: unknown): InferIp {
  const sdk = isObject(event) ? event.sdk : undefined;
  const settings = isObject(sdk) ? sdk.settings : undefined;
  const value = isObject(settings) ? settings.infer_ip : undefined;
  if (value === undefined || value === null) return 'legacy';
  return value === 'auto' || value === 'never' || value === 'legacy' ? value : 'never';
}

/** A valid address (canonical) or `{{auto}}`, as Relay's `IpAddr::parse` accepts; else `undefined`. */
function ipOrAuto(value: string): string | undefined {
  return value === AUTO_IP ? value : (parseIp(value) ?? undefined);
}

function requestEnv(event: StoredEvent): Record<string, unknown> | undefined {
  const request = event.request as { env?: Record<string, unknown> } | undefined;
  return request?.env;
}

/** Moves custom keys under `data` (merged, custom keys win, as Relay does) and adds `sentry_user`. */
function toStoredUser(user: NormalizedUser, meta: Meta): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let data: Record<string, unknown> | undefined;
  const custom: [string, unknown][] = [];
  for (const [key, value] of Object.entries(user)) {
    if (value === undefined) continue;
    if (WELL_KNOWN.has(key)) out[key] = value;
    else if (STRING_FIELDS.has(key) && typeof value === 'string') out[key] = value;
    else if (key === 'data') {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        data = { ...(value as Record<string, unknown>) };
      } else meta.add(['user', 'data'], 'expected an object', value);
    } else custom.push([key, value]);
  }
  if (custom.length > 0) {
    data ??= {};
    for (const [key, value] of custom) data[key] = value;
  }
  if (data && Object.keys(data).length > 0) out.data = data;
  const key = userKey(out);
  if (key) out.sentry_user = key;
  return Object.keys(out).length > 0 ? out : undefined;
}
