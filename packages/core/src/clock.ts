/** What a timer from a {@link Clock} is: opaque, only ever handed back to `clearTimeout`. */
export type TimerHandle = unknown;

/**
 * Where the transport gets the time and its timers: backoff, rate-limit expiry, request
 * timeouts and flush deadlines all go through one. The default is the runtime's own
 * (`Date.now`, `setTimeout`, `clearTimeout`); tests inject a manual clock to run outages and
 * rate limits in virtual time.
 */
export interface Clock {
  /** The current time, in ms since the epoch (like `Date.now()`). */
  now(): number;
  /** Calls `fn` once, `ms` from now; the handle may have `unref()` (Node), which is then called. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer from `setTimeout`; `undefined` and spent handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The runtime's clock. Looks the globals up on every call, so test doubles of them still apply. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout> | undefined),
};
