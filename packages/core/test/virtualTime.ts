// Virtual time for transport tests: a manual clock the transport's timers run on, and a driver
// that lets real I/O (HTTP to the sink, spool files) finish before it moves the clock. An
// outage of minutes runs in milliseconds, and timers fire in the same order as in real time.
import { ManualClock, timeDriver } from '../../test-kit/src/manualClock';
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

  const driver = timeDriver(clock, busy);

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
    ...driver,
  };
}
