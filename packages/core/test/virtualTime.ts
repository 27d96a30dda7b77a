// Virtual time for transport tests: a manual clock the transport's timers run on, and a driver
// that lets real I/O (HTTP to the sink, spool files) finish before it moves the clock. An
// outage of minutes runs in milliseconds, and timers fire in the same order as in real time.
import { ManualClock } from '../../test-kit/src/manualClock';
import type { Spool } from '../src/spool';
import type { Sink } from './sink';

/** The header that names a request, so the sink can say which ones it holds (`'hang'`). */
export const REQUEST_ID_HEADER = 'x-test-request-id';

export { ManualClock };

/** Virtual time plus the bookkeeping of real I/O that the driver waits for. */
export interface VirtualTime {
  clock: ManualClock;
  /** The runtime's real fetch, counted and tagged with {@link REQUEST_ID_HEADER}. */
  fetch: typeof fetch;
  /** A spool whose operations are counted. */
  trackSpool(spool: Spool): Spool;
  /** Requests started so far (each attempt, answered or not). */
  readonly started: number;
  /**
   * Waits until real work has finished: every request answered, refused or held by the sink
   * (`'hang'`), every spool operation done. The clock does not move.
   */
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
/** Request ids are unique across instances, so a sink shared between tests never mixes them up. */
let lastRequestId = 0;

/** Virtual time for one test, on `sink`; `realFetch` does the HTTP. */

export function virtualTime(sink: Sink, realFetch: typeof fetch): VirtualTime {
  const clock = new ManualClock();
  const inFlight = new Set<string>();
  let spoolOps = 0;
  let started = 0;

  const busy = () => spoolOps > 0 || [...inFlight].some((id) => !sink.heldRequestIds.has(id));

  const tracked = async <T>(op: () => Promise<T>): Promise<T> => {
    spoolOps++;
    try {
      return await op();
    } finally {
      spoolOps--;
    }
  };

  const fetchTracked = (async (url: string, init: RequestInit = {}) => {
    started++;
    const id = String(++lastRequestId);
    inFlight.add(id);
    try {
      return await realFetch(url, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), [REQUEST_ID_HEADER]: id },
      });
    } finally {
      inFlight.delete(id);
    }
  }) as typeof fetch;

  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

  async function settle(): Promise<void> {
    const deadline = Date.now() + REAL_GUARD_MS;
    // Two quiet turns in a row: promise chains started by the last answer have run too.
    let quiet = 0;
    while (quiet < 2) {
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

  return {
    clock,
    fetch: fetchTracked,
    trackSpool: (spool) => ({
      write: (envelope) => tracked(() => spool.write(envelope)),
      list: () => tracked(() => spool.list()),
      read: (entry) => tracked(() => spool.read(entry)),
      remove: (entry) => tracked(() => spool.remove(entry)),
    }),
    get started() {
      return started;
    },
    settle,
    advance,
    run,
  };
}
