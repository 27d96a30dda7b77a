// Virtual time for the forwarder's tests: a manual clock that core's transport runs its backoff,
// rate-limit and timeout timers on, and a driver that lets the real HTTP requests finish before
// it moves the clock. Minutes of backoff and rate limits run in milliseconds, in timer order.

import { ManualClock, timeDriver } from '../../test-kit/src/manualClock';

export { ManualClock };

/** A manual clock plus the real fetch whose requests the driver waits for. */
export interface VirtualTime {
  clock: ManualClock;
  /** The runtime's fetch, with every request counted while it is in flight. */
  fetch: typeof fetch;
  /** Requests started so far (answered or not). */
  readonly started: number;
  /** Waits until no request is in flight and the promise chains after the last answer ran. */
  settle(): Promise<void>;
  /** Fires the timers due within `ms`, in order, settling around each; ends `ms` later. */
  advance(ms: number): Promise<void>;
  /** Resolves with `promise`, moving the clock from timer to timer while only timers are left. */
  run<T>(promise: Promise<T>): Promise<T>;
}

/** Virtual time for one test. */
export function virtualTime(): VirtualTime {
  const clock = new ManualClock();
  let inFlight = 0;
  let started = 0;

  const trackedFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    inFlight++;
    started++;
    try {
      return await fetch(input, init);
    } finally {
      inFlight--;
    }
  }) as typeof fetch;

  const driver = timeDriver(clock, () => inFlight > 0);

  return {
    clock,
    fetch: trackedFetch,
    get started() {
      return started;
    },
    ...driver,
  };
}
