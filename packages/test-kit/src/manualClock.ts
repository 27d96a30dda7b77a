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
