// The background checkpoint: the WAL is copied into the database file by a worker thread with
// its own connection, not after commits on the main one; many commits make one checkpoint; on
// close the thread's connection goes first so the main one removes the WAL; a thread that fails
// hands checkpoints back to SQLite. Real inbox, real HTTP, real SQLite files (on Node 20 through
// better-sqlite3, on Node ≥ 22.13 through node:sqlite).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer } from '../src/checkpointer';
import { chooseSqliteDriver, openSqlite } from '../src/sqlite';
import { BUILT_CLI, requireBuiltCli } from './builtCli';
import {
  eventEnvelope,
  get,
  newEventId,
  post,
  startTestInbox,
  type TestInbox,
  until,
} from './helpers';

interface Health {
  events: number;
  ingest: {
    transactions: number;
    checkpoints: { runs: number; busy: number; wal_frames: number; failed: boolean } | null;
  };
}

/** A scheduler that holds each checkpoint until the test starts it. */
function heldSchedule() {
  const held: (() => void)[] = [];
  return {
    held,
    schedule: (start: () => void) => void held.push(start),
    release: () => {
      for (const start of held.splice(0)) start();
    },
  };
}

/** Events in the database file alone, read from a copy without its WAL (what was checkpointed). */
function eventsInDatabaseFile(dbFile: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'x-inbox-copy-'));
  try {
    const copy = join(dir, 'copy.db');
    copyFileSync(dbFile, copy);
    const db = openSqlite(copy);
    try {
      // Before the first checkpoint even the tables are only in the WAL.
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'events'");
      if (Number(tables.get()?.n) === 0) return 0;
      return Number(db.prepare('SELECT count(*) AS n FROM events').get()?.n);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sendEvents(inbox: TestInbox, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const event = {
      event_id: newEventId(),
      platform: 'node',
      message: `checkpoint ${i}`,
      user: { id: `u${i % 7}`, email: `u${i % 7}@example.com` },
      exception: { values: [{ type: 'Error', value: `boom ${i}` }] },
    };
    const answer = await post(inbox, eventEnvelope(event));
    expect(answer.status).toBe(200);
  }
}

let inbox: TestInbox | undefined;
afterEach(async () => {
  await inbox?.dispose();
  inbox = undefined;
});

describe('background checkpoints', () => {
  it('copies the WAL into the database file on the thread, once for many commits', async () => {
    const clock = heldSchedule();
    const box = await startTestInbox({ geo: false, checkpointSchedule: clock.schedule });
    inbox = box;
    const runs = async () => (await get<Health>(box, '/api/health')).ingest.checkpoints?.runs;
    await sendEvents(box, 40);
    const before = await get<Health>(inbox, '/api/health');
    expect(before.ingest.transactions).toBeGreaterThanOrEqual(40);
    // 40 commits, one checkpoint waiting; the main connection has not checkpointed (40 events
    // write a few hundred pages, SQLite's default autocheckpoint would wait for 1,000).
    expect(clock.held).toHaveLength(1);
    expect(before.ingest.checkpoints).toMatchObject({ runs: 0, failed: false });
    expect(eventsInDatabaseFile(inbox.dbFile)).toBe(0);

    clock.release();
    await until(async () => (await runs()) === 1);
    const after = await get<Health>(inbox, '/api/health');
    expect(after.ingest.checkpoints).toMatchObject({ runs: 1, busy: 0, failed: false });
    expect(after.ingest.checkpoints?.wal_frames).toBeGreaterThan(0);
    expect(eventsInDatabaseFile(inbox.dbFile)).toBe(40);
    expect(clock.held).toHaveLength(0);

    // Commits after it schedule the next one.
    await sendEvents(inbox, 3);
    expect(clock.held).toHaveLength(1);
    clock.release();
    await until(async () => (await runs()) === 2);
    expect(eventsInDatabaseFile(inbox.dbFile)).toBe(43);
  });

  it('close: once it resolves, both connections are closed, the WAL is gone and every event is in the database file', async () => {
    const clock = heldSchedule();
    const box = await startTestInbox({ geo: false, checkpointSchedule: clock.schedule });
    await sendEvents(box, 5);
    expect(existsSync(`${box.dbFile}-wal`)).toBe(true);
    await box.close();
    expect(existsSync(`${box.dbFile}-wal`)).toBe(false);
    expect(eventsInDatabaseFile(box.dbFile)).toBe(5);
    rmSync(box.dir, { recursive: true, force: true });
  });

  it('checkpoints the file the inbox opened, after the process changed directory', async () => {
    const home = mkdtempSync(join(tmpdir(), 'x-inbox-cwd-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'x-inbox-elsewhere-'));
    const cwd = process.cwd();
    const clock = heldSchedule();
    try {
      process.chdir(home);
      const box = await startTestInbox(
        { geo: false, dbPath: 'relative.db', checkpointSchedule: clock.schedule },
        home,
      );
      inbox = box;
      process.chdir(elsewhere);
      await sendEvents(box, 4);
      clock.release();
      await until(
        async () => (await get<Health>(box, '/api/health')).ingest.checkpoints?.runs === 1,
      );
      expect(eventsInDatabaseFile(join(home, 'relative.db'))).toBe(4);
      expect(existsSync(join(elsewhere, 'relative.db'))).toBe(false);
    } finally {
      process.chdir(cwd);
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('runs no thread with backgroundCheckpoints: false or a database in memory', async () => {
    inbox = await startTestInbox({ geo: false, backgroundCheckpoints: false });
    await sendEvents(inbox, 1);
    expect((await get<Health>(inbox, '/api/health')).ingest.checkpoints).toBeNull();
    await inbox.dispose();
    inbox = await startTestInbox({ geo: false, dbPath: ':memory:' });
    expect((await get<Health>(inbox, '/api/health')).ingest.checkpoints).toBeNull();
  });
});

describe('Checkpointer', () => {
  it('reports a thread that cannot open the database once, and then does nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x-inbox-ckpt-'));
    const failures: unknown[] = [];
    const scheduled: (() => void)[] = [];
    let failed: () => void = () => {};
    const failedOnce = new Promise<void>((resolve) => {
      failed = resolve;
    });
    try {
      const checkpointer = new Checkpointer({
        path: join(dir, 'missing', 'inbox.db'), // a folder that does not exist
        driver: chooseSqliteDriver(),
        schedule: (start) => void scheduled.push(start),
        onFailure: (error) => {
          failures.push(error);
          failed();
        },
      });
      checkpointer.committed();
      expect(scheduled).toHaveLength(1);
      await failedOnce;
      expect(String(failures[0])).toMatch(
        /unable to open|directory does not exist|SQLITE_CANTOPEN/i,
      );
      expect(checkpointer.stats.failed).toBe(true);
      await checkpointer.idle();
      checkpointer.committed();
      for (const start of scheduled.splice(0)) start();
      expect(scheduled).toHaveLength(0);
      await checkpointer.close();
      expect(failures).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('close in a process with nothing else to do (the built package)', () => {
  requireBuiltCli();

  it('resolves, and the WAL is gone, when the thread is the last thing left in the event loop', () => {
    const dir = mkdtempSync(join(tmpdir(), 'x-inbox-close-'));
    try {
      const entry = join(dirname(BUILT_CLI), 'index.js');
      const script = `
        import { existsSync } from 'node:fs';
        import { startInbox } from ${JSON.stringify(entry)};
        const dbPath = ${JSON.stringify(join(dir, 'inbox.db'))};
        const inbox = await startInbox({ port: 0, dbPath, geo: false, log: () => {} });
        const body = '{"event_id":"${'a'.repeat(32)}"}\\n{"type":"event"}\\n{"message":"hi"}';
        const answer = await fetch(inbox.url + '/api/1/envelope/?sentry_key=k', { method: 'POST', body });
        await inbox.close();
        console.log(JSON.stringify({ status: answer.status, closed: true, wal: existsSync(dbPath + '-wal') }));
      `;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0); // 13: the process ended with `close()` still pending
      expect(JSON.parse(run.stdout)).toEqual({ status: 200, closed: true, wal: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
