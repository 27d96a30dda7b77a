import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDriverName } from './sqlite';

/**
 * When the {@link Checkpointer} runs its next checkpoint, given the function that starts it.
 * The default waits {@link CHECKPOINT_DELAY_MS} (an unreferenced timer); tests pass their own.
 */
export type CheckpointScheduler = (start: () => void) => void;

/** How long after a commit the default scheduler starts a checkpoint. */
export const CHECKPOINT_DELAY_MS = 60;

/**
 * The main connection's `wal_autocheckpoint` while checkpoints run in the background: only a
 * backstop. Under continuous ingest the background checkpoint never sees the WAL fully copied
 * at a moment when no write follows, so the WAL is not rewound; once it holds this many pages,
 * SQLite checkpoints the little that remains after a commit and the next write rewinds it.
 */
export const BACKGROUND_AUTOCHECKPOINT_PAGES = 10_000;

/** Counts of a {@link Checkpointer}, for `/api/health`'s `ingest.checkpoints`. */
export interface CheckpointStats {
  /** Checkpoints run by the background thread. */
  runs: number;
  /** Runs that could not start because another connection was checkpointing. */
  busy: number;
  /** Frames in the WAL at the latest run. */
  wal_frames: number;
  /** Of those, frames copied into the database file (by this or an earlier checkpoint). */
  wal_copied: number;
  /** `true` once the thread failed or exited early (SQLite's own autocheckpoint is back). */
  failed: boolean;
}

/** Options of {@link Checkpointer}. */
export interface CheckpointerOptions {
  /** The database file (in WAL mode, already created and migrated). */
  path: string;
  /** The driver the main connection uses; the thread opens its own connection with it. */
  driver: SqliteDriverName;
  /** When to checkpoint after a commit. @default 60 ms later */
  schedule?: CheckpointScheduler | undefined;
  /** Called once if the thread fails, with what failed (the caller restores the autocheckpoint). */
  onFailure?: ((error: unknown) => void) | undefined;
}

/** What the thread answers to each `checkpoint` request. */
type Reply = { busy: number; log: number; checkpointed: number };

/**
 * Copies the WAL into the database file on a worker thread, with a connection of its own:
 * `PRAGMA wal_checkpoint(PASSIVE)` after commits, at most one at a time. A checkpoint reads the
 * WAL, writes its pages into the database file and syncs both (`synchronous = NORMAL`, as on the
 * main connection): done inline after a commit, as SQLite's autocheckpoint does, the event loop
 * waits on those syncs. A passive checkpoint never blocks the writer, and what a commit
 * guarantees is unchanged: every envelope is in the WAL before it is answered.
 *
 * @example
 * const checkpointer = new Checkpointer({ path: 'inbox.db', driver: store.driver });
 * store.storeEnvelopes(writes);
 * checkpointer.committed();
 * await checkpointer.close(); // before the main connection closes
 */
export class Checkpointer {
  /** Running counts (see {@link CheckpointStats}). */
  readonly stats: CheckpointStats = {
    runs: 0,
    busy: 0,
    wal_frames: 0,
    wal_copied: 0,
    failed: false,
  };
  private readonly worker: Worker;
  private readonly schedule: CheckpointScheduler;
  private readonly onFailure: ((error: unknown) => void) | undefined;
  /** A checkpoint is scheduled or running. */
  private pending = false;
  /** A commit happened while one was pending: schedule another when it is done. */
  private again = false;
  private closing: Promise<void> | undefined;
  /** Settles {@link close} when the thread says its connection is closed. */
  private closed: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(options: CheckpointerOptions) {
    this.schedule =
      options.schedule ?? ((start) => void setTimeout(start, CHECKPOINT_DELAY_MS).unref());
    this.onFailure = options.onFailure;
    const betterSqlite3 =
      options.driver === 'better-sqlite3'
        ? createRequire(import.meta.url).resolve('better-sqlite3')
        : undefined;
    this.worker = new Worker(`(${checkpointThread.toString()})(require)`, {
      eval: true,
      workerData: { path: options.path, betterSqlite3 },
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
    this.worker.on('message', (reply: Reply | 'closed') => {
      if (reply === 'closed') this.closed?.();
      else this.onReply(reply);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`checkpoint thread exited with code ${code}`));
    });
  }

  /** Tells it a transaction committed: a checkpoint follows (one for any number of commits). */
  committed(): void {
    if (this.stats.failed || this.closing) return;
    if (this.pending) {
      this.again = true;
      return;
    }
    this.pending = true;
    this.schedule(() => this.start());
  }

  /** Resolves once no checkpoint is scheduled or running. */
  idle(): Promise<void> {
    if (!this.pending || this.stats.failed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Lets a running checkpoint finish, then closes the thread's connection and ends the thread,
   * so that the main connection, closed after it, is the last one and checkpoints the rest.
   */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.stats.failed) return resolve();
      // Unreferenced while it runs (it never keeps a process alive), but waited for now: with
      // nothing else left in the event loop, the process would otherwise end before it exits.
      this.worker.ref();
      // Done once its connection is closed; ending the thread itself takes longer (~150 ms).
      const done = () => {
        resolve();
        void this.worker.terminate();
      };
      this.closed = done;
      this.worker.once('exit', done);
      this.worker.postMessage('close');
    });
    return this.closing;
  }

  private start(): void {
    if (this.stats.failed || this.closing) {
      this.settle();
      return;
    }
    this.again = false;
    this.worker.postMessage('checkpoint');
  }

  private onReply(reply: Reply): void {
    this.stats.runs++;
    if (reply.busy) this.stats.busy++;
    this.stats.wal_frames = reply.log;
    this.stats.wal_copied = reply.checkpointed;
    if (this.again && !this.closing) {
      this.again = false;
      this.schedule(() => this.start());
      return;
    }
    this.settle();
  }

  private settle(): void {
    this.pending = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private fail(error: unknown): void {
    if (this.stats.failed) return;
    this.stats.failed = true;
    this.settle();
    this.onFailure?.(error);
  }
}

/**
 * The worker thread's whole program, run from its source text (so it needs no file of its own
 * next to the bundle): it opens the database, answers each `checkpoint` with the result of a
 * passive checkpoint, and closes on `close`. It only uses what it loads itself, through the
 * thread's `require` passed in (a bundler would rewrite a `require` written here).
 */
function checkpointThread(load: NodeJS.Require): void {
  const { parentPort, workerData } = load('node:worker_threads');
  const { path, betterSqlite3 } = workerData as { path: string; betterSqlite3?: string };
  let db: { exec(sql: string): unknown; prepare(sql: string): { get(): unknown }; close(): void };
  if (betterSqlite3) {
    const Database = load(betterSqlite3);
    db = new Database(path);
  } else {
    // Loaded as startInbox loaded it; Node 22 warns "SQLite is an experimental feature" here.
    process.removeAllListeners('warning');
    const sqlite = process.getBuiltinModule('node:sqlite') as unknown as {
      DatabaseSync: new (path: string) => typeof db;
    };
    db = new sqlite.DatabaseSync(path);
  }
  // As the main connection: the checkpoint syncs the WAL before copying, the file after.
  db.exec('PRAGMA synchronous = NORMAL');
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  parentPort.on('message', (message: string) => {
    if (message === 'close') {
      db.close();
      parentPort.postMessage('closed');
      return;
    }
    const row = checkpoint.get() as Record<string, number | bigint>;
    parentPort.postMessage({
      busy: Number(row.busy),
      log: Number(row.log),
      checkpointed: Number(row.checkpointed),
    });
  });
}
