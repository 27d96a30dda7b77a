import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  EventDetail,
  EventSummary,
  IssueDetail,
  IssueSort,
  IssueSummary,
  IssueUser,
  Page,
} from './apiTypes';
import { decodeCursor, encodeCursor } from './cursor';
import { type Grouping, groupEvent } from './grouping';
import { migrate } from './schema';
import {
  type OpenSqliteOptions,
  openSqlite,
  type SqliteDatabase,
  type SqliteDriverName,
  type SqlStatement,
  type SqlValue,
} from './sqlite';
import { eventSpanId, eventTraceId } from './traceContext';
import { iso } from './values';

/** Filters of {@link InboxStore.listEvents}. */
export interface EventQuery {
  /** Only events of this issue. */
  issue?: number | undefined;
  /** Only events of this user key (`id:u-alice`, …). */
  user?: string | undefined;
  /** Only events received at or after this time (ms since the epoch). */
  since?: number | undefined;
  /** Only events with this `transaction` (the route, e.g. `GET /boom/:id`). */
  transaction?: string | undefined;
  /** Only events of this trace (`contexts.trace.trace_id`, 32 lower-case hex digits). */
  traceId?: string | undefined;
  /** Page size. */
  limit: number;
  /** `next_cursor` of the previous page. */
  cursor?: string | undefined;
}

/** Options of {@link InboxStore.listIssues}. */
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

/** One bucket of an issue's event histogram ({@link InboxStore.issueHistogram}). */
export interface HistogramBucket {
  /** Start of the bucket, ms since the epoch. */
  start: number;
  /** Events received in `[start, start + step)`. */
  count: number;
}

/** An issue of one user, with that user's share of it ({@link InboxStore.listUserIssues}). */
export interface UserIssue extends IssueSummary {
  /** Events of this issue that this user hit. */
  user_events: number;
  /** The user's first event of this issue (ISO 8601). */
  user_first_seen: string;
  /** The user's latest event of this issue (ISO 8601). */
  user_last_seen: string;
}

/** What the inbox knows about one user key across all issues ({@link InboxStore.getUser}). */
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

/** Everything one envelope stores: written all or nothing by {@link InboxStore.storeEnvelopes}. */
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

/** What {@link InboxStore.eraseUser} removed. */
export interface ErasedUser {
  user_key: string;
  /** Events deleted (every event with this user key). */
  events: number;
  /** Issues deleted because all their events were this user's. */
  issues_removed: number;
  /** Issues recounted (events, users affected, first/last seen, latest event) after the deletion. */
  issues_updated: number;
}

/** One issue in a {@link UserExport}: only what this user's own events say about it. */
export interface UserExportIssue {
  id: number;
  /** The title of this user's latest event in the issue. */
  title: string;
  /** Where the issue happens in the code (the innermost in-app frame, or the route). */
  culprit: string;
  /** This user's events in the issue. */
  user_events: number;
  user_first_seen: string;
  user_last_seen: string;
  /** The user as stored with the issue (their latest event in it). */
  user: Record<string, unknown> | null;
}

/** Everything the inbox stores about one user key ({@link InboxStore.exportUser}). */
export interface UserExport {
  user_key: string;
  /** The user as stored on their latest event. */
  user: Record<string, unknown> | null;
  /** Every event with this user key, oldest first, with its full stored payload. */
  events: EventDetail[];
  /** The issues these events belong to. */
  issues: UserExportIssue[];
}

const SORT_COLUMNS: Record<IssueSort, string> = {
  last_seen: 'last_seen',
  first_seen: 'first_seen',
  events: 'event_count',
  users: 'user_count',
};

type Row = Record<string, unknown>;
/** A JSON column: the parsed value, `null` for SQL NULL. */
const json = (text: unknown) => (typeof text === 'string' ? JSON.parse(text) : null);

/** The inbox's SQLite database (WAL mode): events, issues, users per issue, client reports. */
export class InboxStore {
  private readonly db: SqliteDatabase;
  private readonly statements = new Map<string, SqlStatement>();
  private readonly insertEventTx: (
    event: Record<string, unknown>,
    g: Grouping,
    p: number,
  ) => boolean;

