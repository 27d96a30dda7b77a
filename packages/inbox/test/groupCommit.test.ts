// Group commit. Envelopes that arrive together are stored in ONE SQLite transaction and
// each is answered only after that transaction committed; a bad envelope in a batch gets its own
// answer and the others are stored. Real SQLite, real HTTP; the flush is held by an injected
// scheduler (no sleeps), so "in one batch" is deterministic.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../src/sqlite';
import { BUILT_CLI, requireBuiltCli } from './builtCli';
import {
  type Answer,
  envelope,
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
  client_reports: number;
  ingest: {
    transactions: number;
    stored: number;
    failed: number;
    largest_batch: number;
    pending: number;
  };
}

/** A scheduler that holds the flush until the test calls `release()`. */
function heldScheduler() {
  let flush: (() => void) | undefined;
  return {
    schedule: (f: () => void) => {
      flush = f;
    },
    release() {
      const f = flush;
      flush = undefined;
      f?.();
    },
  };
}

/** Event ids visible to a FRESH connection on the database file (what another reader sees). */
function storedIds(dbFile: string): Set<string> {
  const db = openSqlite(dbFile);
  try {
    return new Set(
      db
        .prepare('SELECT id FROM events')
        .all()
        .map((row) => String(row.id)),
    );
  } finally {
    db.close();
  }
}

function countReports(dbFile: string): number {
  const db = openSqlite(dbFile);
  try {
    return Number(db.prepare('SELECT count(*) AS n FROM client_reports').get()?.n);
  } finally {
    db.close();
  }
}

const waitPending = (inbox: TestInbox, n: number) =>
  until(async () => (await get<Health>(inbox, '/api/health')).ingest.pending === n);

function event(id: string, userId: string) {
  return {
    event_id: id,
    platform: 'node',
    exception: { values: [{ type: 'Error', value: 'batched' }] },
    user: { id: userId },
  };
}

const report = { timestamp: 1_800_000_000, discarded_events: [] };

let inbox: TestInbox | undefined;
afterEach(async () => {
  await inbox?.dispose();
  inbox = undefined;
});

