import type { TrustProxy, User } from '@x/core';

/** Maps a request to its user — e.g. an Auth.js / next-auth session or token. */
export type GetUser = (
  request: Request,
) => User | null | undefined | PromiseLike<User | null | undefined>;

/** The @x/next settings shared by the wrappers and `onRequestError`. */
export interface NextAdapterOptions {
  /** How to find the user of a request (cookies, Bearer token). Runs lazily when an event is built. */
  getUser?: GetUser | undefined;
  /** Which forwarded headers to believe for the client IP. @default false (none) */
  trustProxy?: TrustProxy | undefined;
  /** Which thrown errors to capture, by the status the response will have. @default status >= 500 */
  shouldCapture?: ((status: number, error: unknown) => boolean) | undefined;
}

const CONFIG_KEY = Symbol.for('@x/next.config');

/**
 * Sets the adapter options for this process (done by `register()`). They hang
 * on `globalThis`: Next bundles `instrumentation.ts` and each route separately.
 */
export function configureNext(options: NextAdapterOptions): void {
  (globalThis as Record<symbol, unknown>)[CONFIG_KEY] = { ...options };
}

/** The options `register()` set, merged with a wrapper's own. */
export function nextConfig(overrides: NextAdapterOptions = {}): NextAdapterOptions {
  const base = ((globalThis as Record<symbol, unknown>)[CONFIG_KEY] ?? {}) as NextAdapterOptions;
  return { ...base, ...definedOnly(overrides) };
}

function definedOnly(options: NextAdapterOptions): NextAdapterOptions {
  return Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  ) as NextAdapterOptions;
}
