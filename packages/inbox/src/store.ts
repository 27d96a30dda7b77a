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
import type { Grouping } from './grouping';
import { migrate } from './schema';
import {
  type OpenSqliteOptions,
  openSqlite,
  type SqliteDatabase,
  type SqliteDriverName,
  type SqlStatement,
  type SqlValue,
} from './sqlite';

/** Filters of {@link InboxStore.listEvents}. */
export interface EventQuery {
  issue?: number;
  user?: string;
  /** Only events received at or after this time (ms since the epoch). */
  since?: number;
  limit: number;
  cursor?: string;
}

/** Options of {@link InboxStore.listIssues}. */
export interface IssueQuery {
  sort: IssueSort;
  limit: number;
  cursor?: string;
  /** Only issues this user (a user key such as `id:u-alice`) was affected by. */
  user?: string;
  /** Only issues whose latest `release` or `server_name` is this. */
  app?: string;
  /** Only issues whose title or culprit contains this text (ASCII case-insensitive). */
  text?: string;
}

const SORT_COLUMNS: Record<IssueSort, string> = {
  last_seen: 'last_seen',
  first_seen: 'first_seen',
  events: 'event_count',
  users: 'user_count',
};

type Row = Record<string, unknown>;
const iso = (ms: unknown) => {
  const date = new Date(Number(ms));
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
};
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
   * A prepared statement, compiled once per SQL text. Public for read-only
   * queries of the web UI (`ui/queries.ts`); writes go through the methods here.
   */
  sql(text: string): SqlStatement {
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
    const text = (value: unknown) => (typeof value === 'string' ? value : null);

    const issue = this.sql(
      `INSERT INTO issues (project_id, hash, title, culprit, level, first_seen, last_seen,
           event_count, release, server_name, last_event_id)
         VALUES (@project, @hash, @title, @culprit, @level, @received, @received, 1, @release, @server, @id)
         ON CONFLICT (project_id, hash) DO UPDATE SET
           event_count = event_count + 1,
           first_seen = min(first_seen, excluded.first_seen),
           last_seen = max(last_seen, excluded.last_seen),
           title = excluded.title, culprit = excluded.culprit, level = excluded.level,
           release = excluded.release, server_name = excluded.server_name,
           last_event_id = excluded.last_event_id
         RETURNING id`,
    ).get({
      project: projectId,
      hash: grouping.hash,
      title: grouping.title,
      culprit: grouping.culprit,
      level,
      received,
      release: text(event.release),
      server: text(event.server_name),
      id,
    }) as { id: number };

    this.sql(
      `INSERT INTO events (id, project_id, issue_id, received, timestamp, level, title, user_key, user_json, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      projectId,
      issue.id,
      received,
      timestamp,
      level,
      grouping.title,
      userKey,
      user ? JSON.stringify(user) : null,
      JSON.stringify(event),
    );

    if (userKey && user) {
      const added = this.sql(
        `INSERT OR IGNORE INTO issue_users (issue_id, user_key, event_count, first_seen, last_seen, user_json)
           VALUES (?, ?, 1, ?, ?, ?)`,
      ).run(issue.id, userKey, received, received, JSON.stringify(user));
      if (added.changes > 0) {
        this.sql('UPDATE issues SET user_count = user_count + 1 WHERE id = ?').run(issue.id);
      } else {
        this.sql(
          `UPDATE issue_users SET event_count = event_count + 1, last_seen = max(last_seen, ?),
             user_json = ? WHERE issue_id = ? AND user_key = ?`,
        ).run(received, JSON.stringify(user), issue.id, userKey);
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
    const cursor = decodeCursor(query.cursor, 1);
    if (cursor) where.push('seq < ?') && args.push(cursor[0] as number);
    const sql = `SELECT seq, id, project_id, issue_id, received, timestamp, level, title, user_key, user_json
      FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
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
      `SELECT id, project_id, issue_id, received, timestamp, level, title, user_key, user_json, data
         FROM events WHERE id = ?`,
    ).get(id) as Row | undefined;
    return row ? { ...eventSummary(row), event: json(row.data) } : undefined;
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

  /** Closes the database (checkpointing the WAL). */
  close(): void {
    this.db.close();
  }
}

/** An events row as the API's {@link EventSummary}. */
export function eventSummary(row: Row): EventSummary {
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
  };
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
  };
}
