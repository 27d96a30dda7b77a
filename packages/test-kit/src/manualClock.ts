// A clock for tests of code that takes an injectable clock (@x/core's transport and everything
// built on it): time only moves when the test says so. Structurally a `Clock` of @x/core (`now`,
// `setTimeout`, `clearTimeout`); @x/core and @x/inbox, below test-kit in the dependency graph,
// import this file by path.

/** A timer waiting on a {@link ManualClock}. */
export interface ManualTimer {
  readonly id: number;
  /** When it fires (clock time). */
  readonly due: number;
  /** The delay it was scheduled with. */
  readonly delay: number;
  readonly fn: () => void;
}

/** A clock that only moves when told to. Starts on a whole second, so HTTP dates are exact. */
export class ManualClock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(start = Date.UTC(2026, 0, 1, 12, 0, 0)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    const delay = Math.max(0, Number.isFinite(ms) ? ms : 0);
    this.timers.set(id, { id, due: this.time + delay, delay, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }

  /** Pending timers, in the order they will fire. */
  pending(): ManualTimer[] {
    return [...this.timers.values()].sort((a, b) => a.due - b.due || a.id - b.id);
  }

  /** Moves to the earliest pending timer, if it is due by `limit`, and fires it. */
  fireNext(limit = Number.POSITIVE_INFINITY): boolean {
    const next = this.pending()[0];
    if (!next || next.due > limit) return false;
    this.timers.delete(next.id);
    this.time = Math.max(this.time, next.due);
    next.fn();
    return true;
  }

  /** Sets the time without firing anything (only forward). */
  moveTo(time: number): void {
    this.time = Math.max(this.time, time);
  }
}

/** Moves a {@link ManualClock} only when the real work a test waits for has finished. */
export interface TimeDriver {
  /** Waits until `busy()` has been false for two event-loop turns in a row. */
  settle(): Promise<void>;
  /** Fires the timers due within `ms`, in order, settling before and after each; ends `ms` later. */
  advance(ms: number): Promise<void>;
  /**
   * Resolves with `promise`, moving the clock from timer to timer whenever real work has
   * finished and the promise is still pending — real time, compressed to its events.
   */
  run<T>(promise: Promise<T>): Promise<T>;
}

/** Real time a settle or run may take before it fails (under vitest's 5 s test timeout). */
const REAL_GUARD_MS = 4000;
/** Virtual time a run may cover before it fails (a promise that never settles). */
const VIRTUAL_GUARD_MS = 60 * 60_000;

/**
 * A driver for `clock` that treats `busy()` (requests in flight, files being written…) as real
 * work to let finish before any timer fires.
 */
export function timeDriver(clock: ManualClock, busy: () => boolean): TimeDriver {
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

  async function settle(): Promise<void> {
    const deadline = Date.now() + REAL_GUARD_MS;
    // Two quiet turns in a row: promise chains started by the last answer have run too.
    for (let quiet = 0; quiet < 2; ) {
      await turn();
      quiet = busy() ? 0 : quiet + 1;
      if (Date.now() > deadline) throw new Error('virtual time: real I/O did not finish');
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
    const realDeadline = Date.now() + REAL_GUARD_MS;
    const virtualDeadline = clock.now() + VIRTUAL_GUARD_MS;
    while (!done) {
      await settle();
      if (done) break;
      if (clock.now() > virtualDeadline)
        throw new Error('virtual time: ran an hour, still pending');
      if (!clock.fireNext()) {
        // No timer left: what the promise waits on is real work we do not see. Give it turns.
        await turn();
        if (Date.now() > realDeadline) throw new Error('virtual time: pending, but no timer left');
      }
    }
    return watched;
  }

  return { settle, advance, run };
}
