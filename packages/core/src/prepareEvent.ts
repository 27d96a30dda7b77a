import type { ResolvedDataCollection } from './dataCollectionResolve';
import { debugWarn } from './debug';
import type { Breadcrumb, Event } from './event';
import { AUTO_IP, parseIp } from './ip';
import { anonymizeIp, type IpAnonymization } from './ipAnonymization';
import { type JsonDropError, type JsonLimits, toJsonValue } from './jsonValue';
import { normalizeUser } from './normalizeUser';
import type { Pseudonymizer } from './pseudonymizeUsers';
import {
  mergeScopeUsers,
  pendingResolvers,
  resolveUserNow,
  resolveUserSync,
  type UserLayer,
} from './resolveUser';
import type { RequestData, ScopeData, UserResolver } from './scope';
import type { NormalizedUser } from './user';

/** What {@link prepareEvent} needs from the client. */
export interface PrepareOptions {
  platform: 'node' | 'javascript';
  /** `dataCollection.userInfo` (else `sendDefaultPii`): the resolver's email, the client IP. */
  userInfo: boolean;
  /** Every category resolved; set by the server client, which collects the request. */
  dataCollection?: ResolvedDataCollection | undefined;
  ipAnonymization: IpAnonymization;
  inferIp: 'auto' | 'never' | undefined;
  userResolverTimeoutMs: number;
  /** Told when a user resolver throws or rejects; set by the server client. */
  onResolverError?: ((error: unknown) => void) | undefined;
  /**
   * Adds the request an event happened in (`request`, `transaction`); set by the server client.
   * `clientIp` is the request's IP when it may be sent.
   */
  applyRequest?:
    | ((
        event: Event,
        request: RequestData,
        clientIp: string | undefined,
        options: PrepareOptions,
      ) => void)
    | undefined;
  /**
   * `pseudonymizeUsers`: applied to the event's user after every other rule. It gets the scopes
   * the user came from (the server client's leaves a travelled user alone: userPropagation.ts).
   */
  pseudonymize?:
    | ((user: NormalizedUser, scopes?: readonly ScopeData[]) => ReturnType<Pseudonymizer>)
    | undefined;
  environment?: string | undefined;
  release?: string | undefined;
  serverName?: string | undefined;
  sdk: { name: string; version: string };
}

/**
 * Fills a captured event from the scopes (lowest priority first: global,
 * isolation, current) and applies the user, IP and privacy rules (see
 * {@link buildEventUser}): `setUser` replaces the adapter's default user; the
 * resolver's email and IP and the client IP only under `userInfo`;
 * `ip_address: null` means no IP at all; servers never send `{{auto}}`.
 */
export async function prepareEvent(
  event: Event,
  scopes: readonly ScopeData[],
  options: PrepareOptions,
): Promise<Event> {
  const prepared: Event = { ...event };
  prepared.platform ??= options.platform;
  if (options.environment) prepared.environment ??= options.environment;
  if (options.release) prepared.release ??= options.release;
  if (options.serverName && options.platform === 'node')
    prepared.server_name ??= options.serverName;

  applyScopeData(prepared, scopes);

  const requestData = findLast(scopes, 'request');
  const {
    user: finalUser,
    clientIp,
    neverInfer,
  } = await buildEventUser(prepared.user, scopes, options);
  const user =
    finalUser && options.pseudonymize ? await options.pseudonymize(finalUser, scopes) : finalUser;
  if (user) prepared.user = user;
  else delete prepared.user;

  // Servers only (the server client sets it): the request the event happened in.
  if (requestData) options.applyRequest?.(prepared, requestData, clientIp, options);

  const inferIp = neverInfer
    ? 'never'
    : (options.inferIp ??
      (options.platform === 'javascript' && options.userInfo ? 'auto' : 'never'));
  prepared.sdk = {
    ...options.sdk,
    ...prepared.sdk,
    settings: { ...prepared.sdk?.settings, infer_ip: inferIp },
  };
  return prepared;
}

const DATA_LIMITS: JsonLimits = { maxDepth: 6, maxEntries: 200, maxString: 16_384 };

