// Every query the API and the web UI run through the store, with SQLite's plan for it: each one
// that picks rows by issue, user, transaction, id or time must find them through an index (no
// scan of the events or issue_users rows). Guards schema 3, which dropped indexes to make ingest
// cheaper: removing or reshaping one more index makes this fail; and schema 4's partial
// `events_trace` (a query SQLite cannot prove `trace_id IS NOT NULL` for would not use it).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InboxStore } from '../src/inboxStore';
import { processEvent } from '../src/processEvent';
import { hasNodeSqlite, openSqlite, type SqliteDriverName, type SqlValue } from '../src/sqlite';
import { newEventId } from './helpers';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const dir = mkdtempSync(join(tmpdir(), 'x-inbox-plans-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function available(driver: SqliteDriverName): boolean {
  if (driver === 'node:sqlite') return hasNodeSqlite();
  try {
    openSqlite(':memory:', { driver }).close();
    return true;
  } catch {
    return false;
  }
}

/** SQLite's plan for `sql`, one detail line per step (parameters bound to 1). */
function plan(file: string, driver: SqliteDriverName, sql: string): string[] {
  const db = openSqlite(file, { driver });
  try {
    const named = [...new Set(sql.match(/@\w+/g) ?? [])];
    const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
    const rows = named.length
      ? statement.all(Object.fromEntries(named.map((name) => [name.slice(1), 1])))
      : statement.all(
          ...Array.from({ length: (sql.match(/\?/g) ?? []).length }, (): SqlValue => 1),
        );
    return rows.map((row) => String(row.detail));
  } finally {
    db.close();
  }
}

/** The SQL texts a store method compiles when first called (the store caches them by text). */
function newStatements(store: InboxStore, call: () => unknown): string[] {
  // The cache is private; reading it is how the test learns what a method runs.
  const cache = (store as unknown as { db: { statements: ReadonlyMap<string, unknown> } }).db
    .statements;
  const before = new Set(cache.keys());
  call();
  return [...cache.keys()].filter((sql) => !before.has(sql));
}

/** A full scan of event or issue-user rows (a covering index scan is not one). */
const ROW_SCAN = /^SCAN (events|issue_users|iu)\b(?! USING (COVERING )?INDEX)/;

describe.each<SqliteDriverName>(['better-sqlite3', 'node:sqlite'])(
  'query plans on %s',
  (driver) => {
    it.skipIf(!available(driver))('every filtered query reads through an index', () => {
      const file = join(dir, `${driver}.db`);
      const store = new InboxStore(file, { driver });
      const t0 = Date.UTC(2026, 0, 1);
      for (let i = 0; i < 30; i++) {
        const processed = processEvent(
          {
            event_id: newEventId(),
            message: `boom ${i % 3}`,
            transaction: `GET /r${i % 2}`,
            release: 'app@1',
            user: { id: `u${i % 5}` },
            // A third of the events carry a trace (the partial index holds only those).
            ...(i % 3 === 0
              ? { contexts: { trace: { trace_id: TRACE, span_id: '1'.repeat(16) } } }
              : {}),
          },
          { clientIp: undefined, now: t0 + i * 1000 },
        );
        if (!processed) throw new Error('not an event');
        store.insertEvent(processed.event, processed.grouping, 1);
      }
      const issue = store.listIssues({ sort: 'last_seen', limit: 1 }).data[0]?.id as number;
      const cursor = (page: { next_cursor: string | null }) => page.next_cursor ?? undefined;

      // [what the API/UI asks, the call, the index each of its statements must use]
      const cases: [string, () => unknown, RegExp][] = [
        [
          'events of an issue (API, issue page)',
          () =>
            store.listEvents({
              issue,
              limit: 2,
              cursor: cursor(store.listEvents({ issue, limit: 2 })),
            }),
          /SEARCH events USING INDEX events_issue \(issue_id=\? AND seq<\?\)|SEARCH events USING INDEX events_issue \(issue_id=\?\)/,
        ],
        [
          'events of a user',
          () => store.listEvents({ user: 'id:u1', limit: 2 }),
          /USING INDEX events_user \(user_key=\?\)/,
        ],
        [
          'events since',
          () => store.listEvents({ since: t0, limit: 2 }),
          /events_received|SCAN events/,
        ],
        [
          'events of a transaction',
          () => store.listEvents({ transaction: 'GET /r1', limit: 2 }),
          /USING INDEX events_transaction \(transaction_name=\?\)/,
        ],
        [
          'events of a trace (API, event page)',
          () =>
            store.listEvents({
              traceId: TRACE,
              limit: 2,
              cursor: cursor(store.listEvents({ traceId: TRACE, limit: 2 })),
            }),
          /SEARCH events USING (COVERING )?INDEX events_trace \(trace_id=\?/,
        ],
        [
          'issues of a trace',
          () => store.listIssues({ sort: 'last_seen', limit: 5, traceId: TRACE }),
          /SEARCH events USING (COVERING )?INDEX events_trace \(trace_id=\?\)/,
        ],
        ['one event', () => store.getEvent('x'), /USING INDEX sqlite_autoindex_events_1 \(id=\?\)/],
        [
          'issues of a transaction',
          () => store.listIssues({ sort: 'events', limit: 5, transaction: 'GET /r1' }),
          /USING COVERING INDEX events_issue_route \(issue_id=\? AND transaction_name=\?\)/,
        ],
        [
          'issues of a user',
          () => store.listIssues({ sort: 'users', limit: 5, user: 'id:u1' }),
          /USING COVERING INDEX issue_users_user \(user_key=\?\)/,
        ],
        [
          'an issue and its users',
          () => store.getIssue(issue),
          /SEARCH issue_users USING PRIMARY KEY \(issue_id=\?\)/,
        ],
        [
          "an issue's histogram",
          () => store.issueHistogram(issue, t0, t0 + 60_000, 10_000),
          /SEARCH events USING COVERING INDEX events_issue_route \(issue_id=\?\)/,
        ],
        ['a user', () => store.getUser('id:u1'), /issue_users_user \(user_key=\?\)/],
        [
          "a user's issues",
          () => store.listUserIssues('id:u1'),
          /issue_users_user \(user_key=\?\)/,
        ],
        ['a user export', () => store.exportUser('id:u2'), /events_user \(user_key=\?\)/],
        ['a user erased', () => store.eraseUser('id:u3'), /events_user \(user_key=\?\)/],
      ];
      try {
        for (const [what, call, index] of cases) {
          const statements = newStatements(store, call);
          const plans = statements.flatMap((sql) => plan(file, driver, sql));
          expect(plans, what).toEqual(expect.arrayContaining([expect.stringMatching(index)]));
          // `since` walks the rowid newest first and stops at the page size: the newest events are
          // the ones received since (as before schema 3).
          const scans = plans.filter((line) => ROW_SCAN.test(line) && what !== 'events since');
          expect(scans, `${what}: ${plans.join(' | ')}`).toEqual([]);
        }
      } finally {
        store.close();
      }
    });
  },
);
