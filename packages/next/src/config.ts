import type { GetUser, ShouldCapture, TrustProxy } from '@x/core';

/** The @x/next settings shared by the wrappers and `onRequestError`. */
export interface NextAdapterOptions {
  /**
   * How to find the user of a request (cookies, Bearer token) — e.g. `mapAuthUser(await auth())`.
   * Runs lazily when an event is built.
   */
  getUser?: GetUser<Request> | undefined;
  /** Which forwarded headers to believe for the client IP. @default false (none) */
  trustProxy?: TrustProxy | undefined;
  /**
   * Which thrown errors to capture, by the status the response will have (an error's `status`,
   * else 500; 500 in `onRequestError`), the error and the request. Next's own `redirect()` /
   * `notFound()` errors are never captured. @default status >= 500
   */
  shouldCapture?: ShouldCapture<Request> | undefined;
}

const CONFIG_KEY = Symbol.for('@x/next.config');

/**
 * Sets the adapter options for this process (done by `register()`). They hang
 * on `globalThis`: Next bundles `instrumentation.ts` and each route separately.
 */
export function configureNext(options: NextAdapterOptions): void {
  (globalThis as Record<symbol, unknown>)[CONFIG_KEY] = { ...options };
}

const NO_OVERRIDES: NextAdapterOptions = Object.freeze({});

// A wrapper's options merged with those `register()` set, per wrapper: asked on every request.
const merged = new WeakMap<
  NextAdapterOptions,
  { base: NextAdapterOptions | undefined; options: NextAdapterOptions }
>();

/**
 * The options `register()` set, merged with a wrapper's own. The merge is kept per wrapper
 * options object until `register()` sets new options.
 */
export function nextConfig(overrides: NextAdapterOptions = NO_OVERRIDES): NextAdapterOptions {
  const base = (globalThis as Record<symbol, unknown>)[CONFIG_KEY] as
    | NextAdapterOptions
    | undefined;
  const known = merged.get(overrides);
  if (known && known.base === base) return known.options;
  const options = { ...base, ...definedOnly(overrides) };
  merged.set(overrides, { base, options });
  return options;
}

function definedOnly(options: NextAdapterOptions): NextAdapterOptions {
  return Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  ) as NextAdapterOptions;
}