function applyScopeData(event: Event, scopes: readonly ScopeData[]): void {
  // Global < isolation < current < the event's own, as one `Object.assign({}, ...records)` of
  // the records with a key of their own (a string's characters count, as Object.assign takes
  // them): most events have none anywhere, and then nothing is merged or sanitized.
  const merged = (key: 'tags' | 'contexts' | 'extra') => {
    const records = [...scopes.map((s) => s[key]), event[key] as object].filter(
      (record) => record && Object.keys(record).length > 0,
    );
    return records.length > 0 ? Object.assign({}, ...records) : undefined;
  };
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(merged('tags') ?? {})) {
    if (value !== undefined && value !== null) tags[key] = String(value).slice(0, 200);
  }
  const contexts = sanitize(merged('contexts'));
  const extra = sanitize(merged('extra'));
  if (Object.keys(tags).length > 0) event.tags = tags;
  if (contexts) event.contexts = contexts as Event['contexts'];
  if (extra) event.extra = extra;
  const level = findLast(scopes, 'level');
  if (level) event.level = level;
  const fingerprint = findLast(scopes, 'fingerprint');
  if (fingerprint && !event.fingerprint) event.fingerprint = fingerprint;
  const transactionName = findLast(scopes, 'transactionName');
  if (transactionName && !event.transaction) event.transaction = transactionName;
  const breadcrumbs = scopes
    .flatMap((s) => s.breadcrumbs)
    .sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  if (breadcrumbs.length > 0 && !event.breadcrumbs) {
    const values = sanitize({ values: breadcrumbs.slice(-100) })?.values as
      | Breadcrumb[]
      | undefined;
    if (values) event.breadcrumbs = { values };
  }
}

/** App data as plain JSON (cycles, functions, BigInt… removed); `undefined` when empty. */
function sanitize(value: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!value) return undefined;
  const errors: JsonDropError[] = [];
  const out = toJsonValue(value, 'event', DATA_LIMITS, errors) as Record<string, unknown>;
  if (errors.length > 0) debugWarn('event data: dropped non-JSON values', errors);
  return out && Object.keys(out).length > 0 ? out : undefined;
}

/** The user an event will carry, and the client IP behind it. */
export interface EventUser {
  user: NormalizedUser | null;
  /** The request's client IP, when it may be sent (`userInfo`, not `ip_address: null`). */
  clientIp: string | undefined;
  /** `true` when the user said `ip_address: null`. */
  neverInfer: boolean;
}

/**
 * Decides the user of an event from the scopes (and a user given with the
 * event itself), exactly as it will be sent: precedence, privacy and IP rules.
 * Async resolvers are waited for (at most `userResolverTimeoutMs`).
 */
export async function buildEventUser(
  eventUser: Event['user'],
  scopes: readonly ScopeData[],
  options: PrepareOptions,
): Promise<EventUser> {
  const defaults = new Map<UserResolver, NormalizedUser | null>();
  for (const resolver of pendingResolvers(scopes)) {
    defaults.set(
      resolver,
      await resolveUserNow(resolver, options.userResolverTimeoutMs, options.onResolverError),
    );
  }
  return composeEventUser(eventUser, scopes, defaults, options);
}

/**
 * {@link buildEventUser}'s user as it is when no resolver returns a promise (the usual mapping
 * of a framework's signed-in user), else a promise of it — its async resolvers waited for side by
 * side. What runs once per traced request (its server span's user) then costs no microtask.
 */
export function buildEventUserNow(
  scopes: readonly ScopeData[],
  options: PrepareOptions,
): NormalizedUser | null | Promise<NormalizedUser | null> {
  const defaults = new Map<UserResolver, NormalizedUser | null>();
  const waiting: Promise<unknown>[] = [];
  for (const resolver of pendingResolvers(scopes)) {
    const user = resolveUserNow(resolver, options.userResolverTimeoutMs, options.onResolverError);
    if (user instanceof Promise)
      waiting.push(user.then((resolved) => defaults.set(resolver, resolved)));
    else defaults.set(resolver, user);
  }
  const compose = () => composeEventUser(undefined, scopes, defaults, options).user;
  return waiting.length > 0 ? Promise.all(waiting).then(compose) : compose();
}