describe('group commit', () => {
  it('stores concurrent envelopes in one transaction and answers each only after it committed', async () => {
    const held = heldScheduler();
    const box = await startTestInbox({ geo: false, ingestSchedule: held.schedule });
    inbox = box;
    const ids = Array.from({ length: 20 }, () => newEventId());
    const answered: string[] = [];
    // When each answer arrives, a fresh connection must already see that event.
    const seenOnAnswer = new Map<string, boolean>();
    const requests = ids.map(async (id, i) => {
      const answer = await post(box, eventEnvelope(event(id, `u${i % 4}`)));
      seenOnAnswer.set(id, storedIds(box.dbFile).has(id));
      answered.push(id);
      return answer;
    });

    await waitPending(box, 20);
    expect(answered).toEqual([]);
    expect(storedIds(box.dbFile).size).toBe(0);

    held.release();
    const answers = await Promise.all(requests);
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
    expect(answers.map((a) => (a.body as { id: string }).id)).toEqual(ids);
    expect([...seenOnAnswer.values()]).toEqual(ids.map(() => true));
    const health = await get<Health>(box, '/api/health');
    expect(health.ingest).toMatchObject({ transactions: 1, stored: 20, largest_batch: 20 });
    expect(health.events).toBe(20);
    // Counts are right: one issue, 20 events, 4 users.
    const issues = await get<{ data: { event_count: number; user_count: number }[] }>(
      box,
      '/api/issues',
    );
    expect(issues.data).toEqual([expect.objectContaining({ event_count: 20, user_count: 4 })]);
  });

  it('a malformed envelope among concurrent ones gets its 400 at once; the others are stored', async () => {
    const held = heldScheduler();
    const box = await startTestInbox({ geo: false, ingestSchedule: held.schedule });
    inbox = box;
    const ids = Array.from({ length: 8 }, () => newEventId());
    const good = ids.map((id) => post(box, eventEnvelope(event(id, 'u1'))));
    await waitPending(box, 8);
    // While the batch is held: refused before it is queued, so nothing waits for the batch.
    const bad = await post(
      box,
      envelope({ event_id: newEventId() }, [{ type: 'event' }, '{"not json']),
    );
    expect(bad.status).toBe(400);
    expect((bad.body as { detail: string }).detail).toMatch(/item 1 \(event\)/);
    held.release();
    expect((await Promise.all(good)).map((a) => a.status)).toEqual(ids.map(() => 200));
    expect(storedIds(box.dbFile)).toEqual(new Set(ids));
  });

  it('an envelope whose write fails is rolled back alone (event and client report); the batch commits', async () => {
    const held = heldScheduler();
    const box = await startTestInbox({ geo: false, ingestSchedule: held.schedule });
    inbox = box;
    const poisoned = refuseInsertOf(box.dbFile);
    const ids = Array.from({ length: 6 }, () => newEventId());
    const withReport = (id: string) =>
      envelope(
        { event_id: id },
        [{ type: 'client_report' }, report],
        [{ type: 'event' }, event(id, 'u2')],
      );
    const answers: Promise<Answer>[] = [...ids.slice(0, 3), poisoned, ...ids.slice(3)].map((id) =>
      post(box, withReport(id)),
    );
    await waitPending(box, 7);
    held.release();
    const statuses = (await Promise.all(answers)).map((a) => a.status);
    expect(statuses).toEqual([200, 200, 200, 500, 200, 200, 200]);
    // The poisoned envelope left nothing: no event, no client report, and its issue upsert (run
    // before the refused INSERT) rolled back with it.
    expect(storedIds(box.dbFile)).toEqual(new Set(ids));
    expect(countReports(box.dbFile)).toBe(6);
    const health = await get<Health>(box, '/api/health');
    expect(health.ingest).toMatchObject({ transactions: 1, stored: 6, failed: 1 });
    expect(box.logs.join('\n')).toContain('refused by the test');
    // The issue's counts include only what was stored.
    const issues = await get<{ data: { event_count: number }[] }>(box, '/api/issues');
    expect(issues.data.map((i) => i.event_count)).toEqual([6]);
  });

  it('after a batch is rolled back and written again, a new issue and user are counted from what was stored', async () => {
    const held = heldScheduler();
    const box = await startTestInbox({ geo: false, ingestSchedule: held.schedule });
    inbox = box;
    const poisoned = refuseInsertOf(box.dbFile);
    // In one batch: a new issue and user written before the poisoned event of that same issue
    // and user, then more of both. The batch is written twice (the first attempt rolls back
    // whole), so rows the first attempt created are gone when the second one runs.
    const other = (id: string) => ({
      event_id: id,
      platform: 'node',
      exception: { values: [{ type: 'OtherError', value: 'batched' }] },
      user: { id: 'u-new' },
    });
    const first = [newEventId(), poisoned, newEventId()];
    const answers = first.map((id) => post(box, eventEnvelope(other(id))));
    await waitPending(box, 3);
    held.release();
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual([200, 500, 200]);
    // A later batch of the same issue and user, and one of another user.
    const later = [newEventId(), newEventId()];
    const laterAnswers = [
      post(box, eventEnvelope(other(later[0] as string))),
      post(box, eventEnvelope({ ...other(later[1] as string), user: { id: 'u-other' } })),
    ];
    await waitPending(box, 2);
    held.release();
    expect((await Promise.all(laterAnswers)).map((a) => a.status)).toEqual([200, 200]);
    expect(storedIds(box.dbFile)).toEqual(new Set([first[0], first[2], ...later]));
    const issues = await get<{ data: { id: number; event_count: number; user_count: number }[] }>(
      box,
      '/api/issues',
    );
    expect(issues.data).toEqual([expect.objectContaining({ event_count: 4, user_count: 2 })]);
    const issue = await get<{ users: { user_key: string; event_count: number }[] }>(
      box,
      `/api/issues/${issues.data[0]?.id}`,
    );
    expect(issue.users).toEqual([
      expect.objectContaining({ user_key: 'id:u-new', event_count: 3 }),
      expect.objectContaining({ user_key: 'id:u-other', event_count: 1 }),
    ]);
  });

  it('the same event id twice in one batch is stored once; both envelopes are answered 200', async () => {
    const held = heldScheduler();
    const box = await startTestInbox({ geo: false, ingestSchedule: held.schedule });
    inbox = box;
    const twice = newEventId();
    const ids = [newEventId(), twice, newEventId(), twice];
    const answers = ids.map((id) => post(box, eventEnvelope(event(id, 'u-dup'))));
    await waitPending(box, 4);
    held.release();
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(storedIds(box.dbFile)).toEqual(new Set(ids));
    const health = await get<Health>(box, '/api/health');
    expect(health.events).toBe(3);
    expect(health.ingest).toMatchObject({ transactions: 1, stored: 4, failed: 0 });
    const issues = await get<{ data: { event_count: number; user_count: number }[] }>(
      box,
      '/api/issues',
    );
    expect(issues.data).toEqual([expect.objectContaining({ event_count: 3, user_count: 1 })]);
  });

  it('without a held scheduler, many concurrent envelopes are all stored and counted', async () => {
    const box = await startTestInbox({ geo: false });
    inbox = box;
    const ids = Array.from({ length: 60 }, () => newEventId());
    const answers = await Promise.all(
      ids.map((id, i) => post(box, eventEnvelope(event(id, `u${i % 7}`)))),
    );
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
    expect(storedIds(box.dbFile)).toEqual(new Set(ids));
    const health = await get<Health>(box, '/api/health');
    expect(health.ingest.stored).toBe(60);
    expect(health.ingest.transactions).toBeLessThanOrEqual(60);
    const issues = await get<{ data: { event_count: number; user_count: number }[] }>(
      box,
      '/api/issues',
    );
    expect(issues.data).toEqual([expect.objectContaining({ event_count: 60, user_count: 7 })]);
  });
});