  /**
   * Opens (creating when needed) the database at `path`; `:memory:` works too.
   * The SQLite driver is `node:sqlite` when this Node has it, else
   * `better-sqlite3` (`X_INBOX_SQLITE` or `options.driver` force one).
   *
   * @throws {SqliteUnavailableError} when no driver can be loaded (one line saying what to do).
   */
  constructor(path: string, options: OpenSqliteOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = openSqlite(path, options);
    try {
      migrate(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.insertEventTx = this.db.transaction(this.writeEvent.bind(this));
  }

  /** The SQLite driver in use. */
  get driver(): SqliteDriverName {
    return this.db.driver;
  }

  /**
   * Stores a processed event and updates its issue and users affected in one
   * transaction. Returns `false` (and changes nothing) when an event with the
   * same id is already stored.
   */
  insertEvent(event: Record<string, unknown>, grouping: Grouping, projectId: number): boolean {
    return this.insertEventTx(event, grouping, projectId);
  }

  /**
   * Stores several envelopes in ONE transaction (group commit): each inside its own savepoint,
   * so an envelope whose write fails is rolled back alone and the others are stored. Returns,
   * per envelope, `undefined` when it was stored (a duplicate event id counts as stored: it is
   * ignored, as {@link insertEvent} does) or the error that rolled it back. Throws when the
   * transaction itself fails (`COMMIT` did not happen: nothing of the batch is stored).
   */
  storeEnvelopes(writes: readonly EnvelopeWrite[]): (unknown | undefined)[] {
    return this.db.transaction(() =>
      writes.map((write) => {
        try {
          // Nested: a savepoint, rolled back alone when this envelope's write throws.
          this.db.transaction(() => this.writeEnvelope(write))();
          return undefined;
        } catch (error) {
          return error;
        }
      }),
    )();
  }

  private writeEnvelope(write: EnvelopeWrite): void {
    for (const { event, grouping } of write.events) {
      this.writeEvent(event, grouping, write.projectId);
    }
    for (const report of write.reports) {
      this.insertClientReport(write.projectId, write.received, report);
    }
  }

  /** A prepared statement, compiled once per SQL text. Only the store runs SQL. */
  private sql(text: string): SqlStatement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private writeEvent(
    event: Record<string, unknown>,
    grouping: Grouping,
    projectId: number,
  ): boolean {
    const id = String(event.event_id);
    if (this.sql('SELECT 1 FROM events WHERE id = ?').get(id)) return false;
    const received = Math.round(Number(event.received) * 1000);
    const timestamp = Math.round(Number(event.timestamp) * 1000);
    const level = String(event.level);
    const user = (event.user ?? null) as Record<string, unknown> | null;
    const userKey = typeof user?.sentry_user === 'string' ? user.sentry_user : null;
    const userJson = user ? JSON.stringify(user) : null;
    const text = (value: unknown) => (typeof value === 'string' ? value : null);
    const transaction = text(event.transaction);
    const traceId = eventTraceId(event);

    // Positional parameters (`?`; better-sqlite3 has no `?NNN`): binding by name costs a lookup per
    // name on every call.
    const issue = this.sql(
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
    ).get(
      projectId,
      grouping.hash,
      grouping.title,
      grouping.culprit,
      level,
      received,
      received,
      text(event.release),
      text(event.server_name),
      id,
      transaction,
    ) as { id: number };

    this.sql(
      `INSERT INTO events (id, project_id, issue_id, received, timestamp, level, title, user_key, user_json,
           data, transaction_name, trace_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      projectId,
      issue.id,
      received,
      timestamp,
      level,
      grouping.title,
      userKey,
      userJson,
      JSON.stringify(event),
      transaction,
      traceId,
    );

    if (userKey && userJson) {
      // One upsert per event; `added` says whether this user is new to the issue.
      const row = this.sql(
        `INSERT INTO issue_users (issue_id, user_key, event_count, first_seen, last_seen, user_json)
           VALUES (?, ?, 1, ?, ?, ?)
           ON CONFLICT (issue_id, user_key) DO UPDATE SET event_count = event_count + 1,
             last_seen = max(last_seen, excluded.last_seen), user_json = excluded.user_json
           RETURNING event_count = 1 AS added`,
      ).get(issue.id, userKey, received, received, userJson) as { added: number };
      if (row.added) {
        this.sql('UPDATE issues SET user_count = user_count + 1 WHERE id = ?').run(issue.id);
      }
    }
    return true;
  }

  /** Stores a `client_report` item as received. */
  insertClientReport(projectId: number, received: number, report: unknown): void {
    this.sql('INSERT INTO client_reports (project_id, received, data) VALUES (?, ?, ?)').run(
      projectId,
      received,
      JSON.stringify(report),
    );
  }

  /** Events, newest first, with optional filters and cursor paging. */
  listEvents(query: EventQuery): Page<EventSummary> {
    const where: string[] = [];
    const args: SqlValue[] = [];
    if (query.issue !== undefined) where.push('issue_id = ?') && args.push(query.issue);
    if (query.user !== undefined) where.push('user_key = ?') && args.push(query.user);
    if (query.since !== undefined) where.push('received >= ?') && args.push(query.since);
    if (query.transaction !== undefined) {
      where.push('transaction_name = ?') && args.push(query.transaction);
    }
    if (query.traceId !== undefined) where.push('trace_id = ?') && args.push(query.traceId);
    const cursor = decodeCursor(query.cursor, 1);
    if (cursor) where.push('seq < ?') && args.push(cursor[0] as number);
    const sql = `SELECT seq, id, project_id, issue_id, received, timestamp, level, title, user_key, user_json,
        transaction_name, trace_id FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY seq DESC LIMIT ?`;
    const rows = this.sql(sql).all(...args, query.limit + 1) as Row[];
    const more = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      data: page.map(eventSummary),
      next_cursor: more && last ? encodeCursor([Number(last.seq)]) : null,
    };
  }

  /** One event with its full stored payload, or `undefined`. */
  getEvent(id: string): EventDetail | undefined {
    const row = this.sql(
      `SELECT id, project_id, issue_id, received, timestamp, level, title, user_key, user_json, data,
           transaction_name, trace_id FROM events WHERE id = ?`,
    ).get(id) as Row | undefined;
    return row ? eventDetail(row) : undefined;
  }

  /** Issues, sorted descending by `sort`, with cursor paging and optional filters. */
  listIssues(query: IssueQuery): Page<IssueSummary> {
    const column = SORT_COLUMNS[query.sort];
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
    const cursor = decodeCursor(query.cursor, 2);
    if (cursor) where.push(`(${column} < ? OR (${column} = ? AND id < ?))`);
    if (cursor) args.push(cursor[0] as number, cursor[0] as number, cursor[1] as number);
    const rows = this.sql(
      `SELECT * FROM issues ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY ${column} DESC, id DESC LIMIT ?`,
    ).all(...args, query.limit + 1) as Row[];
    const more = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      data: page.map(issueSummary),
      next_cursor: more && last ? encodeCursor([Number(last[column]), Number(last.id)]) : null,
    };
  }

  /** One issue with its affected users (most events first, at most 100), or `undefined`. */
  getIssue(id: number): IssueDetail | undefined {
    const row = this.sql('SELECT * FROM issues WHERE id = ?').get(id) as Row | undefined;
    if (!row) return undefined;
    const users = this.sql(
      `SELECT * FROM issue_users WHERE issue_id = ?
         ORDER BY event_count DESC, last_seen DESC, user_key LIMIT 100`,
    ).all(id) as Row[];
    return {
      ...issueSummary(row),
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

  /** One issue's summary without its users (cheaper than {@link getIssue}), or `undefined`. */
  getIssueSummary(id: number): IssueSummary | undefined {
    const row = this.sql('SELECT * FROM issues WHERE id = ?').get(id) as Row | undefined;
    return row ? issueSummary(row) : undefined;
  }

  /**
   * Counts an issue's events per `step` ms from `from` (inclusive) to `to`
   * (exclusive); buckets without events are included, so the result has one
   * entry per step. Served by the covering `events_issue_route` index (the issue's entries,
   * filtered on `received`).
   */
  issueHistogram(issueId: number, from: number, to: number, step: number): HistogramBucket[] {
    const rows = this.sql(
      `SELECT CAST((received - @from) / @step AS INTEGER) AS bucket, count(*) AS n FROM events
         WHERE issue_id = @issue AND received >= @from AND received < @to GROUP BY bucket`,
    ).all({ issue: issueId, from, to, step }) as Row[];
    const counts = new Map(rows.map((row) => [Number(row.bucket), Number(row.n)]));
    const buckets: HistogramBucket[] = [];
    for (let i = 0; from + i * step < to; i++) {
      buckets.push({ start: from + i * step, count: counts.get(i) ?? 0 });
    }
    return buckets;
  }

  /** Totals and the latest stored form of one user, or `undefined` when no event has that key. */
  getUser(userKey: string): UserSummary | undefined {
    const latest = this.sql(
      'SELECT id, user_json FROM events WHERE user_key = ? ORDER BY seq DESC LIMIT 1',
    ).get(userKey) as Row | undefined;
    if (!latest) return undefined;
    const totals = this.sql(
      `SELECT count(*) AS issues, sum(event_count) AS events, min(first_seen) AS first_seen,
           max(last_seen) AS last_seen FROM issue_users WHERE user_key = ?`,
    ).get(userKey) as Row;
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
  listUserIssues(userKey: string, limit = 100): UserIssue[] {
    const rows = this.sql(
      `SELECT issues.*, iu.event_count AS user_events, iu.first_seen AS user_first_seen,
           iu.last_seen AS user_last_seen
         FROM issue_users iu JOIN issues ON issues.id = iu.issue_id
         WHERE iu.user_key = ? ORDER BY iu.last_seen DESC LIMIT ?`,
    ).all(userKey, limit) as Row[];
    return rows.map((row) => ({
      ...issueSummary(row),
      user_events: Number(row.user_events),
      user_first_seen: iso(row.user_first_seen),
      user_last_seen: iso(row.user_last_seen),
    }));
  }

  /** Up to `limit` user keys among the newest 200 events, most recent first (filter suggestions). */
  recentUserKeys(limit = 50): string[] {
    const rows = this.sql(
      `SELECT user_key FROM (SELECT user_key, seq FROM events WHERE user_key IS NOT NULL
         ORDER BY seq DESC LIMIT 200) GROUP BY user_key ORDER BY max(seq) DESC LIMIT ?`,
    ).all(limit) as Row[];
    return rows.map((row) => String(row.user_key));
  }

  /** Distinct releases and server names of the issues (the UI's "app" filter), sorted, at most 200. */
  listApps(): string[] {
    const rows = this.sql(
      `SELECT release AS app FROM issues WHERE release IS NOT NULL
       UNION SELECT server_name FROM issues WHERE server_name IS NOT NULL ORDER BY 1 LIMIT 200`,
    ).all() as Row[];
    return rows.map((row) => String(row.app));
  }

  /**
   * The transactions (routes) of the issues' latest events, sorted, at most 200: suggestions for
   * the UI's transaction filter.
   */
  listTransactions(): string[] {
    const rows = this.sql(
      `SELECT DISTINCT transaction_name AS name FROM issues WHERE transaction_name IS NOT NULL
         ORDER BY 1 LIMIT 200`,
    ).all() as Row[];
    return rows.map((row) => String(row.name));
  }

  /** The newest event's sequence number (0 when empty): changes whenever an event is stored. */
  latestSeq(): number {
    return Number((this.sql('SELECT max(seq) AS seq FROM events').get() as Row).seq ?? 0);
  }

  /** Row counts, for `GET /api/health`. */
  counts(): { events: number; issues: number; client_reports: number } {
    const count = (table: string) =>
      Number((this.sql(`SELECT count(*) AS n FROM ${table}`).get() as Row).n);
    return {
      events: count('events'),
      issues: count('issues'),
      client_reports: count('client_reports'),
    };
  }

  /**
   * Erases one user key: deletes every event with it and its per-issue user rows, deletes the
   * issues left without events, and recounts the others (events, users affected, first and last
   * seen, and title, culprit, level, release, server and route from their new latest event) — all
   * in one transaction. Then the WAL is checkpointed and truncated, so that, with
   * `secure_delete` (on since the database is opened), the erased rows' bytes are gone from the
   * database file and its `-wal` file. `undefined` when no event has this key.
   */
  eraseUser(userKey: string): ErasedUser | undefined {
    const erased = this.db.transaction(() => {
      const issueIds = this.sql(
        `SELECT DISTINCT issue_id FROM events WHERE user_key = ?
           UNION SELECT issue_id FROM issue_users WHERE user_key = ?`,
      )
        .all(userKey, userKey)
        .map((row) => Number(row.issue_id));
      const events = this.sql('DELETE FROM events WHERE user_key = ?').run(userKey).changes;
      if (events === 0) return undefined;
      this.sql('DELETE FROM issue_users WHERE user_key = ?').run(userKey);
      let removed = 0;
      for (const issueId of issueIds) {
        if (this.recountIssue(issueId)) continue;
        this.sql('DELETE FROM issue_users WHERE issue_id = ?').run(issueId);
        this.sql('DELETE FROM issues WHERE id = ?').run(issueId);
        removed++;
      }
      return {
        user_key: userKey,
        events,
        issues_removed: removed,
        issues_updated: issueIds.length - removed,
      };
    })();
    if (erased) this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    return erased;
  }

  /** Recomputes an issue from its remaining events; `false` when it has none left. */
  private recountIssue(issueId: number): boolean {
    const totals = this.sql(
      `SELECT count(*) AS n, min(received) AS first_seen, max(received) AS last_seen
         FROM events WHERE issue_id = ?`,
    ).get(issueId) as Row;
    if (Number(totals.n) === 0) return false;
    const latest = this.sql(
      'SELECT id, title, data FROM events WHERE issue_id = ? ORDER BY seq DESC LIMIT 1',
    ).get(issueId) as Row;
    const event = json(latest.data) as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === 'string' ? value : null);
    this.sql(
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
      release: text(event.release),
      server: text(event.server_name),
      latest: String(latest.id),
      transaction: text(event.transaction),
    });
    return true;
  }

  /**
   * Everything stored about one user key, for a download: the user, every event with its
   * payload (oldest first) and the issues they appear in, described by this user's events only
   * (an issue's latest event may be someone else's). `undefined` when no event has this key.
   */
  exportUser(userKey: string): UserExport | undefined {
    const rows = this.sql(
      `SELECT id, project_id, issue_id, received, timestamp, level, title, user_key, user_json, data,
           transaction_name, trace_id FROM events WHERE user_key = ? ORDER BY seq`,
    ).all(userKey) as Row[];
    const last = rows[rows.length - 1];
    if (!last) return undefined;
    const issues = this.sql(
      `SELECT iu.issue_id, iu.event_count, iu.first_seen, iu.last_seen, iu.user_json, issues.culprit,
           (SELECT title FROM events WHERE events.issue_id = iu.issue_id AND events.user_key = iu.user_key
              ORDER BY seq DESC LIMIT 1) AS title
         FROM issue_users iu JOIN issues ON issues.id = iu.issue_id
         WHERE iu.user_key = ? ORDER BY iu.first_seen, iu.issue_id`,
    ).all(userKey) as Row[];
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

  /** Closes the database (checkpointing the WAL). */
  close(): void {
    this.db.close();
  }
}

/** An events row as the API's {@link EventSummary}. */
function eventSummary(row: Row): EventSummary {
  return {
    id: String(row.id),
    issue_id: Number(row.issue_id),
    project_id: Number(row.project_id),
    received: iso(row.received),
    timestamp: iso(row.timestamp),
    level: String(row.level),
    title: String(row.title),
    user_key: (row.user_key as string | null) ?? null,
    user: json(row.user_json),
    transaction: (row.transaction_name as string | null) ?? null,
    trace_id: (row.trace_id as string | null) ?? null,
  };
}

/** An events row with its `data` as the API's {@link EventDetail}. */
function eventDetail(row: Row): EventDetail {
  const event = json(row.data) as Record<string, unknown>;
  return { ...eventSummary(row), span_id: eventSpanId(event), event };
}

/** An issues row as the API's {@link IssueSummary}. */
function issueSummary(row: Row): IssueSummary {
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
