// Virtual time for the forwarder's tests: a manual clock that core's transport runs its backoff,
// rate-limit and timeout timers on, and a driver that lets the real HTTP requests finish before
// it moves the clock. Minutes of backoff and rate limits run in milliseconds, in timer order.

import { ManualClock } from '../../test-kit/src/manualClock';

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

/** Real time a settle or run may take before it fails. */
const REAL_GUARD_MS = 4000;

/** Virtual time for one test. */
export function virtualTime(): VirtualTime {
  const clock = new ManualClock();
  let inFlight = 0;
  let started = 0;
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

  const trackedFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    inFlight++;
    started++;
    try {
      return await fetch(input, init);
    } finally {
      inFlight--;
    }
  }) as typeof fetch;

  async function settle(): Promise<void> {
    const deadline = Date.now() + REAL_GUARD_MS;
    // Two quiet turns in a row: promise chains started by the last answer have run too.
    for (let quiet = 0; quiet < 2; ) {
      await turn();
      quiet = inFlight > 0 ? 0 : quiet + 1;
      if (Date.now() > deadline) throw new Error('virtual time: a request did not finish');
    }
  }

  async function advance(ms: number): Promise<void> {
    const target = clock.now() + ms;
    await settle();
    while (clock.fireNext(target)) await settle();
    clock.moveTo(target);
    await settle();
  }

  async function run<T>(promise: Promise<T>): Promise<T> {
    let done = false;
    const watched = promise.finally(() => {
      done = true;
    });
    const deadline = Date.now() + REAL_GUARD_MS;
    while (!done) {
      await settle();
      if (done || clock.fireNext()) continue;
      await turn();
      if (Date.now() > deadline) throw new Error('virtual time: pending, but no timer left');
    }
    return watched;
  }

  return {
    clock,
    fetch: trackedFetch,
    get started() {
      return started;
    },
    settle,
    advance,
    run,
  };
}
