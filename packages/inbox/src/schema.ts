import type { SqliteDatabase } from './sqlite';

/**
 * Version of the SQLite layout below; stored in `PRAGMA user_version`.
 * 1: the first layout. 2: `transaction_name` on issues and events (the route).
 * 3: fewer indexes written per event (`events_issue_route` replaces `events_issue_received` and
 * `events_issue_transaction`; no `issue_users_count`).
 * 4: `trace_id` on events (from `contexts.trace`) and the partial index `events_trace`.
 */
export const SCHEMA_VERSION = 4;

/** The tables as the current version creates them. */
const TABLES = `
CREATE TABLE IF NOT EXISTS issues (
  id            INTEGER PRIMARY KEY,
  project_id    INTEGER NOT NULL,
  hash          TEXT    NOT NULL,
  title         TEXT    NOT NULL,
  culprit       TEXT    NOT NULL,
  level         TEXT    NOT NULL,
  first_seen    INTEGER NOT NULL,
  last_seen     INTEGER NOT NULL,
  event_count   INTEGER NOT NULL DEFAULT 0,
  user_count    INTEGER NOT NULL DEFAULT 0,
  release       TEXT,
  server_name   TEXT,
  last_event_id TEXT,
  -- The latest event's transaction (its route, e.g. GET /boom/:id). Since version 2.
  transaction_name TEXT,
  UNIQUE (project_id, hash)
);
CREATE INDEX IF NOT EXISTS issues_last_seen  ON issues (last_seen, id);
CREATE INDEX IF NOT EXISTS issues_first_seen ON issues (first_seen, id);
CREATE INDEX IF NOT EXISTS issues_events     ON issues (event_count, id);
CREATE INDEX IF NOT EXISTS issues_users      ON issues (user_count, id);

CREATE TABLE IF NOT EXISTS events (
  seq        INTEGER PRIMARY KEY,
  id         TEXT    NOT NULL UNIQUE,
  project_id INTEGER NOT NULL,
  issue_id   INTEGER NOT NULL REFERENCES issues (id),
  received   INTEGER NOT NULL,
  timestamp  INTEGER NOT NULL,
  level      TEXT    NOT NULL,
  title      TEXT    NOT NULL,
  user_key   TEXT,
  user_json  TEXT,
  data       TEXT    NOT NULL,
  -- The event's transaction. Since version 2.
  transaction_name TEXT,
  -- contexts.trace.trace_id (32 lower-case hex digits, not all zero), else NULL. Since version 4.
  trace_id   TEXT
);
CREATE INDEX IF NOT EXISTS events_issue    ON events (issue_id, seq);
CREATE INDEX IF NOT EXISTS events_user     ON events (user_key, seq);
CREATE INDEX IF NOT EXISTS events_received ON events (received);

CREATE TABLE IF NOT EXISTS issue_users (
  issue_id    INTEGER NOT NULL,
  user_key    TEXT    NOT NULL,
  event_count INTEGER NOT NULL,
  first_seen  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  user_json   TEXT    NOT NULL,
  PRIMARY KEY (issue_id, user_key)
) WITHOUT ROWID;
-- Web UI: the issues of one user, and the issues list filtered by user.
CREATE INDEX IF NOT EXISTS issue_users_user ON issue_users (user_key, last_seen);

CREATE TABLE IF NOT EXISTS client_reports (
  id         INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  received   INTEGER NOT NULL,
  data       TEXT    NOT NULL
);
`;

/** Indexes on columns added after version 1 (created once the columns exist). */
const LATER_INDEXES = `
-- Events of one transaction, newest first (the implicit rowid seq orders them).
CREATE INDEX IF NOT EXISTS events_transaction ON events (transaction_name);
-- Covering, so neither reads event rows: the issues filter by transaction (has this issue an
-- event of this transaction?) and an issue's events over time (the chart: the issue's entries,
-- filtered on received). Since version 3; one index instead of two, each written per event.
CREATE INDEX IF NOT EXISTS events_issue_route ON events (issue_id, transaction_name, received);
-- The events of one trace, newest first (the rowid orders them). Partial: an event without a
-- trace id writes no entry here, so ingest without tracing pays nothing for it. Since version 4.
CREATE INDEX IF NOT EXISTS events_trace ON events (trace_id) WHERE trace_id IS NOT NULL;
`;

/**
 * Indexes of earlier versions that version 3 no longer keeps: every index is one more b-tree
 * insert per stored event. An issue's users are sorted from its `issue_users` rows (few per
 * issue) instead of `issue_users_count`.
 */
const DROPPED_INDEXES = `
DROP INDEX IF EXISTS events_issue_received;
DROP INDEX IF EXISTS events_issue_transaction;
DROP INDEX IF EXISTS issue_users_count;
`;

/**
 * Creates the tables and indexes when missing, brings a database of an older
 * layout up to {@link SCHEMA_VERSION} (in one transaction) and sets WAL mode.
 * Refuses a database written by a newer inbox (a higher `user_version`).
 */
export function migrate(db: SqliteDatabase): void {
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  // Deleted content is overwritten with zeros, so an erased user (DELETE /api/users/:key)
  // leaves no bytes behind in the file (per connection, so set on every open).
  db.exec('PRAGMA secure_delete = ON');
  // Sorts (an issue's users by their event count) in memory rather than in a temporary file.
  db.exec('PRAGMA temp_store = MEMORY');
  const version = Number(db.prepare('PRAGMA user_version').get()?.user_version ?? 0);
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `@x/inbox: the database was written by a newer inbox (schema ${version} > ${SCHEMA_VERSION}); upgrade @x/inbox or use another --db`,
    );
  }
  db.transaction(() => {
    db.exec(TABLES);
    // Version 1 → 2 (also repairs a database whose version was never written).
    addTransactionColumn(db, 'events', EVENTS_BACKFILL);
    addTransactionColumn(db, 'issues', ISSUES_BACKFILL);
    // Version 3 → 4: events stored before have no trace id (NULL; no backfill, see docs).
    if (!hasColumn(db, 'events', 'trace_id'))
      db.exec('ALTER TABLE events ADD COLUMN trace_id TEXT');
    db.exec(LATER_INDEXES);
    // Version 2 → 3.
    if (version < 3) db.exec(DROPPED_INDEXES);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  })();
}

/** The stored event's `transaction` (a string when present: the shaping saw to it). */
const EVENTS_BACKFILL = `UPDATE events SET transaction_name = json_extract(data, '$.transaction')
  WHERE CASE WHEN json_valid(data) THEN json_type(data, '$.transaction') = 'text' ELSE 0 END`;
/** The issue's latest event's transaction (after the events got theirs). */
const ISSUES_BACKFILL = `UPDATE issues SET transaction_name =
  (SELECT transaction_name FROM events WHERE events.id = issues.last_event_id)`;

/** Adds `transaction_name` to `table` when it has none, and fills it from what is stored. */
function addTransactionColumn(db: SqliteDatabase, table: string, backfill: string): void {
  if (hasColumn(db, table, 'transaction_name')) return;
  db.exec(`ALTER TABLE ${table} ADD COLUMN transaction_name TEXT`);
  db.exec(backfill);
}

/** Whether `table` has a column named `column`. */
function hasColumn(db: SqliteDatabase, table: string, column: string): boolean {
  return db
    .prepare(`PRAGMA table_info(${table})`)
    .all()
    .some((row) => row.name === column);
}
