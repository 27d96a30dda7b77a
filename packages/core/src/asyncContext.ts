import { getCarrier } from './carrier';
import type { Scope } from './scope';

/** The two scopes that are active at one point of execution. */
export interface Scopes {
  /** The current scope: forked by `withScope`. */
  scope: Scope;
  /** The isolation scope: one per request, forked by `withIsolationScope`. */
  isolationScope: Scope;
}

/**
 * How the active {@link Scopes} follow asynchronous execution. Core ships two:
 * AsyncLocalStorage (Node, Next's edge runtime) and a single stack (browsers).
 */
export interface AsyncContextStrategy {
  /** `"async-local-storage"`, `"stack"`, or a custom name. */
  readonly name: string;
  /** The scopes active here, or `undefined` outside any `runWithScopes`. */
  getScopes(): Scopes | undefined;
  /** Runs `callback` with `scopes` active for it and everything it starts. */
  runWithScopes<T>(scopes: Scopes, callback: () => T): T;
}

/** The shape of Node's `AsyncLocalStorage` that core needs. */
export interface AsyncLocalStorageLike<T> {
  getStore(): T | undefined;
  run<R>(store: T, callback: () => R): R;
}

/** A constructor of {@link AsyncLocalStorageLike}, e.g. `node:async_hooks`' `AsyncLocalStorage`. */
export type AsyncLocalStorageConstructor = new <T>() => AsyncLocalStorageLike<T>;

/**
 * A strategy backed by AsyncLocalStorage: every `runWithScopes` call, and all
 * the promises, timers and I/O callbacks it starts, sees its own scopes.
 */
export function createAsyncLocalStorageStrategy(
  AsyncLocalStorage: AsyncLocalStorageConstructor,
): AsyncContextStrategy {
  const storage = new AsyncLocalStorage<Scopes>();
  return {
    name: 'async-local-storage',
    getScopes: () => storage.getStore(),
    runWithScopes: (scopes, callback) => storage.run(scopes, callback),
  };
}

/**
 * A strategy for single-user runtimes (browsers): a stack of scopes, popped
 * when the callback returns or, for a promise, settles.
 */
export function createStackStrategy(): AsyncContextStrategy {
  const stack: Scopes[] = [];
  const pop = (scopes: Scopes) => {
    const index = stack.lastIndexOf(scopes);
    if (index !== -1) stack.splice(index, 1);
  };
  return {
    name: 'stack',
    getScopes: () => stack[stack.length - 1],
    runWithScopes(scopes, callback) {
      stack.push(scopes);
      let result: ReturnType<typeof callback>;
      try {
        result = callback();
      } catch (error) {
        pop(scopes);
        throw error;
      }
      if (isThenable(result)) {
        return result.then(
          (value) => {
            pop(scopes);
            return value;
          },
          (error: unknown) => {
            pop(scopes);
            throw error;
          },
        ) as typeof result;
      }
      pop(scopes);
      return result;
    },
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Installs the strategy every copy of core will use from now on. Adapters and
 * runtime entry points call this; apps rarely need to.
 */
export function setAsyncContextStrategy(strategy: AsyncContextStrategy | undefined): void {
  getCarrier().strategy = strategy;
}

/**
 * Installs an AsyncLocalStorage strategy unless one is already active — so a
 * second copy of core joins the first one's storage instead of splitting it.
 */
export function ensureAsyncLocalStorageStrategy(
  AsyncLocalStorage: AsyncLocalStorageConstructor,
): void {
  const carrier = getCarrier();
  if (carrier.strategy?.name === 'async-local-storage') return;
  carrier.strategy = createAsyncLocalStorageStrategy(AsyncLocalStorage);
}

/**
 * The active strategy. When none was installed it picks one: AsyncLocalStorage
 * when the runtime offers it — globally (Next's edge runtime, Deno, Bun,
 * Workers with the flag) or as Node's built-in module, reached without a static
 * `node:` import (bundlers such as Turbopack may load this main entry on Node) —
 * else the stack, which only suits single-user runtimes (browsers).
 */
export function getAsyncContextStrategy(): AsyncContextStrategy {
  const carrier = getCarrier();
  if (!carrier.strategy) {
    const AsyncLocalStorage = findAsyncLocalStorage();
    carrier.strategy = AsyncLocalStorage
      ? createAsyncLocalStorageStrategy(AsyncLocalStorage)
      : createStackStrategy();
    if (!AsyncLocalStorage && isServer()) {
      // A server on the stack would mix up concurrent requests' users: say so loudly.
      console.warn('[@x] no AsyncLocalStorage: request isolation is off');
    }
  }
  return carrier.strategy;
}

function findAsyncLocalStorage(): AsyncLocalStorageConstructor | undefined {
  const global = globalThis as {
    AsyncLocalStorage?: AsyncLocalStorageConstructor | undefined;
    process?: {
      getBuiltinModule?: (
        id: string,
      ) => { AsyncLocalStorage?: AsyncLocalStorageConstructor } | undefined;
    };
  };
  if (typeof global.AsyncLocalStorage === 'function') return global.AsyncLocalStorage;
  try {
    const hooks = global.process?.getBuiltinModule?.('node:async_hooks');
    return typeof hooks?.AsyncLocalStorage === 'function' ? hooks.AsyncLocalStorage : undefined;
  } catch {
    return undefined;
  }
}

function isServer(): boolean {
  const global = globalThis as { window?: unknown; process?: { versions?: { node?: string } } };
  return typeof global.window === 'undefined' && typeof global.process?.versions?.node === 'string';
}
