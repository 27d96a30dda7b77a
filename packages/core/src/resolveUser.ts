import { debugWarn } from './debug';
import { normalizeUser } from './normalizeUser';
import type { UserResolver } from './scope';
import type { NormalizedUser } from './user';

/** How long an async {@link UserResolver} may take before it is ignored. */
export const DEFAULT_USER_RESOLVER_TIMEOUT_MS = 1000;

/** The fields a cleared user (`setUser(null)`) blanks in the scopes below it, as @sentry/core does. */
export const CLEARED_USER_FIELDS = ['id', 'username', 'email', 'ip_address'] as const;

/**
 * One scope's part of an event's user: its user (from `setUser`, else the default user its
 * resolver gave) with every key it names — a named key without a value blanks the scopes below,
 * as in @sentry/core —, `null` when it was cleared (`setUser(null)`), or nothing.
 */
export type UserLayer = { user: NormalizedUser; keys: readonly string[] } | null | undefined;

/**
 * Merges the scopes' users as @sentry/core merges scope data (global < isolation < current):
 * key by key, later scopes win — a key a scope named overwrites the value below even when it
 * has no value (undefined, null or dropped as invalid) —, `geo` and custom values are taken
 * whole; a cleared scope (`null`) blanks id, username, email and ip_address below it. The
 * answer may be a layer's own user object: read it, never change it.
 */
export function mergeScopeUsers(layers: readonly UserLayer[]): NormalizedUser | null {
  // One scope has a user and no other scope has one or was cleared (a request's default user,
  // usually): that user as it is, not merged into a copy.
  const [only, next] = layers.filter((layer) => layer !== undefined);
  let merged: NormalizedUser = {};
  if (only && next === undefined) merged = only.user;
  else {
    for (const layer of layers) {
      if (layer === null) {
        for (const field of CLEARED_USER_FIELDS) delete merged[field];
      } else if (layer) {
        for (const key of layer.keys) if (!Object.hasOwn(layer.user, key)) delete merged[key];
        Object.assign(merged, layer.user);
      }
    }
  }
  return Object.keys(merged).length > 0 ? merged : null;
}

/**
 * The resolvers whose default user an event needs: those of scopes the app did not
 * `setUser` on (an explicit user, or `null`, replaces the default). Each once.
 */
export function pendingResolvers(
  scopes: readonly {
    user: NormalizedUser | null | undefined;
    userResolver: UserResolver | undefined;
  }[],
): UserResolver[] {
  const resolvers: UserResolver[] = [];
  for (const { user, userResolver } of scopes) {
    if (user === undefined && userResolver && !resolvers.includes(userResolver))
      resolvers.push(userResolver);
  }
  return resolvers;
}

/**
 * Runs a resolver synchronously. A promise result cannot be waited for here:
 * it is ignored (its rejection is swallowed) — use {@link resolveUserNow}.
 */
export function resolveUserSync(
  resolver: UserResolver | undefined,
  onError?: ResolverErrorHandler,
): NormalizedUser | null {
  if (!resolver) return null;
  const result = callResolver(resolver, onError);
  if (isPromiseLike(result)) {
    // Events wait for async resolvers (resolveUserNow), which report failures.
    Promise.resolve(result).catch(() => undefined);
    return null;
  }
  return normalizeResolved(result);
}

/**
 * Runs a resolver: its default user, or — when it returns a promise — a promise of it, waited
 * for at most `timeoutMs`. One that throws, rejects or times out contributes nothing and logs a
 * debug line. A synchronous resolver (the usual mapping of a framework's signed-in user) costs
 * no promise.
 */
export function resolveUserNow(
  resolver: UserResolver | undefined,
  timeoutMs: number = DEFAULT_USER_RESOLVER_TIMEOUT_MS,
  onError?: ResolverErrorHandler,
): NormalizedUser | null | Promise<NormalizedUser | null> {
  if (!resolver) return null;
  const result = callResolver(resolver, onError);
  return isPromiseLike(result)
    ? settleResolved(result, timeoutMs, onError)
    : normalizeResolved(result);
}

/** Waits for a resolver's promise at most `timeoutMs`. */
async function settleResolved(
  result: PromiseLike<unknown>,
  timeoutMs: number,
  onError: ResolverErrorHandler | undefined,
): Promise<NormalizedUser | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    const value = await Promise.race([Promise.resolve(result), timeout]);
    if (value === TIMED_OUT) {
      debugWarn(`user resolver timed out (${timeoutMs} ms); no default user`);
      return null;
    }
    return normalizeResolved(value);
  } catch (error) {
    resolverFailed(error, onError);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

const TIMED_OUT = Symbol('timed out');
const RESOLVER_FAILED = 'user resolver failed; no default user';

function callResolver(resolver: UserResolver, onError: ResolverErrorHandler | undefined): unknown {
  try {
    return resolver();
  } catch (error) {
    resolverFailed(error, onError);
    return null;
  }
}

/** Told when a resolver throws or rejects (the server client says it once per process). */
export type ResolverErrorHandler = (error: unknown) => void;

function resolverFailed(error: unknown, onError: ResolverErrorHandler | undefined): void {
  debugWarn(RESOLVER_FAILED, error);
  try {
    onError?.(error);
  } catch {
    // Reporting a failure must not fail.
  }
}

function normalizeResolved(value: unknown): NormalizedUser | null {
  const { user, errors } = normalizeUser(value);
  if (errors.length > 0) debugWarn('user resolver: dropped invalid user values', errors);
  return user;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { then?: unknown }).then === 'function'
    );
  } catch {
    return false;
  }
}
