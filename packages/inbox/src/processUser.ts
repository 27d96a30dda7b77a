import { type NormalizedUser, normalizeUser, userKey } from '@x/core';
import { AUTO_IP, parseIp } from '@x/core/internal';
import type { GeoLookup } from './geo';
import type { Meta } from './meta';
import type { StoredEvent } from './normalizeEvent';

/** How the connection's IP may be used, from the event's `sdk.settings.infer_ip`. */
export type InferIp = 'auto' | 'never' | 'legacy';

/** Platforms whose events get the connection's IP under the legacy rule. */
export const LEGACY_INFER_PLATFORMS: ReadonlySet<string> = new Set(['javascript', 'cocoa', 'objc']);

/** What {@link processUser} needs besides the event. */
export interface ProcessUserContext {
  /** The IP address of the client that sent the event (after trusted proxies). */
  clientIp: string | undefined;
  /** Geo lookup for the final IP; omit to skip geo. */
  geo?: GeoLookup | undefined;
  /** Remove `user.ip_address` and `request.env.REMOTE_ADDR` after the geo lookup. */
  preventStoringIp?: boolean | undefined;
}

const WELL_KNOWN = new Set(['id', 'username', 'email', 'ip_address', 'geo']);
const STRING_FIELDS = new Set(['name', 'segment']);

/**
 * Fills in and cleans `event.user` the way Relay does, in place:
 *
 * 1. the user goes through `normalizeUser`; each dropped value is annotated in
 *    `_meta.user.<path>` with the original value;
 * 2. `{{auto}}` in `user.ip_address` or `request.env.REMOTE_ADDR` becomes the
 *    client IP (dropped when `infer_ip` is `never`);
 * 3. a valid `REMOTE_ADDR` fills an unset `user.ip_address`;
 * 4. the client IP fills a still unset one when `infer_ip` is `auto`, or is
 *    absent (legacy) and the platform is `javascript`/`cocoa`/`objc` — never
 *    when the SDK sent `ip_address: null`;
 * 5. `geo` is looked up from the final IP when the user has none;
 * 6. with `preventStoringIp`, the IP fields are removed;
 * 7. custom keys move under `user.data` and `user.sentry_user` is the user key.
 */
export function processUser(event: StoredEvent, meta: Meta, context: ProcessUserContext): void {
  const raw = event.user;
  const explicitNull =
    typeof raw === 'object' &&
    raw !== null &&
    (raw as { ip_address?: unknown }).ip_address === null;
  const { user: normalized, errors } = normalizeUser(raw);
  for (const error of errors) {
    meta.add(['user', ...(error.path ? error.path.split('.') : [])], error.reason, error.value);
  }
  const user: NormalizedUser = { ...(normalized ?? {}) };
  delete user.ip_address;
  const mode = inferIp(event);
  const client = context.clientIp;
  const connection = mode === 'never' ? undefined : client;

  const env = requestEnv(event);
  if (env && env.REMOTE_ADDR === AUTO_IP) {
    if (connection) env.REMOTE_ADDR = connection;
    else delete env.REMOTE_ADDR;
  }
  let ip: string | undefined;
  if (normalized?.ip_address === AUTO_IP) ip = connection;
  else if (typeof normalized?.ip_address === 'string') ip = normalized.ip_address;

  if (ip === undefined && typeof env?.REMOTE_ADDR === 'string') {
    ip = parseIp(env.REMOTE_ADDR) ?? undefined;
  }
  if (ip === undefined && !explicitNull && client) {
    const infer =
      mode === 'auto' || (mode === 'legacy' && LEGACY_INFER_PLATFORMS.has(event.platform));
    if (infer) ip = client;
  }
  if (ip !== undefined) user.ip_address = ip;

  if (ip !== undefined && !user.geo && context.geo) {
    const geo = context.geo(ip);
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

/** The event's `sdk.settings.infer_ip`, `legacy` when absent. */
export function inferIp(event: StoredEvent): InferIp {
  const sdk = event.sdk as { settings?: { infer_ip?: unknown } } | undefined;
  const value = sdk?.settings?.infer_ip;
  return value === 'auto' || value === 'never' ? value : 'legacy';
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