describe('crash safety (built x-inbox)', () => {
  requireBuiltCli();

  it('every envelope answered 200 is in the database after the process is killed (SIGKILL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x-inbox-crash-'));
    const dbFile = join(dir, 'inbox.db');
    const child = spawn(process.execPath, [BUILT_CLI, '--port', '0', '--no-geo', '--db', dbFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const listening = new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const url = /listening on (\S+)/.exec(out)?.[1];
          if (url && out.includes('web UI:')) resolve(url);
        });
        child.once('exit', () => reject(new Error(`x-inbox exited: ${out}`)));
      });
      const url = await listening;
      const ids = Array.from({ length: 40 }, () => newEventId());
      const statuses = await Promise.all(
        ids.map(async (id) => {
          const response = await fetch(`${url}/api/1/envelope/`, {
            method: 'POST',
            headers: { 'X-Sentry-Auth': 'Sentry sentry_key=xinboxdevkey' },
            body: eventEnvelope(event(id, 'crash')),
          });
          return response.status;
        }),
      );
      expect(statuses).toEqual(ids.map(() => 200));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      // Recovered from the WAL by the next connection, as the inbox would on restart.
      expect(storedIds(dbFile)).toEqual(new Set(ids));
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A new event id whose INSERT fails: a real SQLite failure for one row (a trigger, created
 * through a second connection on the inbox's file).
 */
function refuseInsertOf(dbFile: string): string {
  const poisoned = newEventId();
  const db = openSqlite(dbFile);
  db.exec(
    `CREATE TRIGGER refuse_one BEFORE INSERT ON events WHEN NEW.id = '${poisoned}'
       BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
  );
  db.close();
  return poisoned;
}
