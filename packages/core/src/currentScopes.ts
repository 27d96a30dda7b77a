import { getAsyncContextStrategy, type Scopes } from './asyncContext';
import { getCarrier } from './carrier';
import { type Primitive, Scope } from './scope';
import type { User } from './user';

/** The scopes outside every unit of work (created on first use). */
export function defaultScopes(): Scopes {
  const carrier = getCarrier();
  carrier.defaultScopes ??= { scope: new Scope(), isolationScope: new Scope() };
  return carrier.defaultScopes;
}

function activeScopes(): Scopes {
  return getAsyncContextStrategy().getScopes() ?? defaultScopes();
}

/** The process-wide scope: data on it goes on every event. */
export function getGlobalScope(): Scope {
  const carrier = getCarrier();
  carrier.globalScope ??= new Scope();
  return carrier.globalScope;
}

/** The scope of the current request (or of the process, outside any request). */
export function getIsolationScope(): Scope {
  return activeScopes().isolationScope;
}

/** The innermost scope, forked by {@link withScope}. */
export function getCurrentScope(): Scope {
  return activeScopes().scope;
}

/** The global, isolation and current scope, lowest priority first. */
export function getScopeChain(): [Scope, Scope, Scope] {
  const { scope, isolationScope } = activeScopes();
  return [getGlobalScope(), isolationScope, scope];
}

/**
 * Runs `callback` with a fork of the current scope; changes to it stay inside.
 *
 * @example withScope((scope) => { scope.setTag('step', 'pay'); captureException(err); });
 */
export function withScope<T>(callback: (scope: Scope) => T): T {
  const { scope, isolationScope } = activeScopes();
  const forked = scope.clone();
  return getAsyncContextStrategy().runWithScopes({ scope: forked, isolationScope }, () =>
    callback(forked),
  );
}

/**
 * Runs `callback` in a fresh isolation scope (forked from the active one) —
 * what adapters do once per request, and what background work should do so
 * that it never sees, or changes, a request's user.
 *
 * @example withIsolationScope(async () => { setUser({ id: job.userId }); await run(job); });
 */
export function withIsolationScope<T>(callback: (isolationScope: Scope) => T): T {
  const { scope, isolationScope } = activeScopes();
  const forked = isolationScope.clone();
  return getAsyncContextStrategy().runWithScopes(
    { scope: scope.clone(), isolationScope: forked },
    () => callback(forked),
  );
}

/**
 * Sets the user of the current request (the isolation scope); `null` clears
 * it. Invalid values are dropped with a debug warning, never thrown.
 *
 * @example setUser({ id: '42', email: 'jane@example.com', subscription: 'pro' });
 */
export function setUser(user: User | null | undefined): void {
  getIsolationScope().setUser(user);
}

/** Sets a tag on the isolation scope. */
export function setTag(key: string, value: Primitive): void {
  getIsolationScope().setTag(key, value);
}

/** Sets several tags on the isolation scope. */
export function setTags(tags: Record<string, Primitive>): void {
  getIsolationScope().setTags(tags);
}

/** Sets (or with `null` removes) a named context on the isolation scope. */
export function setContext(name: string, context: Record<string, unknown> | null): void {
  getIsolationScope().setContext(name, context);
}

/** Sets a piece of extra data on the isolation scope. */
export function setExtra(key: string, value: unknown): void {
  getIsolationScope().setExtra(key, value);
}

/** Sets several pieces of extra data on the isolation scope. */
export function setExtras(extras: Record<string, unknown>): void {
  getIsolationScope().setExtras(extras);
}
