import type { ErasedUser } from './apiTypes';
import { groupEvent } from './grouping';
import { json, type Row, type StoreDb, textOrNull } from './storeDb';

/**
 * Erases one user key in one transaction: their events and per-issue rows, the issues left
 * without events, the other issues recounted; then truncates the WAL so the erased bytes leave
 * the files (see `InboxStore.eraseUser`). `undefined` when no event has this key.
 */
export function eraseUser(db: StoreDb, userKey: string): ErasedUser | undefined {
  const erased = db.sqlite.transaction(() => {
    const issueIds = db
      .sql(
        `SELECT DISTINCT issue_id FROM events WHERE user_key = ?
           UNION SELECT issue_id FROM issue_users WHERE user_key = ?`,
      )
      .all(userKey, userKey)
      .map((row) => Number(row.issue_id));
    const events = db.sql('DELETE FROM events WHERE user_key = ?').run(userKey).changes;
    if (events === 0) return undefined;
    db.sql('DELETE FROM issue_users WHERE user_key = ?').run(userKey);
    let removed = 0;
    for (const issueId of issueIds) {
      if (recountIssue(db, issueId)) continue;
      db.sql('DELETE FROM issue_users WHERE issue_id = ?').run(issueId);
      db.sql('DELETE FROM issues WHERE id = ?').run(issueId);
      removed++;
    }
    return {
      user_key: userKey,
      events,
      issues_removed: removed,
      issues_updated: issueIds.length - removed,
    };
  })();
  if (erased) db.sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  return erased;
}

/** Recomputes an issue from its remaining events; `false` when it has none left. */
function recountIssue(db: StoreDb, issueId: number): boolean {
  const totals = db
    .sql(
      `SELECT count(*) AS n, min(received) AS first_seen, max(received) AS last_seen
         FROM events WHERE issue_id = ?`,
    )
    .get(issueId) as Row;
  if (Number(totals.n) === 0) return false;
  const latest = db
    .sql('SELECT id, title, data FROM events WHERE issue_id = ? ORDER BY seq DESC LIMIT 1')
    .get(issueId) as Row;
  const event = json(latest.data) as Record<string, unknown>;
  db.sql(
    `UPDATE issues SET event_count = @n, first_seen = @first, last_seen = @last,
       user_count = (SELECT count(*) FROM issue_users WHERE issue_id = @id),
       title = @title, culprit = @culprit, level = @level, release = @release,
       server_name = @server, last_event_id = @latest, transaction_name = @transaction
     WHERE id = @id`,
  ).run({
    id: issueId,
    n: Number(totals.n),
    first: Number(totals.first_seen),
    last: Number(totals.last_seen),
    title: String(latest.title),
    culprit: groupEvent(event).culprit,
    level: String(event.level ?? 'error'),
    release: textOrNull(event.release),
    server: textOrNull(event.server_name),
    latest: String(latest.id),
    transaction: textOrNull(event.transaction),
  });
  return true;
}
