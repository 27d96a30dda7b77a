import { debugWarn } from './debug';
import { normalizeUser } from './normalizeUser';
import type { Scope, UserResolver } from './scope';
import type { NormalizedUser } from './user';

/** How long an async {@link UserResolver} may take before it is ignored. */
export const DEFAULT_USER_RESOLVER_TIMEOUT_MS = 1000;

/**
 * Merges users field by field; a later user's field wins over an earlier
 * one's. An explicit `ip_address: null` counts as a value (it wins too).
 * `geo` is one field: it is never mixed from two users.
 */
export function mergeUsers(...users: (NormalizedUser | null | undefined)[]): NormalizedUser | null {
  const merged: NormalizedUser = {};
  for (const user of users) {
    if (!user) continue;
    for (const [key, value] of Object.entries(user)) {
      if (value !== undefined) merged[key] = value;
    }
  }
  return Object.keys(merged).length > 0 ? merged : null;
}

/** The explicit users of `scopes` (lowest priority first), merged per field. */
export function explicitUser(scopes: readonly Scope[]): NormalizedUser | null {
  return mergeUsers(...scopes.map((scope) => scope.getUser()));
}

/** The resolver of the highest-priority scope that has one. */
export function findUserResolver(scopes: readonly Scope[]): UserResolver | undefined {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const resolver = scopes[i]?.getUserResolver();
    if (resolver) return resolver;
  }
  return undefined;
}

/**
 * Runs a resolver synchronously. A promise result cannot be waited for here:
 * it is ignored (its rejection is swallowed) — use {@link resolveUserAsync}.
 */
export function resolveUserSync(resolver: UserResolver | undefined): NormalizedUser | null {
  if (!resolver) return null;
  const result = callResolver(resolver);
  if (isPromiseLike(result)) {
    Promise.resolve(result).catch(() => undefined);
    return null;
  }
  return normalizeResolved(result);
}

/**
 * Runs a resolver and waits for it at most `timeoutMs`. One that throws,
 * rejects or times out contributes nothing and logs a debug line.
 */
export async function resolveUserAsync(
  resolver: UserResolver | undefined,
  timeoutMs: number = DEFAULT_USER_RESOLVER_TIMEOUT_MS,
): Promise<NormalizedUser | null> {
  if (!resolver) return null;
  const result = callResolver(resolver);
  if (!isPromiseLike(result)) return normalizeResolved(result);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    const value = await Promise.race([Promise.resolve(result), timeout]);
    if (value === TIMED_OUT) {
      debugWarn(`user resolver did not answer within ${timeoutMs} ms; event sent without it`);
      return null;
    }
    return normalizeResolved(value);
  } catch (error) {
    debugWarn('user resolver rejected; event sent without its user', error);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

const TIMED_OUT = Symbol('timed out');

function callResolver(resolver: UserResolver): unknown {
  try {
    return resolver();
  } catch (error) {
    debugWarn('user resolver threw; event sent without its user', error);
    return null;
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
