import type {
  IssueDetail,
  IssueSort,
  IssueSummary,
  IssueUser,
  Page,
  UsersByValue,
  UserValueCount,
} from './apiTypes';
import { decodeCursor, encodeCursor } from './cursor';
import type { SqlValue } from './sqlite';
import { json, type Row, type StoreDb } from './storeDb';
import { iso } from './values';

/** Options of `InboxStore.listIssues`. */
export interface IssueQuery {
  /** The column to sort by, descending. */
  sort: IssueSort;
  /** Page size. */
  limit: number;
  /** `next_cursor` of the previous page. */
  cursor?: string | undefined;
  /** Only issues this user (a user key such as `id:u-alice`) was affected by. */
  user?: string | undefined;
  /** Only issues whose latest `release` or `server_name` is this. */
  app?: string | undefined;
  /** Only issues whose title or culprit contains this text (ASCII case-insensitive). */
  text?: string | undefined;
  /** Only issues with at least one event of this `transaction` (e.g. `GET /boom/:id`). */
  transaction?: string | undefined;
  /** Only issues with at least one event of this trace (32 lower-case hex digits). */
  traceId?: string | undefined;
}

/** One bucket of an issue's event histogram (`InboxStore.issueHistogram`). */
export interface HistogramBucket {
  /** Start of the bucket, ms since the epoch. */
  start: number;
  /** Events received in `[start, start + step)`. */
  count: number;
}

const SORT_COLUMNS: Record<IssueSort, string> = {
  last_seen: 'last_seen',
  first_seen: 'first_seen',
  events: 'event_count',
  users: 'user_count',
};

/** Issues, sorted descending by `sort`, with cursor paging and optional filters. */
export function listIssues(db: StoreDb, query: IssueQuery): Page<IssueSummary> {
  const column = SORT_COLUMNS[query.sort];
  const { where, args } = issueFilters(query);
  const cursor = decodeCursor(query.cursor, 2);
  if (cursor) where.push(`(${column} < ? OR (${column} = ? AND id < ?))`);
  if (cursor) args.push(cursor[0] as number, cursor[0] as number, cursor[1] as number);
  const rows = db
    .sql(
      `SELECT * FROM issues ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY ${column} DESC, id DESC LIMIT ?`,
    )
    .all(...args, query.limit + 1) as Row[];
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(issueSummary),
    next_cursor: more && last ? encodeCursor([Number(last[column]), Number(last.id)]) : null,
  };
}