/** {@link buildEventUser} without waiting: a resolver that returns a promise counts as no user. */
export function buildEventUserSync(
  scopes: readonly ScopeData[],
  options: PrepareOptions,
): EventUser {
  const defaults = new Map<UserResolver, NormalizedUser | null>();
  for (const resolver of pendingResolvers(scopes))
    defaults.set(resolver, resolveUserSync(resolver, options.onResolverError));
  return composeEventUser(undefined, scopes, defaults, options);
}

/**
 * The rules, in order: each scope contributes its `setUser` user, or after `setUser(null)` a
 * blank, or else its resolver's default user — whose email and IP count only under
 * `userInfo` (the SDK collected them); scopes merge as in @sentry/core; a user passed
 * with the event wins field by field; then the IP rules ({@link applyIpRules}).
 */
function composeEventUser(
  eventUser: Event['user'],
  scopes: readonly ScopeData[],
  defaults: ReadonlyMap<UserResolver, NormalizedUser | null>,
  options: PrepareOptions,
): EventUser {
  const layers = scopes.map((scope): UserLayer => {
    if (scope.user === null) return null;
    if (scope.user !== undefined) return { user: scope.user, keys: scope.userKeys ?? [] };
    let resolved = scope.userResolver && defaults.get(scope.userResolver);
    if (!resolved) return undefined;
    if (!options.userInfo) {
      const { email: _email, ip_address: _ip, ...rest } = resolved;
      resolved = rest;
    }
    return { user: resolved, keys: Object.keys(resolved) };
  });
  let user = mergeScopeUsers(layers);
  // A user passed with the event itself (captureEvent) is the most explicit of all.
  const own = eventUser ? normalizeUser(eventUser) : undefined;
  if (own && own.errors.length > 0)
    debugWarn('event.user: dropped invalid user values', own.errors);
  if (own?.user) user = { ...user, ...own.user };
  const neverInfer = user?.ip_address === null;
  const requestData = findLast(scopes, 'request');
  let clientIp: string | undefined;
  if (requestData?.clientIp && options.userInfo && !neverInfer) {
    clientIp = callClientIp(requestData.clientIp);
  }
  return { user: applyIpRules(user, clientIp, options), clientIp, neverInfer };
}

function applyIpRules(
  user: NormalizedUser | null,
  clientIp: string | undefined,
  options: PrepareOptions,
): NormalizedUser | null {
  const out: NormalizedUser = { ...user };
  if (out.ip_address === null) {
    // "Never infer an IP for this user": send none, and no REMOTE_ADDR either.
    delete out.ip_address;
  } else if (out.ip_address === AUTO_IP && options.platform === 'node') {
    // A server's connection IP is the server's own: never ask Sentry to use it.
    delete out.ip_address;
  }
  if (out.ip_address === undefined && clientIp) out.ip_address = clientIp;
  const ip = out.ip_address;
  // The client IP is canonical already: parsed again only for a mode that changes it.
  if (
    typeof ip === 'string' &&
    ip !== AUTO_IP &&
    (ip !== clientIp || options.ipAnonymization !== 'none')
  ) {
    const anonymized = anonymizeIp(ip, options.ipAnonymization);
    if (anonymized) out.ip_address = anonymized;
    else delete out.ip_address;
  }
  return Object.keys(out).length > 0 ? out : null;
}

function callClientIp(getter: () => string | null | undefined): string | undefined {
  try {
    const ip = getter();
    return typeof ip === 'string' ? (parseIp(ip) ?? undefined) : undefined;
  } catch (error) {
    debugWarn('client IP getter threw; no IP sent', error);
    return undefined;
  }
}

/** The innermost scope's `key`, where one is set. */
function findLast<K extends keyof ScopeData>(
  scopes: readonly ScopeData[],
  key: K,
): ScopeData[K] | undefined {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const value = (scopes[i] as ScopeData)[key];
    if (value) return value;
  }
  return undefined;
}
