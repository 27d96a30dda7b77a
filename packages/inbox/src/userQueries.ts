import type { UserDetail } from './apiSearch';
import type { IssueSummary } from './apiTypes';
import { searchEvents } from './eventQueries';
import { issueSummary } from './issueQueries';
import { json, type Row, type StoreDb } from './storeDb';
import { iso } from './values';

/** An issue of one user, with that user's share of it (`InboxStore.listUserIssues`). */
export interface UserIssue extends IssueSummary {
  /** Events of this issue that this user hit. */
  user_events: number;
  /** The user's first event of this issue (ISO 8601). */
  user_first_seen: string;
  /** The user's latest event of this issue (ISO 8601). */
  user_last_seen: string;
}

/** What the inbox knows about one user key across all issues (`InboxStore.getUser`). */
export interface UserSummary {
  user_key: string;
  /** The user as stored on their latest event. */
  user: Record<string, unknown> | null;
  /** The id of their latest event. */
  latest_event_id: string;
  /** Their events, over all issues. */
  events: number;
  /** The issues they were affected by. */
  issues: number;
  first_seen: string;
  last_seen: string;
}

/** Totals and the latest stored form of one user, or `undefined` when no event has that key. */
export function getUser(db: StoreDb, userKey: string): UserSummary | undefined {
  const latest = db
    .sql('SELECT id, user_json FROM events WHERE user_key = ? ORDER BY seq DESC LIMIT 1')
    .get(userKey) as Row | undefined;
  if (!latest) return undefined;
  const totals = db
    .sql(
      `SELECT count(*) AS issues, sum(event_count) AS events, min(first_seen) AS first_seen,
           max(last_seen) AS last_seen FROM issue_users WHERE user_key = ?`,
    )
    .get(userKey) as Row;
  return {
    user_key: userKey,
    user: json(latest.user_json),
    latest_event_id: String(latest.id),
    events: Number(totals.events ?? 0),
    issues: Number(totals.issues ?? 0),
    first_seen: iso(totals.first_seen),
    last_seen: iso(totals.last_seen),
  };
}

/** The issues a user was affected by, most recently hit first (at most `limit`). */
export function listUserIssues(db: StoreDb, userKey: string, limit: number): UserIssue[] {
  const rows = db
    .sql(
      `SELECT issues.*, iu.event_count AS user_events, iu.first_seen AS user_first_seen,
           iu.last_seen AS user_last_seen
         FROM issue_users iu JOIN issues ON issues.id = iu.issue_id
         WHERE iu.user_key = ? ORDER BY iu.last_seen DESC LIMIT ?`,
    )
    .all(userKey, limit) as Row[];
  return rows.map((row) => ({
    ...issueSummary(row),
    user_events: Number(row.user_events),
    user_first_seen: iso(row.user_first_seen),
    user_last_seen: iso(row.user_last_seen),
  }));
}

/** Up to `limit` user keys among the newest 200 events, most recent first (filter suggestions). */
export function recentUserKeys(db: StoreDb, limit: number): string[] {
  const rows = db
    .sql(
      `SELECT user_key FROM (SELECT user_key, seq FROM events WHERE user_key IS NOT NULL
         ORDER BY seq DESC LIMIT 200) GROUP BY user_key ORDER BY max(seq) DESC LIMIT ?`,
    )
    .all(limit) as Row[];
  return rows.map((row) => String(row.user_key));
}

/**
 * One user's impact (`GET /api/users/:userKey`): their totals, the issues they hit (most
 * recently hit first, at most 100) and a page of their events (newest first, with `release`).
 * `undefined` when no event has this key.
 */
export function getUserDetail(
  db: StoreDb,
  userKey: string,
  page: { limit: number; cursor?: string | undefined },
): UserDetail | undefined {
  const summary = getUser(db, userKey);
  if (!summary) return undefined;
  const { events: eventCount, issues: issueCount, ...rest } = summary;
  const events = searchEvents(db, { user: userKey, limit: page.limit, cursor: page.cursor });
  return {
    ...rest,
    event_count: eventCount,
    issue_count: issueCount,
    issues: listUserIssues(db, userKey, 100),
    events: events.data,
    next_cursor: events.next_cursor,
  };
}
