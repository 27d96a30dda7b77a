import type { Grouping } from './grouping';
import { type StoreDb, textOrNull } from './storeDb';
import { eventTraceId } from './traceContext';

/** Everything one envelope stores: written all or nothing by {@link storeEnvelopes}. */
export interface EnvelopeWrite {
  /** The project the envelope was sent to. */
  projectId: number;
  /** Reception time (ms since the epoch), stored with its client reports. */
  received: number;
  /** Its processed events (at most one for an envelope; the legacy store endpoint sends one too). */
  events: readonly { event: Record<string, unknown>; grouping: Grouping }[];
  /** Its `client_report` payloads. */
  reports: readonly unknown[];
}

/**
 * Stores several envelopes in ONE transaction; per envelope, `undefined` when stored or the error
 * that rolled it back (see `InboxStore.storeEnvelopes`).
 *
 * The batch is first written without a savepoint per envelope (two statements less each). If
 * anything fails, that transaction is rolled back whole and the batch is written again with each
 * envelope in its own savepoint, so that only the envelopes whose write fails are refused.
 */
export function storeEnvelopes(
  db: StoreDb,
  writes: readonly EnvelopeWrite[],
): (unknown | undefined)[] {
  try {
    db.sqlite.transaction(() => {
      for (const write of writes) writeEnvelope(db, write);
    })();
    return writes.map(() => undefined);
  } catch {
    // Nothing of the batch was stored: find which envelopes fail, one savepoint each.
  }
  return db.sqlite.transaction(() =>
    writes.map((write) => {
      try {
        // Nested: a savepoint, rolled back alone when this envelope's write throws.
        db.sqlite.transaction(() => writeEnvelope(db, write))();
        return undefined;
      } catch (error) {
        return error;
      }
    }),
  )();
}

function writeEnvelope(db: StoreDb, write: EnvelopeWrite): void {
  for (const { event, grouping } of write.events) {
    writeEvent(db, event, grouping, write.projectId);
  }
  for (const report of write.reports) {
    insertClientReport(db, write.projectId, write.received, report);
  }
}

/**
 * Stores a processed event and updates its issue and users affected; `false` (and nothing
 * written) when an event with the same id is already stored. Runs inside the caller's transaction.
 */
export function writeEvent(
  db: StoreDb,
  event: Record<string, unknown>,
  grouping: Grouping,
  projectId: number,
): boolean {
  const id = String(event.event_id);
  if (db.sql('SELECT 1 FROM events WHERE id = ?').get(id)) return false;
  const received = Math.round(Number(event.received) * 1000);
  const issueId = upsertIssue(db, event, grouping, projectId, received);
  const user = (event.user ?? null) as Record<string, unknown> | null;
  const userKey = typeof user?.sentry_user === 'string' ? user.sentry_user : null;
  const userJson = user ? JSON.stringify(user) : null;

  db.sql(
    `INSERT INTO events (id, project_id, issue_id, received, timestamp, level, title, user_key, user_json,
         data, transaction_name, trace_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    projectId,
    issueId,
    received,
    Math.round(Number(event.timestamp) * 1000),
    String(event.level),
    grouping.title,
    userKey,
    userJson,
    JSON.stringify(event),
    textOrNull(event.transaction),
    eventTraceId(event),
  );

  if (userKey && userJson) countIssueUser(db, issueId, userKey, received, userJson);
  return true;
}

/** Creates the event's issue or counts the event into it (the event becomes its latest); its id. */
function upsertIssue(
  db: StoreDb,
  event: Record<string, unknown>,
  grouping: Grouping,
  projectId: number,
  received: number,
): number {
  const key = `${projectId}:${grouping.hash}`;
  const known = db.known.issues.get(key);
  // Positional parameters (`?`; better-sqlite3 has no `?NNN`): binding by name costs a lookup per
  // name on every call.
  if (known !== undefined) {
    // What the upsert below does to an existing issue, found by its id (and checked to be it).
    const updated = db
      .sql(
        `UPDATE issues SET event_count = event_count + 1,
           first_seen = min(first_seen, ?), last_seen = max(last_seen, ?),
           title = ?, culprit = ?, level = ?, release = ?, server_name = ?, last_event_id = ?,
           transaction_name = ?
         WHERE id = ? AND project_id = ? AND hash = ?`,
      )
      .run(
        received,
        received,
        grouping.title,
        grouping.culprit,
        String(event.level),
        textOrNull(event.release),
        textOrNull(event.server_name),
        String(event.event_id),
        textOrNull(event.transaction),
        known,
        projectId,
        grouping.hash,
      );
    if (updated.changes === 1) return known;
  }
  const issue = db
    .sql(
      `INSERT INTO issues (project_id, hash, title, culprit, level, first_seen, last_seen,
         event_count, release, server_name, last_event_id, transaction_name)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
       ON CONFLICT (project_id, hash) DO UPDATE SET
         event_count = event_count + 1,
         first_seen = min(first_seen, excluded.first_seen),
         last_seen = max(last_seen, excluded.last_seen),
         title = excluded.title, culprit = excluded.culprit, level = excluded.level,
         release = excluded.release, server_name = excluded.server_name,
         last_event_id = excluded.last_event_id, transaction_name = excluded.transaction_name
       RETURNING id`,
    )
    .get(
      projectId,
      grouping.hash,
      grouping.title,
      grouping.culprit,
      String(event.level),
      received,
      received,
      textOrNull(event.release),
      textOrNull(event.server_name),
      String(event.event_id),
      textOrNull(event.transaction),
    ) as { id: number };
  db.known.issues.set(key, issue.id);
  return issue.id;
}

/** Counts the event into its issue's row for this user, and the user into the issue when new to it. */
function countIssueUser(
  db: StoreDb,
  issueId: number,
  userKey: string,
  received: number,
  userJson: string,
): void {
  const key = `${issueId}:${userKey}`;
  if (db.known.issueUsers.get(key)) {
    // What the upsert below does to a row that has counted an event already (the user is not
    // new to the issue), found by its key.
    const updated = db
      .sql(
        `UPDATE issue_users SET event_count = event_count + 1,
           last_seen = max(last_seen, ?), user_json = ?
         WHERE issue_id = ? AND user_key = ? AND event_count >= 1`,
      )
      .run(received, userJson, issueId, userKey);
    if (updated.changes === 1) return;
  }
  // One upsert per event; `added` says whether this user is new to the issue.
  const row = db
    .sql(
      `INSERT INTO issue_users (issue_id, user_key, event_count, first_seen, last_seen, user_json)
       VALUES (?, ?, 1, ?, ?, ?)
       ON CONFLICT (issue_id, user_key) DO UPDATE SET event_count = event_count + 1,
         last_seen = max(last_seen, excluded.last_seen), user_json = excluded.user_json
       RETURNING event_count = 1 AS added`,
    )
    .get(issueId, userKey, received, received, userJson) as { added: number };
  if (row.added) {
    db.sql('UPDATE issues SET user_count = user_count + 1 WHERE id = ?').run(issueId);
  }
  db.known.issueUsers.set(key, true);
}

/** Stores a `client_report` item as received. */
export function insertClientReport(
  db: StoreDb,
  projectId: number,
  received: number,
  report: unknown,
): void {
  db.sql('INSERT INTO client_reports (project_id, received, data) VALUES (?, ?, ?)').run(
    projectId,
    received,
    JSON.stringify(report),
  );
}