/** The WHERE terms of {@link listIssues}' filters, with their parameters in order. */
function issueFilters(query: IssueQuery): { where: string[]; args: SqlValue[] } {
  const where: string[] = [];
  const args: SqlValue[] = [];
  if (query.user !== undefined) {
    where.push('id IN (SELECT issue_id FROM issue_users WHERE user_key = ?)');
    args.push(query.user);
  }
  if (query.app !== undefined) where.push('(release = ? OR server_name = ?)');
  if (query.app !== undefined) args.push(query.app, query.app);
  if (query.transaction !== undefined) {
    where.push(
      'EXISTS (SELECT 1 FROM events WHERE events.issue_id = issues.id AND events.transaction_name = ?)',
    );
    args.push(query.transaction);
  }
  if (query.traceId !== undefined) {
    where.push('id IN (SELECT issue_id FROM events WHERE trace_id = ?)');
    args.push(query.traceId);
  }
  if (query.text) {
    const like = `%${query.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push("(title LIKE ? ESCAPE '\\' OR culprit LIKE ? ESCAPE '\\')");
    args.push(like, like);
  }
  return { where, args };
}

/**
 * One issue with its affected users (most events first, at most 100) and the keys of their
 * custom data, or `undefined`.
 */
export function getIssue(db: StoreDb, id: number): IssueDetail | undefined {
  const row = db.sql('SELECT * FROM issues WHERE id = ?').get(id) as Row | undefined;
  if (!row) return undefined;
  const users = db
    .sql(
      `SELECT * FROM issue_users WHERE issue_id = ?
         ORDER BY event_count DESC, last_seen DESC, user_key LIMIT 100`,
    )
    .all(id) as Row[];
  return {
    ...issueSummary(row),
    user_data_keys: userDataKeys(db, id),
    users: users.map(
      (user): IssueUser => ({
        user_key: String(user.user_key),
        event_count: Number(user.event_count),
        first_seen: iso(user.first_seen),
        last_seen: iso(user.last_seen),
        user: json(user.user_json),
      }),
    ),
  };
}

/** At most this many keys of {@link userDataKeys}, and values of {@link issueUsersBy}. */
const MAX_DATA_ENTRIES = 100;

/**
 * The entries of `user.data` of each of the issue's users, as a `FROM` clause (`iu`: the
 * `issue_users` row, `je`: one entry of its data). `issue_users.user_json` is the user as stored
 * on their latest event of the issue, so every user is read once, as they were last seen.
 */
const USER_DATA_ENTRIES = "issue_users iu, json_each(iu.user_json, '$.data') je";

/** The keys of `user.data` on the issue's users' latest events, sorted, at most 100. */
export function userDataKeys(db: StoreDb, issueId: number): string[] {
  const rows = db
    .sql(
      `SELECT DISTINCT je.key AS key FROM ${USER_DATA_ENTRIES}
         WHERE iu.issue_id = ? AND typeof(je.key) = 'text' ORDER BY je.key LIMIT ?`,
    )
    .all(issueId, MAX_DATA_ENTRIES) as Row[];
  return rows.map((row) => String(row.key));
}

/**
 * The issue's users counted by the value of `user.data[key]`: each user once, by the value on
 * their latest event of the issue (the `issue_users` row, never the events), most users first,
 * then by value; at most 100 values. Users without the key are counted apart.
 */
export function issueUsersBy(db: StoreDb, issueId: number, key: string): UsersByValue {
  const rows = db
    .sql(
      `SELECT je.type AS type, je.value AS value, count(*) AS users FROM ${USER_DATA_ENTRIES}
         WHERE iu.issue_id = ? AND je.key = ?
         GROUP BY je.type, je.value ORDER BY users DESC, je.type, je.value LIMIT ?`,
    )
    .all(issueId, key, MAX_DATA_ENTRIES + 1) as Row[];
  const counts = db
    .sql(
      `SELECT count(*) AS total,
         sum(EXISTS (SELECT 1 FROM json_each(iu.user_json, '$.data') je WHERE je.key = ?))
           AS with_key
       FROM issue_users iu WHERE iu.issue_id = ?`,
    )
    .get(key, issueId) as Row;
  return {
    key,
    values: rows.slice(0, MAX_DATA_ENTRIES).map(
      (row): UserValueCount => ({
        value: jsonValue(row.type, row.value),
        users: Number(row.users),
      }),
    ),
    users_without: Number(counts.total) - Number(counts.with_key ?? 0),
    more_values: rows.length > MAX_DATA_ENTRIES,
  };
}

/** A `json_each` value back as the JSON value it was (SQLite gives `true` as 1, objects as text). */
function jsonValue(type: unknown, value: unknown): unknown {
  switch (type) {
    case 'null':
      return null;
    case 'true':
      return true;
    case 'false':
      return false;
    case 'integer':
    case 'real':
      return Number(value);
    case 'object':
    case 'array':
      return JSON.parse(String(value));
    default:
      return value === null || value === undefined ? null : String(value);
  }
}

/** One issue's summary without its users (cheaper than {@link getIssue}), or `undefined`. */
export function getIssueSummary(db: StoreDb, id: number): IssueSummary | undefined {
  const row = db.sql('SELECT * FROM issues WHERE id = ?').get(id) as Row | undefined;
  return row ? issueSummary(row) : undefined;
}

/**
 * Counts an issue's events per `step` ms from `from` (inclusive) to `to` (exclusive), one bucket
 * per step, empty ones included. Served by the covering `events_issue_route` index (the issue's
 * entries, filtered on `received`).
 */
export function issueHistogram(
  db: StoreDb,
  issueId: number,
  from: number,
  to: number,
  step: number,
): HistogramBucket[] {
  const rows = db
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

/** Distinct releases and server names of the issues (the UI's "app" filter), sorted, at most 200. */
export function listApps(db: StoreDb): string[] {
  const rows = db
    .sql(
      `SELECT release AS app FROM issues WHERE release IS NOT NULL
       UNION SELECT server_name FROM issues WHERE server_name IS NOT NULL ORDER BY 1 LIMIT 200`,
    )
    .all() as Row[];
  return rows.map((row) => String(row.app));
}

/** The transactions (routes) of the issues' latest events, sorted, at most 200. */
export function listTransactions(db: StoreDb): string[] {
  const rows = db
    .sql(
      `SELECT DISTINCT transaction_name AS name FROM issues WHERE transaction_name IS NOT NULL
         ORDER BY 1 LIMIT 200`,
    )
    .all() as Row[];
  return rows.map((row) => String(row.name));
}

/** An issues row as the API's {@link IssueSummary}. */
export function issueSummary(row: Row): IssueSummary {
  return {
    id: Number(row.id),
    project_id: Number(row.project_id),
    title: String(row.title),
    culprit: String(row.culprit),
    level: String(row.level),
    first_seen: iso(row.first_seen),
    last_seen: iso(row.last_seen),
    event_count: Number(row.event_count),
    user_count: Number(row.user_count),
    release: (row.release as string | null) ?? null,
    server_name: (row.server_name as string | null) ?? null,
    last_event_id: (row.last_event_id as string | null) ?? null,
    transaction: (row.transaction_name as string | null) ?? null,
  };
}
