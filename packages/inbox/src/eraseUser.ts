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
  if (erased) truncateWal(db);
  return erased;
}

/** How long {@link truncateWal} waits for another connection's checkpoint, in all. */
const TRUNCATE_WAIT_MS = 5_000;
const TRUNCATE_RETRY_MS = 5;

/**
 * Copies the WAL into the database file and truncates it to zero bytes. A checkpoint running
 * on another connection (the inbox's background checkpoint, or another process) makes SQLite
 * answer "busy" at once, without waiting: then this waits a few milliseconds and tries again,
 * for at most `budgetMs`, and throws if the WAL still could not be truncated. Returns how many
 * tries it took.
 */
export function truncateWal(db: Pick<StoreDb, 'sql'>, budgetMs = TRUNCATE_WAIT_MS): number {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0, tries = 1; ; waited += TRUNCATE_RETRY_MS, tries++) {
    const result = db.sql('PRAGMA wal_checkpoint(TRUNCATE)').get();
    if (!result || Number(result.busy) === 0) return tries;
    if (waited >= budgetMs) {
      throw new Error(
        '@x/inbox: the user was erased, but the WAL could not be truncated (another connection kept checkpointing); erased bytes may remain until the next checkpoint',
      );
    }
    Atomics.wait(pause, 0, 0, TRUNCATE_RETRY_MS);
  }
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
