// The SQLite layout of schema version 1 (src/schema.ts before the transaction column), verbatim:
// a database as inboxes before the route columns wrote it, for the migration test.

/** Version 1's tables and indexes. */
export const SCHEMA_V1_DDL = `
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
  data       TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS events_issue    ON events (issue_id, seq);
CREATE INDEX IF NOT EXISTS events_user     ON events (user_key, seq);
CREATE INDEX IF NOT EXISTS events_received ON events (received);
-- Web UI: an issue's events over time (covering, so the chart reads no event rows).
CREATE INDEX IF NOT EXISTS events_issue_received ON events (issue_id, received);

CREATE TABLE IF NOT EXISTS issue_users (
  issue_id    INTEGER NOT NULL,
  user_key    TEXT    NOT NULL,
  event_count INTEGER NOT NULL,
  first_seen  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  user_json   TEXT    NOT NULL,
  PRIMARY KEY (issue_id, user_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS issue_users_count ON issue_users (issue_id, event_count);
-- Web UI: the issues of one user, and the issues list filtered by user.
CREATE INDEX IF NOT EXISTS issue_users_user ON issue_users (user_key, last_seen);

CREATE TABLE IF NOT EXISTS client_reports (
  id         INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  received   INTEGER NOT NULL,
  data       TEXT    NOT NULL
);
`;
