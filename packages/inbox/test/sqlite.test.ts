// The two SQLite drivers (node:sqlite, better-sqlite3) behind one interface:
// the store gives the same answers on each, and a driver that cannot load is
// reported in one line that says what to do.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InboxStore } from '../src/inboxStore';
import { processEvent } from '../src/processEvent';
import {
  chooseSqliteDriver,
  hasNodeSqlite,
  openSqlite,
  type SqliteDriverName,
  SqliteUnavailableError,
  sqliteLoadError,
} from '../src/sqlite';
import { newEventId } from './helpers';
import { cleanEnv } from './installFixture';
import { SCHEMA_V1_DDL } from './schemaV1';
import { SCHEMA_V2_DDL } from './schemaV2';
import { SCHEMA_V3_DDL } from './schemaV3';

const node = process.versions.node;
const dir = mkdtempSync(join(tmpdir(), 'x-inbox-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Why a driver cannot run here, or `undefined` when it can. */
function unavailable(driver: SqliteDriverName): string | undefined {
  if (driver === 'node:sqlite')
    return hasNodeSqlite() ? undefined : `Node ${node} has no node:sqlite`;
  try {
    openSqlite(':memory:', { driver }).close();
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^@x\/inbox: /, '').split(':')[0];
  }
}

/** Processes an event payload as ingest would and stores it. */
function store(inbox: InboxStore, payload: Record<string, unknown>, now = Date.now()): boolean {
  const processed = processEvent(
    { event_id: newEventId(), ...payload },
    { clientIp: undefined, now },
  );
  if (!processed) throw new Error('not an event');
  return inbox.insertEvent(processed.event, processed.grouping, 1);
}

describe.each<SqliteDriverName>(['better-sqlite3', 'node:sqlite'])('InboxStore on %s', (driver) => {
  const reason = unavailable(driver);
  const title = (text: string) => (reason ? `${text} (skipped: ${reason})` : text);

  it.skipIf(reason !== undefined)(title('stores, groups, counts users and pages'), () => {
    const inbox = new InboxStore(join(dir, `${driver}-a.db`), { driver });
    try {
      expect(inbox.driver).toBe(driver);
      const t0 = Date.UTC(2026, 0, 1);
      for (let i = 0; i < 5; i++) {
        expect(store(inbox, { message: 'boom', user: { id: `u${i % 2}` } }, t0 + i * 1000)).toBe(
          true,
        );
      }
      store(inbox, { message: 'other', user: { email: 'e@example.com' } }, t0 + 10_000);

      const issues = inbox.listIssues({ sort: 'events', limit: 10 });
      expect(issues.data.map((i) => [i.title, i.event_count, i.user_count])).toEqual([
        ['boom', 5, 2],
        ['other', 1, 1],
      ]);
      const boom = inbox.getIssue(issues.data[0]?.id as number);
      expect(boom?.users.map((u) => [u.user_key, u.event_count])).toEqual([
        ['id:u0', 3],
        ['id:u1', 2],
      ]);
      expect(boom?.first_seen).toBe(new Date(t0).toISOString());

      const page1 = inbox.listEvents({ limit: 4 });
      expect(page1.data).toHaveLength(4);
      const page2 = inbox.listEvents({ limit: 4, cursor: page1.next_cursor as string });
      expect(page2.data).toHaveLength(2);
      expect(page2.next_cursor).toBeNull();
      expect(new Set([...page1.data, ...page2.data].map((e) => e.id)).size).toBe(6);
      expect(inbox.listEvents({ limit: 10, user: 'id:u1' }).data).toHaveLength(2);

      const detail = inbox.getEvent(page1.data[0]?.id as string);
      expect(detail?.event).toMatchObject({ logentry: { formatted: 'other' } });
      expect(inbox.counts()).toEqual({ events: 6, issues: 2, client_reports: 0 });
      expect(inbox.latestSeq()).toBe(6);

      // Named parameters (`@issue`, `@from`, …) in the issue chart's query.
      const histogram = inbox.issueHistogram(boom?.id as number, t0, t0 + 5000, 2000);
      expect(histogram.map((b) => b.count)).toEqual([2, 2, 1]);
    } finally {
      inbox.close();
      inbox.close(); // twice is fine
    }
  });

  it.skipIf(reason !== undefined)(title('ignores a duplicate event id and changes nothing'), () => {
    const inbox = new InboxStore(':memory:', { driver });
    try {
      const processed = processEvent(
        { event_id: newEventId(), message: 'once', user: { id: 'u' } },
        { clientIp: undefined, now: Date.now() },
      );
      if (!processed) throw new Error('not an event');
      expect(inbox.insertEvent(processed.event, processed.grouping, 1)).toBe(true);
      expect(inbox.insertEvent(processed.event, processed.grouping, 1)).toBe(false);
      expect(inbox.counts().events).toBe(1);
      expect(inbox.getIssue(1)).toMatchObject({ event_count: 1, user_count: 1 });
    } finally {
      inbox.close();
    }
  });

  it.skipIf(reason !== undefined)(
    title('reads integers beyond 2^53 as numbers, as better-sqlite3 does (no RangeError)'),
    () => {
      const db = openSqlite(':memory:', { driver });
      try {
        expect(db.prepare('SELECT -10000000000000000 AS v').get()).toEqual({ v: -1e16 });
        expect(db.prepare('SELECT ? AS big').get(2n ** 62n)).toEqual({ big: 2 ** 62 });
        expect(db.prepare('SELECT ? AS n, ? AS s').all(7, 'x')).toEqual([{ n: 7, s: 'x' }]);
        // Rows are plain objects on both drivers (node:sqlite's have a null prototype).
        expect(Object.getPrototypeOf(db.prepare('SELECT 1 AS one').get())).toBe(Object.prototype);
      } finally {
        db.close();
      }
    },
  );

  it.skipIf(reason !== undefined)(
    title('rolls a failed transaction back, nested ones to their savepoint'),
    () => {
      const db = openSqlite(':memory:', { driver });
      try {
        db.exec('CREATE TABLE t (v INTEGER NOT NULL)');
        const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
        const count = () => db.prepare('SELECT count(*) AS n FROM t').get()?.n;
        const both = db.transaction((a: number | null, b: number | null) => {
          insert.run(a);
          insert.run(b);
          return 'done';
        });
        expect(both(1, 2)).toBe('done');
        expect(() => both(3, null)).toThrow(/NOT NULL/);
        expect(count()).toBe(2);

        const inner = db.transaction((v: number | null) => insert.run(v));
        const outer = db.transaction(() => {
          insert.run(10);
          expect(() => inner(null)).toThrow(/NOT NULL/);
          inner(11);
        });
        outer();
        expect(db.prepare('SELECT v FROM t ORDER BY v').all()).toEqual([
          { v: 1 },
          { v: 2 },
          { v: 10 },
          { v: 11 },
        ]);
        // Still usable: no transaction left open.
        insert.run(12);
        db.exec('BEGIN');
        db.exec('COMMIT');
      } finally {
        db.close();
        expect(db.open).toBe(false);
      }
    },
  );

  it.skipIf(reason !== undefined)(
    title('keeps the data across reopening and refuses a newer schema'),
    () => {
      const file = join(dir, `${driver}-b.db`);
      const first = new InboxStore(file, { driver });
      store(first, { message: 'kept' });
      first.close();
      const again = new InboxStore(file, { driver });
      expect(again.counts().events).toBe(1);
      again.close();
      const raw = openSqlite(file, { driver });
      raw.exec('PRAGMA user_version = 99');
      raw.close();
      expect(() => new InboxStore(file, { driver })).toThrow(
        '@x/inbox: the database was written by a newer inbox (schema 99 > 4)',
      );
    },
  );
  it.skipIf(reason !== undefined)(
    title('migrates a version 1 database: transaction columns added and filled from the events'),
    () => {
      const file = join(dir, `${driver}-v1.db`);
      const raw = openSqlite(file, { driver });
      raw.exec(SCHEMA_V1_DDL);
      raw.exec('PRAGMA user_version = 1');
      const t0 = Date.UTC(2026, 0, 1);
      raw
        .prepare(
          `INSERT INTO issues (id, project_id, hash, title, culprit, level, first_seen, last_seen,
             event_count, last_event_id) VALUES (1, 1, 'h1', 'Error: boom', 'routes in boom', 'error', ?, ?, 3, 'e3'),
             (2, 1, 'h2', 'odd', '', 'error', ?, ?, 1, 'e4')`,
        )
        .run(t0, t0 + 2000, t0, t0);
      const insert = raw.prepare(
        `INSERT INTO events (id, project_id, issue_id, received, timestamp, level, title, data)
           VALUES (?, 1, ?, ?, ?, 'error', 'Error: boom', ?)`,
      );
      insert.run('e1', 1, t0, t0, JSON.stringify({ transaction: 'GET /boom/:id' }));
      insert.run('e2', 1, t0 + 1000, t0, JSON.stringify({ message: 'no transaction' }));
      insert.run('e3', 1, t0 + 2000, t0, JSON.stringify({ transaction: 'GET /users/[id]' }));
      insert.run('e4', 2, t0, t0, 'not json, edited by hand');
      raw.close();

      const migrated = new InboxStore(file, { driver });
      try {
        expect(migrated.getIssueSummary(1)?.transaction).toBe('GET /users/[id]');
        expect(migrated.getIssueSummary(2)?.transaction).toBeNull();
        expect(migrated.getEvent('e1')?.transaction).toBe('GET /boom/:id');
        expect(migrated.getEvent('e2')?.transaction).toBeNull();
        const boom = migrated.listEvents({ limit: 10, transaction: 'GET /boom/:id' });
        expect(boom.data.map((e) => e.id)).toEqual(['e1']);
        const issues = migrated.listIssues({
          sort: 'events',
          limit: 10,
          transaction: 'GET /boom/:id',
        });
        expect(issues.data.map((i) => i.id)).toEqual([1]);
        // New events store their transaction next to the migrated ones.
        store(migrated, { message: 'after', transaction: 'GET /boom/:id' });
        expect(migrated.listEvents({ limit: 10, transaction: 'GET /boom/:id' }).data).toHaveLength(
          2,
        );
        expect(migrated.listTransactions()).toEqual(['GET /boom/:id', 'GET /users/[id]']);
      } finally {
        migrated.close();
      }
      const check = openSqlite(file, { driver });
      try {
        expect(check.prepare('PRAGMA user_version').get()?.user_version).toBe(4);
        const indexes = check
          .prepare('PRAGMA index_list(events)')
          .all()
          .map((row) => row.name);
        expect(indexes).toEqual(
          expect.arrayContaining(['events_transaction', 'events_issue_route']),
        );
        expect(indexes).not.toContain('events_issue_received');
      } finally {
        check.close();
      }
      // Opening again changes nothing (the columns are there).
      const again = new InboxStore(file, { driver });
      expect(again.counts()).toEqual({ events: 5, issues: 3, client_reports: 0 });
      again.close();
    },
  );
  it.skipIf(reason !== undefined)(
    title(
      'migrates a version 2 database: old indexes dropped, the route index built, all queries work',
    ),
    () => {
      const file = join(dir, `${driver}-v2.db`);
      const raw = openSqlite(file, { driver });
      raw.exec(SCHEMA_V2_DDL);
      raw.exec('PRAGMA user_version = 2');
      const t0 = Date.UTC(2026, 0, 1);
      raw
        .prepare(
          `INSERT INTO issues (id, project_id, hash, title, culprit, level, first_seen, last_seen,
             event_count, user_count, last_event_id, transaction_name)
             VALUES (1, 1, 'h1', 'Error: boom', 'routes in boom', 'error', ?, ?, 3, 2, 'e3', 'GET /b')`,
        )
        .run(t0, t0 + 2000);
      const insert = raw.prepare(
        `INSERT INTO events (id, project_id, issue_id, received, timestamp, level, title, user_key,
           user_json, data, transaction_name) VALUES (?, 1, 1, ?, ?, 'error', 'Error: boom', ?, ?, ?, ?)`,
      );
      const user = (id: string) => JSON.stringify({ id, sentry_user: `id:${id}` });
      insert.run(
        'e1',
        t0,
        t0,
        'id:a',
        user('a'),
        JSON.stringify({ transaction: 'GET /a' }),
        'GET /a',
      );
      insert.run(
        'e2',
        t0 + 1000,
        t0,
        'id:b',
        user('b'),
        JSON.stringify({ transaction: 'GET /b' }),
        'GET /b',
      );
      insert.run(
        'e3',
        t0 + 2000,
        t0,
        'id:a',
        user('a'),
        JSON.stringify({ transaction: 'GET /b' }),
        'GET /b',
      );
      const issueUser = raw.prepare(
        `INSERT INTO issue_users (issue_id, user_key, event_count, first_seen, last_seen, user_json)
           VALUES (1, ?, ?, ?, ?, ?)`,
      );
      issueUser.run('id:a', 2, t0, t0 + 2000, user('a'));
      issueUser.run('id:b', 1, t0 + 1000, t0 + 1000, user('b'));
      raw.close();

      const migrated = new InboxStore(file, { driver });
      try {
        expect(migrated.getIssue(1)?.users.map((u) => [u.user_key, u.event_count])).toEqual([
          ['id:a', 2],
          ['id:b', 1],
        ]);
        expect(
          migrated.issueHistogram(1, t0, t0 + 3000, 1000).map((bucket) => bucket.count),
        ).toEqual([1, 1, 1]);
        const ofRoute = (route: string) =>
          migrated
            .listIssues({ sort: 'events', limit: 10, transaction: route })
            .data.map((i) => i.id);
        expect(ofRoute('GET /a')).toEqual([1]);
        expect(ofRoute('GET /c')).toEqual([]);
        expect(migrated.listEvents({ issue: 1, limit: 10 }).data.map((e) => e.id)).toEqual([
          'e3',
          'e2',
          'e1',
        ]);
        // New events land in the same issue and users next to the migrated ones.
        store(migrated, { message: 'later', user: { id: 'c' }, transaction: 'GET /c' });
        expect(
          migrated.listIssues({ sort: 'events', limit: 10, transaction: 'GET /c' }).data,
        ).toHaveLength(1);
        // Erasing a user recounts the issue from what the new indexes serve.
        expect(migrated.eraseUser('id:a')).toMatchObject({ events: 2, issues_updated: 1 });
        expect(migrated.getIssueSummary(1)).toMatchObject({ event_count: 1, user_count: 1 });
        expect(ofRoute('GET /a')).toEqual([]);
      } finally {
        migrated.close();
      }
      const check = openSqlite(file, { driver });
      try {
        expect(check.prepare('PRAGMA user_version').get()?.user_version).toBe(4);
        const names = check
          .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'",
          )
          .all()
          .map((row) => String(row.name))
          .sort();
        expect(names).toEqual([
          'events_issue',
          'events_issue_route',
          'events_received',
          'events_trace',
          'events_transaction',
          'events_user',
          'issue_users_user',
          'issues_events',
          'issues_first_seen',
          'issues_last_seen',
          'issues_users',
        ]);
      } finally {
        check.close();
      }
    },
  );
  it.skipIf(reason !== undefined)(
    title(
      'migrates a version 3 database: trace_id added, old events keep none, new ones get theirs',
    ),
    () => {
      const file = join(dir, `${driver}-v3.db`);
      const raw = openSqlite(file, { driver });
      raw.exec(SCHEMA_V3_DDL);
      raw.exec('PRAGMA user_version = 3');
      const t0 = Date.UTC(2026, 0, 1);
      raw
        .prepare(
          `INSERT INTO issues (id, project_id, hash, title, culprit, level, first_seen, last_seen,
             event_count, user_count, last_event_id, transaction_name)
             VALUES (1, 1, 'h1', 'Error: old', 'old', 'error', ?, ?, 1, 0, 'e1', NULL)`,
        )
        .run(t0, t0);
      // An old event whose payload has a trace context: no backfill, it stays without trace id.
      raw
        .prepare(
          `INSERT INTO events (id, project_id, issue_id, received, timestamp, level, title, data)
             VALUES ('e1', 1, 1, ?, ?, 'error', 'Error: old', ?)`,
        )
        .run(
          t0,
          t0,
          JSON.stringify({ contexts: { trace: { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' } } }),
        );
      raw.close();

      const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
      const migrated = new InboxStore(file, { driver });
      try {
        expect(migrated.getEvent('e1')).toMatchObject({ trace_id: null, span_id: null });
        expect(migrated.listEvents({ issue: 1, limit: 10 }).data.map((e) => e.id)).toEqual(['e1']);
        store(migrated, {
          message: 'new',
          contexts: { trace: { trace_id: trace, span_id: 'b7ad6b7169203331' } },
        });
        store(migrated, { message: 'untraced' });
        const ofTrace = migrated.listEvents({ traceId: trace, limit: 10 }).data;
        expect(ofTrace.map((e) => e.title)).toEqual(['new']);
        expect(ofTrace[0]?.trace_id).toBe(trace);
        expect(
          migrated
            .listIssues({ sort: 'events', limit: 10, traceId: trace })
            .data.map((i) => i.title),
        ).toEqual(['new']);
        expect(migrated.counts().events).toBe(3);
      } finally {
        migrated.close();
      }
      const check = openSqlite(file, { driver });
      try {
        expect(check.prepare('PRAGMA user_version').get()?.user_version).toBe(4);
        const sql = check
          .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'events_trace'")
          .get()?.sql;
        expect(String(sql)).toMatch(/ON events \(trace_id\) WHERE trace_id IS NOT NULL/);
        // Partial: only the one traced event has an entry.
        const entries = check
          .prepare(
            'SELECT count(*) AS n FROM events INDEXED BY events_trace WHERE trace_id IS NOT NULL',
          )
          .get()?.n;
        expect(Number(entries)).toBe(1);
      } finally {
        check.close();
      }
      // Opening again changes nothing.
      const again = new InboxStore(file, { driver });
      expect(again.counts().events).toBe(3);
      again.close();
    },
  );
});

describe('choosing a driver', () => {
  it(`picks node:sqlite when this Node has it, else better-sqlite3 (Node ${node}: ${hasNodeSqlite() ? 'has' : 'has no'} node:sqlite)`, () => {
    const [major = 0, minor = 0] = node.split('.').map(Number);
    const expected = major > 22 || (major === 22 && minor >= 13);
    expect(hasNodeSqlite()).toBe(expected);
    expect(chooseSqliteDriver({})).toBe(expected ? 'node:sqlite' : 'better-sqlite3');
  });

  it('follows X_INBOX_SQLITE and refuses other values', () => {
    expect(chooseSqliteDriver({ X_INBOX_SQLITE: 'better-sqlite3' })).toBe('better-sqlite3');
    expect(chooseSqliteDriver({ X_INBOX_SQLITE: 'node:sqlite' })).toBe('node:sqlite');
    expect(chooseSqliteDriver({ X_INBOX_SQLITE: '' })).toBe(chooseSqliteDriver({}));
    expect(() => chooseSqliteDriver({ X_INBOX_SQLITE: 'sqlite3' })).toThrow(SqliteUnavailableError);
  });

  it.skipIf(hasNodeSqlite())(
    `X_INBOX_SQLITE=node:sqlite on a Node without it fails in one line${hasNodeSqlite() ? ` (skipped: Node ${node} has node:sqlite)` : ''}`,
    () => {
      expect(() => new InboxStore(':memory:', { env: { X_INBOX_SQLITE: 'node:sqlite' } })).toThrow(
        `@x/inbox: X_INBOX_SQLITE=node:sqlite, but Node ${node} has no node:sqlite: use Node ≥ 22.13, or install better-sqlite3 (\`npm i -D better-sqlite3\`) and unset X_INBOX_SQLITE`,
      );
    },
  );
});

describe('sqliteLoadError (real error messages)', () => {
  /** What `require('better-sqlite3')` throws in a folder without it (in a clean Node process). */
  function notInstalled(): unknown {
    const script =
      "try { require('better-sqlite3') } catch (e) { process.stdout.write(JSON.stringify({ code: e.code, message: e.message })) }";
    const output = execFileSync(process.execPath, ['-e', script], {
      cwd: dir,
      env: cleanEnv(),
      encoding: 'utf8',
    });
    const { code, message } = JSON.parse(output) as { code: string; message: string };
    expect(code).toBe('MODULE_NOT_FOUND');
    return Object.assign(new Error(message), { code });
  }

  it('better-sqlite3 not installed: install it, or use Node ≥ 22.13', () => {
    const error = notInstalled();
    expect(
      sqliteLoadError(error, {
        driver: 'better-sqlite3',
        forced: false,
        nodeSqlite: false,
        nodeVersion: '20.20.2',
      }).message,
    ).toBe(
      '@x/inbox: no SQLite driver on Node 20.20.2: install better-sqlite3 (`npm i -D better-sqlite3`), or use Node ≥ 22.13, which has node:sqlite built in',
    );
    expect(
      sqliteLoadError(error, { driver: 'better-sqlite3', forced: true, nodeSqlite: true }).message,
    ).toBe(
      '@x/inbox: X_INBOX_SQLITE=better-sqlite3, but better-sqlite3 is not installed: install better-sqlite3 (`npm i -D better-sqlite3`), or unset X_INBOX_SQLITE to use node:sqlite',
    );
  });

  it('native module missing ("Could not locate the bindings file"): rebuild, with the pnpm 10 hint', () => {
    // The `bindings` package's error when build/Release/better_sqlite3.node does not exist.
    const error = new Error(
      'Could not locate the bindings file. Tried:\n → /app/node_modules/better-sqlite3/build/better_sqlite3.node\n → /app/node_modules/better-sqlite3/build/Debug/better_sqlite3.node\n → /app/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    );
    const message = sqliteLoadError(error, {
      driver: 'better-sqlite3',
      forced: false,
      nodeSqlite: false,
    }).message;
    expect(message).toBe(
      '@x/inbox: better-sqlite3 is installed but its native module was never built (its install script did not run): run `npm rebuild better-sqlite3` (pnpm: `pnpm rebuild better-sqlite3`; pnpm 10 builds it only when allowed: add it to `onlyBuiltDependencies` or run `pnpm approve-builds`), or use Node ≥ 22.13, which has node:sqlite built in',
    );
    expect(message).not.toContain('\n');
  });

  it('native module built for another Node (NODE_MODULE_VERSION): rebuild', () => {
    // Node 24's ERR_DLOPEN_FAILED for a better-sqlite3 built on Node 20.
    const error = Object.assign(
      new Error(
        "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 137. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).",
      ),
      { code: 'ERR_DLOPEN_FAILED' },
    );
    expect(
      sqliteLoadError(error, {
        driver: 'better-sqlite3',
        forced: true,
        nodeSqlite: true,
        nodeVersion: '24.22.3',
      }).message,
    ).toBe(
      "@x/inbox: better-sqlite3's native module was built for another Node (NODE_MODULE_VERSION 115; Node 24.22.3 needs 137): run `npm rebuild better-sqlite3` (pnpm: `pnpm rebuild better-sqlite3`), or unset X_INBOX_SQLITE to use node:sqlite",
    );
  });

  it('any other load failure: its first line, and rebuild', () => {
    const error = Object.assign(new Error('/app/better_sqlite3.node: invalid ELF header\nmore'), {
      code: 'ERR_DLOPEN_FAILED',
    });
    expect(
      sqliteLoadError(error, { driver: 'better-sqlite3', forced: false, nodeSqlite: true }).message,
    ).toBe(
      '@x/inbox: better-sqlite3 could not be loaded (/app/better_sqlite3.node: invalid ELF header): run `npm rebuild better-sqlite3` (pnpm: `pnpm rebuild better-sqlite3`; pnpm 10 builds it only when allowed: add it to `onlyBuiltDependencies` or run `pnpm approve-builds`)',
    );
  });
});
