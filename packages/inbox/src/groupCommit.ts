/**
 * How a {@link GroupCommit} schedules its next write: call `flush` soon. The default,
 * `setImmediate`, writes once the requests already read in this turn of the event loop have
 * queued theirs; tests pass their own to hold a batch and release it when they choose.
 */
export type FlushScheduler = (flush: () => void) => void;

/** Counts of a {@link GroupCommit}, for `/api/health`'s `ingest`. */
export interface GroupCommitStats {
  /** Transactions committed (one per batch). */
  transactions: number;
  /** Items submitted and stored. */
  stored: number;
  /** Items submitted whose own write failed (rolled back alone; the others in the batch stored). */
  failed: number;
  /** The most items one transaction stored. */
  largest_batch: number;
  /** Items queued right now, waiting for the next transaction. */
  pending: number;
}

/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions<T> {
  /**
   * Writes a batch in one transaction and returns, per item, `undefined` when it was stored or
   * the error that rolled back that item alone. It throws when the transaction as a whole
   * failed (nothing of the batch is stored then).
   */
  write: (items: readonly T[]) => readonly (unknown | undefined)[];
  /** When to write what is queued. @default setImmediate */
  schedule?: FlushScheduler | undefined;
  /** At most this many items per transaction; the rest go in the next one. @default 500 */
  maxBatch?: number | undefined;
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items submitted while a write is pending are written together in one
 * transaction, and each submitter's promise settles only after that transaction committed
 * (or failed). SQLite in Node is synchronous, so while one batch is written the event loop is
 * blocked and the next requests wait in the socket buffers; they are read, checked and queued
 * in the next turn, and written together by the next flush. Under load batches grow by
 * themselves; a lone request waits one `setImmediate`.
 *
 * @example
 * const commit = new GroupCommit({ write: (items) => store.storeEnvelopes(items) });
 * await commit.submit(envelopeWrite); // resolved once committed
 */
export class GroupCommit<T> {
  private queue: Pending<T>[] = [];
  private scheduled = false;
  private readonly writeBatch: GroupCommitOptions<T>['write'];
  private readonly schedule: FlushScheduler;
  private readonly maxBatch: number;
  /** Running counts (see {@link GroupCommitStats}). */
  readonly stats: GroupCommitStats = {
    transactions: 0,
    stored: 0,
    failed: 0,
    largest_batch: 0,
    pending: 0,
  };

  constructor(options: GroupCommitOptions<T>) {
    this.writeBatch = options.write;
    this.schedule = options.schedule ?? ((flush) => void setImmediate(flush));
    this.maxBatch = options.maxBatch ?? 500;
  }

  /** Queues `item`; resolves once it is committed, rejects with what failed its write. */
  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.stats.pending = this.queue.length;
      if (!this.scheduled) {
        this.scheduled = true;
        this.schedule(() => this.flush());
      }
    });
  }

  /**
   * Writes everything queued now, in batches of at most `maxBatch`, and settles their
   * promises. Called by the scheduler, and by `close()` so nothing queued is left unwritten.
   */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.stats.pending = this.queue.length;
      let results: readonly (unknown | undefined)[];
      try {
        results = this.writeBatch(batch.map((p) => p.item));
      } catch (error) {
        for (const pending of batch) pending.reject(error);
        continue;
      }
      this.stats.transactions++;
      let stored = 0;
      batch.forEach((pending, i) => {
        const error = results[i];
        if (error === undefined) {
          stored++;
          pending.resolve();
        } else {
          this.stats.failed++;
          pending.reject(error);
        }
      });
      this.stats.stored += stored;
      if (stored > this.stats.largest_batch) this.stats.largest_batch = stored;
    }
  }
}
