// `GET /api/issues/:id?by=`: users counted by a key of their custom data, through a real inbox —
// values of every JSON type, keys that are not identifiers, users without the key, another issue
// kept apart, data edited by hand into a string — and SQLite's plan for the queries (the issue's own
// `issue_users` rows through their primary key, no scan).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboxStore } from '../src/inboxStore';
import type { IssueDetail } from '../src/index';
import { processEvent } from '../src/processEvent';
import { openSqlite } from '../src/sqlite';
import { get, newEventId, sendEvent, startTestInbox, type TestInbox } from './helpers';

let inbox: TestInbox;
let issueId: number;

/** An error event of one issue (`type`) from `user`. */
function event(user: Record<string, unknown>, type = 'Error'): Record<string, unknown> {
  return {
    event_id: newEventId(),
    platform: 'node',
    level: 'error',
    exception: { values: [{ type, value: 'boom' }] },
    user,
  };
}

async function usersBy(key: string): Promise<IssueDetail['users_by']> {
  const issue = await get<IssueDetail>(
    inbox,
    `/api/issues/${issueId}?by=${encodeURIComponent(key)}`,
  );
  return issue.users_by;
}

beforeAll(async () => {
  inbox = await startTestInbox();
  const stored = await sendEvent(
    inbox,
    event({ id: 'u1', seats: 3, trial: true, 'plan.tier': 'gold', 'say "hi"': 1, org: { a: 1 } }),
  );
  issueId = stored.issue_id;
  await sendEvent(inbox, event({ id: 'u2', seats: 3, trial: false, 'plan.tier': 'gold' }));
  await sendEvent(inbox, event({ id: 'u3', seats: '3', org: { a: 1 } }));
  // Custom data sent as `data` merges with custom keys.
  await sendEvent(inbox, event({ id: 'u4', data: { seats: null } }));
  // Another issue: its users never count here.
  await sendEvent(inbox, event({ id: 'u5', seats: 3 }, 'TypeError'));
});

afterAll(async () => {
  await inbox?.dispose();
});

describe('users by a custom key through the API', () => {
  it('offers the keys of the issue users’ data, sorted', async () => {
    const issue = await get<IssueDetail>(inbox, `/api/issues/${issueId}`);
    expect(issue.user_data_keys).toEqual(['org', 'plan.tier', 'say "hi"', 'seats', 'trial']);
    expect(issue.users_by).toBeUndefined();
  });

  it('counts users per value with its JSON type, users without the key apart', async () => {
    expect(await usersBy('seats')).toEqual({
      key: 'seats',
      values: [
        { value: 3, users: 2 },
        { value: null, users: 1 },
        { value: '3', users: 1 },
      ],
      users_without: 0,
      more_values: false,
    });
    expect((await usersBy('trial'))?.values).toEqual([
      { value: false, users: 1 },
      { value: true, users: 1 },
    ]);
    expect(await usersBy('plan.tier')).toMatchObject({
      values: [{ value: 'gold', users: 2 }],
      users_without: 2,
    });
    expect((await usersBy('say "hi"'))?.values).toEqual([{ value: 1, users: 1 }]);
    expect((await usersBy('org'))?.values).toEqual([{ value: { a: 1 }, users: 2 }]);
    expect(await usersBy('nope')).toEqual({
      key: 'nope',
      values: [],
      users_without: 4,
      more_values: false,
    });
  });

  it('a user whose data is not an object (edited by hand) counts as without the key', async () => {
    const db = openSqlite(inbox.dbFile);
    try {
      db.prepare(
        `UPDATE issue_users SET user_json = '{"id":"u1","data":"text"}'
           WHERE issue_id = ? AND user_key = 'id:u1'`,
      ).run(issueId);
    } finally {
      db.close();
    }
    expect(await usersBy('seats')).toMatchObject({
      values: [
        { value: 3, users: 1 },
        { value: null, users: 1 },
        { value: '3', users: 1 },
      ],
      users_without: 1,
    });
  });

  it('refuses an empty or overlong key', async () => {
    await get(inbox, `/api/issues/${issueId}?by=`, 400);
    await get(inbox, `/api/issues/${issueId}?by=${'k'.repeat(201)}`, 400);
  });
});

describe('query plans', () => {
  it("reads only the issue's users, through the primary key", () => {
    const dir = mkdtempSync(join(tmpdir(), 'x-inbox-users-by-'));
    const file = join(dir, 'inbox.db');
    const store = new InboxStore(file);
    try {
      for (let i = 0; i < 20; i++) {
        const processed = processEvent(
          { event_id: newEventId(), message: `boom ${i % 2}`, user: { id: `u${i}`, plan: i % 3 } },
          { clientIp: undefined, now: Date.UTC(2026, 0, 1) + i },
        );
        if (!processed) throw new Error('not an event');
        store.insertEvent(processed.event, processed.grouping, 1);
      }
      const issue = store.listIssues({ sort: 'last_seen', limit: 1 }).data[0]?.id as number;
      const cache = (store as unknown as { db: { statements: ReadonlyMap<string, unknown> } }).db
        .statements;
      const before = new Set(cache.keys());
      expect(store.getIssue(issue)?.user_data_keys).toEqual(['plan']);
      expect(store.issueUsersBy(issue, 'plan').values).toHaveLength(3);
      const statements = [...cache.keys()].filter(
        (sql) => !before.has(sql) && /json_each/.test(sql),
      );
      expect(statements).toHaveLength(3);
      const db = openSqlite(file);
      try {
        for (const sql of statements) {
          const args = (sql.match(/\?/g) ?? []).map(() => 1);
          const plan = db
            .prepare(`EXPLAIN QUERY PLAN ${sql}`)
            .all(...args)
            .map((row) => String(row.detail));
          expect(plan, sql).toEqual(
            expect.arrayContaining([
              expect.stringMatching(/^SEARCH iu USING PRIMARY KEY \(issue_id=\?\)/),
            ]),
          );
          expect(
            plan.filter((line) => /^SCAN (iu|issue_users|events)\b/.test(line)),
            sql,
          ).toEqual([]);
        }
      } finally {
        db.close();
      }
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
