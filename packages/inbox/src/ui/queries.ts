import type { IssueSummary } from '../apiTypes';
import { type InboxStore, issueSummary } from '../store';

/** One bucket of an issue's event histogram. */
export interface HistogramBucket {
  /** Start of the bucket, ms since the epoch. */
  start: number;
  /** Events received in `[start, start + step)`. */
  count: number;
}

/** An issue of one user, with that user's share of it. */
export interface UserIssue extends IssueSummary {
  /** Events of this issue that this user hit. */
  user_events: number;
  user_first_seen: string;
  user_last_seen: string;
}

/** What the inbox knows about one user key across all issues. */
export interface UserSummary {
  user_key: string;
  /** The user as stored on their latest event. */
  user: Record<string, unknown> | null;
  latest_event_id: string;
  events: number;
  issues: number;
  first_seen: string;
  last_seen: string;
}

type Row = Record<string, unknown>;
const iso = (ms: unknown) => new Date(Number(ms)).toISOString();
const json = (text: unknown) => (typeof text === 'string' ? JSON.parse(text) : null);

/**
 * Read-only queries the web UI needs beyond the JSON API's, each served by an
 * index (`events_issue_received`, `issue_users_user`), so they stay fast at
 * 100k events.
 */
export class UiQueries {
  /** @param store The inbox's database. */
  constructor(private readonly store: InboxStore) {}

  /**
   * Counts an issue's events per `step` ms from `from` (inclusive) on; buckets
   * without events are included, so the result has one entry per step up to `to`.
   */
  histogram(issueId: number, from: number, to: number, step: number): HistogramBucket[] {
    const rows = this.store
      .sql(
        `SELECT CAST((received - @from) / @step AS INTEGER) AS bucket, count(*) AS n FROM events
           WHERE issue_id = @issue AND received >= @from AND received < @to GROUP BY bucket`,
      )
      .all({ issue: issueId, from, to, step }) as Row[];
    const counts = new Map(rows.map((row) => [Number(row.bucket), Number(row.n)]));
    const buckets: HistogramBucket[] = [];
    for (let i = 0; from + i * step < to; i++) {
      buckets.push({ start: from + i * step, count: counts.get(i) ?? 0 });
    }
    return buckets;
  }

  /** One issue's summary without its users (cheaper than `store.getIssue`), or `undefined`. */
  issue(id: number): IssueSummary | undefined {
    const row = this.store.sql('SELECT * FROM issues WHERE id = ?').get(id) as Row | undefined;
    return row ? issueSummary(row) : undefined;
  }

  /** The issues a user was affected by, most recently hit first (at most `limit`). */
  userIssues(userKey: string, limit = 100): UserIssue[] {
    const rows = this.store
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

  /** Totals and the latest stored form of one user, or `undefined` when no event has that key. */
  user(userKey: string): UserSummary | undefined {
    const latest = this.store
      .sql('SELECT id, user_json FROM events WHERE user_key = ? ORDER BY seq DESC LIMIT 1')
      .get(userKey) as Row | undefined;
    if (!latest) return undefined;
    const totals = this.store
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

  /** Up to `limit` user keys among the newest 200 events, most recent first (filter suggestions). */
  recentUsers(limit = 50): string[] {
    const rows = this.store
      .sql(
        `SELECT user_key FROM (SELECT user_key, seq FROM events WHERE user_key IS NOT NULL
           ORDER BY seq DESC LIMIT 200) GROUP BY user_key ORDER BY max(seq) DESC LIMIT ?`,
      )
      .all(limit) as Row[];
    return rows.map((row) => String(row.user_key));
  }

  /** Distinct releases and server names of the issues (for the "app" filter), sorted. */
  apps(): string[] {
    const rows = this.store
      .sql(
        `SELECT release AS app FROM issues WHERE release IS NOT NULL
         UNION SELECT server_name FROM issues WHERE server_name IS NOT NULL ORDER BY 1 LIMIT 200`,
      )
      .all() as Row[];
    return rows.map((row) => String(row.app));
  }
}
