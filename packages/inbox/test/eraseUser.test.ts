// Erase and export one user. Through the API (real HTTP, real SQLite): the counts are
// right right after erasure, the bytes are gone from the database file and its WAL, a cross-site
// DELETE is refused; the export holds the user's events and nothing of another user. And the
// `x-inbox erase-user` command on the built CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { truncateWal } from '../src/eraseUser';
import { InboxStore } from '../src/inboxStore';
import type { ErasedUser, IssueSummary, Page, UserExport } from '../src/index';
import type { SqlStatement } from '../src/sqlite';
import { BUILT_CLI, requireBuiltCli } from './builtCli';
import { eventEnvelope, get, newEventId, post, startTestInbox, type TestInbox } from './helpers';

const ALICE = { id: 'u-alice', email: 'alice-erase@example.com', username: 'alice' };
const BOB = { id: 'u-bob', email: 'bob-keep@example.com', username: 'bob' };

/** Same frames → same issue, whatever the message; `fn` picks the issue. */
function crash(fn: string, user: Record<string, unknown>, value = 'boom') {
  return {
    event_id: newEventId(),
    platform: 'node',
    exception: {
      values: [
        {
          type: 'Error',
          value,
          stacktrace: { frames: [{ filename: '/app/src/routes.js', function: fn, in_app: true }] },
        },
      ],
    },
    user,
  };
}

async function send(inbox: TestInbox, event: Record<string, unknown>): Promise<string> {
  const answer = await post(inbox, eventEnvelope(event));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return (answer.body as { id: string }).id;
}

/** alice: 2 events in "checkout" (the latest one names her in its message), 1 in "profile" (hers alone); bob: 2 in "checkout". */
async function seed(inbox: TestInbox) {
  const bobIds = [await send(inbox, crash('checkout', BOB))];
  const aliceIds = [await send(inbox, crash('checkout', ALICE))];
  bobIds.push(await send(inbox, crash('checkout', BOB)));
  aliceIds.push(await send(inbox, crash('profile', ALICE)));
  aliceIds.push(await send(inbox, crash('checkout', ALICE, `no cart for ${ALICE.email}`)));
  return { aliceIds, bobIds };
}

/** The database file and its WAL, as bytes on disk. */
function fileBytes(inbox: TestInbox): string {
  const parts = [inbox.dbFile, `${inbox.dbFile}-wal`].filter((file) => existsSync(file));
  return parts.map((file) => readFileSync(file).toString('latin1')).join('\n');
}

const aliceKey = encodeURIComponent('id:u-alice');

let inbox: TestInbox | undefined;
afterEach(async () => {
  await inbox?.dispose();
  inbox = undefined;
});

