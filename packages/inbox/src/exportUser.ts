import type { UserExport } from './apiTypes';
import { eventDetail } from './eventQueries';
import { json, type Row, type StoreDb } from './storeDb';
import { iso } from './values';

/**
 * Everything stored about one user key: the user, every event with its payload (oldest first)
 * and the issues they appear in, described by this user's events only (an issue's latest event
 * may be someone else's). `undefined` when no event has this key.
 */
export function exportUser(db: StoreDb, userKey: string): UserExport | undefined {
  const rows = db
    .sql(
      `SELECT id, project_id, issue_id, received, timestamp, level, title, user_key, user_json, data,
           transaction_name, trace_id FROM events WHERE user_key = ? ORDER BY seq`,
    )
    .all(userKey) as Row[];
  const last = rows[rows.length - 1];
  if (!last) return undefined;
  const issues = db
    .sql(
      `SELECT iu.issue_id, iu.event_count, iu.first_seen, iu.last_seen, iu.user_json, issues.culprit,
           (SELECT title FROM events WHERE events.issue_id = iu.issue_id AND events.user_key = iu.user_key
              ORDER BY seq DESC LIMIT 1) AS title
         FROM issue_users iu JOIN issues ON issues.id = iu.issue_id
         WHERE iu.user_key = ? ORDER BY iu.first_seen, iu.issue_id`,
    )
    .all(userKey) as Row[];
  return {
    user_key: userKey,
    user: json(last.user_json),
    events: rows.map(eventDetail),
    issues: issues.map((row) => ({
      id: Number(row.issue_id),
      title: String(row.title ?? ''),
      culprit: String(row.culprit),
      user_events: Number(row.event_count),
      user_first_seen: iso(row.first_seen),
      user_last_seen: iso(row.last_seen),
      user: json(row.user_json),
    })),
  };
}