describe('DELETE /api/users/:userKey', () => {
  it('erases the user: events gone, issues recounted or removed, bytes gone from the file and WAL', async () => {
    const box = await startTestInbox({ geo: false });
    inbox = box;
    const { aliceIds, bobIds } = await seed(box);
    const before = await get<Page<IssueSummary>>(box, '/api/issues');
    const checkout = before.data.find((issue) => issue.event_count === 4);
    expect(checkout).toMatchObject({ user_count: 2, title: `Error: no cart for ${ALICE.email}` });
    expect(fileBytes(box)).toContain(ALICE.email);

    const response = await fetch(`${box.url}/api/users/${aliceKey}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect((await response.json()) as ErasedUser).toEqual({
      user_key: 'id:u-alice',
      events: 3,
      issues_removed: 1,
      issues_updated: 1,
    });

    // Counts are right at once: one issue left, bob's two events, one user; its latest is bob's.
    const after = await get<Page<IssueSummary>>(box, '/api/issues');
    expect(after.data).toEqual([
      expect.objectContaining({
        id: checkout?.id,
        event_count: 2,
        user_count: 1,
        title: 'Error: boom',
        last_event_id: bobIds[1],
      }),
    ]);
    const issue = await get<{ users: { user_key: string }[] }>(box, `/api/issues/${checkout?.id}`);
    expect(issue.users.map((u) => u.user_key)).toEqual(['id:u-bob']);
    for (const id of aliceIds) await get(box, `/api/events/${id}`, 404);
    expect((await get<Page<unknown>>(box, '/api/events?user=id:u-alice')).data).toEqual([]);
    expect(await get(box, '/api/health')).toMatchObject({ events: 2, issues: 1 });
    expect((await fetch(`${box.url}/users/${aliceKey}`)).status).toBe(404);

    // Gone from the bytes on disk (the database file and its -wal), not only from queries.
    const bytes = fileBytes(box);
    expect(bytes).not.toContain(ALICE.email);
    expect(bytes).not.toContain('u-alice');
    expect(bytes).toContain(BOB.email);

    const again = await fetch(`${box.url}/api/users/${aliceKey}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ detail: 'no event has this user key' });
  });

  it('events that arrive after an erasure are counted into the right issues and users', async () => {
    const box = await startTestInbox({ geo: false });
    inbox = box;
    await seed(box);
    const response = await fetch(`${box.url}/api/users/${aliceKey}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    // Alice again: into "checkout" (kept, bob's) and "profile" (removed with her, so new).
    await send(box, crash('checkout', ALICE));
    await send(box, crash('profile', ALICE));
    const after = await get<Page<IssueSummary>>(box, '/api/issues?sort=first_seen');
    expect(after.data.map(({ event_count, user_count }) => ({ event_count, user_count }))).toEqual([
      { event_count: 1, user_count: 1 },
      { event_count: 3, user_count: 2 },
    ]);
    // And after an erasure by another connection on the same file (as `x-inbox erase-user`).
    const other = new InboxStore(box.dbFile);
    try {
      expect(other.eraseUser('id:u-alice')).toMatchObject({ events: 2, issues_removed: 1 });
    } finally {
      other.close();
    }
    await send(box, crash('checkout', ALICE));
    await send(box, crash('profile', ALICE));
    await send(box, crash('profile', BOB));
    const last = await get<Page<IssueSummary>>(box, '/api/issues?sort=first_seen');
    expect(last.data.map(({ event_count, user_count }) => ({ event_count, user_count }))).toEqual([
      { event_count: 2, user_count: 2 },
      { event_count: 3, user_count: 2 },
    ]);
    expect(await get(box, '/api/health')).toMatchObject({ events: 5, issues: 2 });
  });

  it('refuses a DELETE from another site (Sec-Fetch-Site or Origin) and erases nothing', async () => {
    const box = await startTestInbox({ geo: false });
    inbox = box;
    await seed(box);
    const attempts = [
      { 'Sec-Fetch-Site': 'cross-site', Origin: 'http://evil.example' },
      { 'Sec-Fetch-Site': 'same-site', Origin: 'http://localhost:3000' },
      { Origin: 'http://evil.example' },
      { Origin: 'null' },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${box.url}/api/users/${aliceKey}`, {
        method: 'DELETE',
        headers,
      });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/is refused/);
    }
    expect(await get(box, '/api/health')).toMatchObject({ events: 5, refused: { cross_site: 4 } });
    // The inbox's own page (same origin) may.
    const own = await fetch(`${box.url}/api/users/${aliceKey}`, {
      method: 'DELETE',
      headers: { 'Sec-Fetch-Site': 'same-origin', Origin: box.url },
    });
    expect(own.status).toBe(200);
  });

  it('with a UI token, erasing needs it too', async () => {
    const box = await startTestInbox({ geo: false, uiAuth: 'erase-token-1' });
    inbox = box;
    await seed(box);
    const anonymous = await fetch(`${box.url}/api/users/${aliceKey}`, { method: 'DELETE' });
    expect(anonymous.status).toBe(401);
    const authorized = await fetch(`${box.url}/api/users/${aliceKey}`, {
      method: 'DELETE',
      headers: { Authorization: 'Bearer erase-token-1' },
    });
    expect(authorized.status).toBe(200);
  });
});

describe('GET /api/users/:userKey/export', () => {
  it("is a download with the user's events and issues, and nothing of another user", async () => {
    const box = await startTestInbox({ geo: false });
    inbox = box;
    const { aliceIds, bobIds } = await seed(box);
    // bob's event is now the latest of the shared issue: its summary would name bob's event.
    bobIds.push(await send(box, crash('checkout', BOB, `no cart for ${BOB.email}`)));
    const response = await fetch(`${box.url}/api/users/${aliceKey}/export`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="x-inbox-user-id_u-alice.json"',
    );
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await response.text();
    const exported = JSON.parse(text) as UserExport & { exported_at: string };
    expect(exported.user_key).toBe('id:u-alice');
    expect(exported.user).toMatchObject({ id: 'u-alice', email: ALICE.email });
    expect(exported.events.map((e) => e.id)).toEqual(aliceIds);
    expect(exported.events[2]?.event).toMatchObject({
      event_id: aliceIds[2],
      user: { email: ALICE.email },
      exception: { values: [{ value: `no cart for ${ALICE.email}` }] },
    });
    expect(exported.issues).toEqual([
      expect.objectContaining({ user_events: 2, title: `Error: no cart for ${ALICE.email}` }),
      expect.objectContaining({ user_events: 1, title: 'Error: boom' }),
    ]);
    for (const trace of ['u-bob', BOB.email, 'bob', ...bobIds]) expect(text).not.toContain(trace);

    await get(box, `/api/users/${encodeURIComponent('id:nobody')}/export`, 404);
  });
});

describe('x-inbox erase-user (built)', () => {
  requireBuiltCli();

  it('erases a user from a database file and says what it removed; an unknown key exits 3', async () => {
    const box = await startTestInbox({ geo: false });
    await seed(box);
    await box.close();
    try {
      const run = (...args: string[]) =>
        spawnSync(process.execPath, [BUILT_CLI, 'erase-user', ...args], { encoding: 'utf8' });
      const erased = run('id:u-alice', '--db', box.dbFile);
      expect(erased.stderr).toBe('');
      expect(erased.status).toBe(0);
      expect(erased.stdout.trim()).toBe(
        `erased id:u-alice from ${box.dbFile}: 3 event(s) deleted, 1 issue(s) removed, 1 recounted`,
      );
      const store = new InboxStore(box.dbFile);
      try {
        expect(store.counts()).toMatchObject({ events: 2, issues: 1 });
        expect(store.getUser('id:u-alice')).toBeUndefined();
        expect(store.listIssues({ sort: 'last_seen', limit: 10 }).data).toEqual([
          expect.objectContaining({ event_count: 2, user_count: 1 }),
        ]);
      } finally {
        store.close();
      }
      expect(readFileSync(box.dbFile).toString('latin1')).not.toContain(ALICE.email);

      const unknown = run('id:u-alice', '--db', box.dbFile);
      expect(unknown.status).toBe(3);
      expect(unknown.stderr).toContain('no event has the user key id:u-alice');
      const usage = run('--db', box.dbFile);
      expect(usage.status).toBe(2);
      expect(usage.stderr).toContain('erase-user needs exactly one user key');
      const missing = run('id:u-alice', '--db', join(box.dir, 'none.db'));
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain('no database at');
    } finally {
      await box.dispose();
    }
  });
});

describe('truncating the WAL after an erasure', () => {
  /** SQLite's answers to `PRAGMA wal_checkpoint(TRUNCATE)`, in turn (1: another connection was checkpointing). */
  function answering(busy: number[]) {
    const asked: string[] = [];
    const db = {
      sql(text: string): SqlStatement {
        asked.push(text);
        const row = { busy: busy.shift() ?? 0, log: 0, checkpointed: 0 };
        return {
          get: () => row,
          run: () => ({ changes: 0, lastInsertRowid: 0 }),
          all: () => [row],
        };
      },
    };
    return { db, asked };
  }

  it('tries again while another connection is checkpointing (SQLite answers busy at once)', () => {
    const { db, asked } = answering([1, 1, 0]);
    expect(truncateWal(db)).toBe(3);
    expect(asked).toEqual(Array(3).fill('PRAGMA wal_checkpoint(TRUNCATE)'));
  });

  it('says so when the WAL stays busy past its budget, rather than leaving erased bytes silently', () => {
    const { db } = answering(Array(100).fill(1));
    expect(() => truncateWal(db, 20)).toThrow(/could not be truncated/);
  });
});
