import type { EventMatch, UserDetail } from './apiSearch';
import type {
  ErasedUser,
  EventDetail,
  EventSummary,
  IssueDetail,
  IssueSummary,
  Page,
  UserExport,
  UsersByValue,
} from './apiTypes';
import { eraseUser } from './eraseUser';
import {
  type EventQuery,
  type EventSearch,
  getEvent,
  listEvents,
  searchEvents,
} from './eventQueries';
import { exportUser } from './exportUser';
import type { Grouping } from './grouping';
import {
  getIssue,
  getIssueSummary,
  type HistogramBucket,
  type IssueQuery,
  issueHistogram,
  issueUsersBy,
  listApps,
  listIssues,
  listTransactions,
} from './issueQueries';
import type { OpenSqliteOptions, SqliteDriverName } from './sqlite';
import { openStoreDb, type Row, type StoreDb } from './storeDb';
import {
  type EnvelopeWrite,
  insertClientReport,
  storeEnvelopes,
  writeEvent,
} from './storeEnvelopes';
import { eventsAfter, type StreamEvent, type StreamFilter } from './streamQueries';
import {
  getUser,
  getUserDetail,
  listUserIssues,
  recentUserKeys,
  type UserIssue,
  type UserSummary,
} from './userQueries';

/**
 * The inbox's SQLite database (WAL mode): events, issues, users per issue, client reports. The
 * SQL lives in the modules it calls: writes in `storeEnvelopes`, reads in `eventQueries`,
 * `issueQueries` and `userQueries`, and `eraseUser` and `exportUser`.
 */
export class InboxStore {
  private readonly db: StoreDb;
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
    this.db = openStoreDb(path, options);
    this.insertEventTx = this.db.sqlite.transaction((event, grouping, projectId) =>
      writeEvent(this.db, event, grouping, projectId),
    );
  }

  /** The SQLite driver in use. */
  get driver(): SqliteDriverName {
    return this.db.sqlite.driver;
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
    return storeEnvelopes(this.db, writes);
  }

  /** Stores a `client_report` item as received. */
  insertClientReport(projectId: number, received: number, report: unknown): void {
    insertClientReport(this.db, projectId, received, report);
  }

  /** Events, newest first, with optional filters and cursor paging. */
  listEvents(query: EventQuery): Page<EventSummary> {
    return listEvents(this.db, query);
  }

  /**
   * Events, newest first, with the filters of {@link listEvents} plus a substring of their title
   * or message (`text`), each with its `release`.
   */
  searchEvents(query: EventSearch): Page<EventMatch> {
    return searchEvents(this.db, query);
  }

  /** One event with its full stored payload, or `undefined`. */
  getEvent(id: string): EventDetail | undefined {
    return getEvent(this.db, id);
  }

  /** Issues, sorted descending by `sort`, with cursor paging and optional filters. */
  listIssues(query: IssueQuery): Page<IssueSummary> {
    return listIssues(this.db, query);
  }

  /** One issue with its affected users (most events first, at most 100), or `undefined`. */
  getIssue(id: number): IssueDetail | undefined {
    return getIssue(this.db, id);
  }

  /** The issue's users counted by the value of `user.data[key]` on their latest event of it. */
  issueUsersBy(issueId: number, key: string): UsersByValue {
    return issueUsersBy(this.db, issueId, key);
  }

  /** One issue's summary without its users (cheaper than {@link getIssue}), or `undefined`. */
  getIssueSummary(id: number): IssueSummary | undefined {
    return getIssueSummary(this.db, id);
  }

  /**
   * Counts an issue's events per `step` ms from `from` (inclusive) to `to`
   * (exclusive); buckets without events are included, so the result has one
   * entry per step.
   */
  issueHistogram(issueId: number, from: number, to: number, step: number): HistogramBucket[] {
    return issueHistogram(this.db, issueId, from, to, step);
  }

  /** Totals and the latest stored form of one user, or `undefined` when no event has that key. */
  getUser(userKey: string): UserSummary | undefined {
    return getUser(this.db, userKey);
  }

  /**
   * One user's totals, the issues they hit (at most 100) and a page of their events, newest
   * first; `undefined` when no event has this key.
   */
  getUserDetail(
    userKey: string,
    page: { limit: number; cursor?: string | undefined },
  ): UserDetail | undefined {
    return getUserDetail(this.db, userKey, page);
  }

  /** The issues a user was affected by, most recently hit first (at most `limit`). */
  listUserIssues(userKey: string, limit = 100): UserIssue[] {
    return listUserIssues(this.db, userKey, limit);
  }

  /** Up to `limit` user keys among the newest 200 events, most recent first (filter suggestions). */
  recentUserKeys(limit = 50): string[] {
    return recentUserKeys(this.db, limit);
  }

  /** Distinct releases and server names of the issues (the UI's "app" filter), sorted, at most 200. */
  listApps(): string[] {
    return listApps(this.db);
  }

  /**
   * The transactions (routes) of the issues' latest events, sorted, at most 200: suggestions for
   * the UI's transaction filter.
   */
  listTransactions(): string[] {
    return listTransactions(this.db);
  }

  /** Up to `limit` events after sequence `after` matching `filter`, oldest first (the event stream). */
  streamEventsAfter(after: number, filter: StreamFilter, limit: number): StreamEvent[] {
    return eventsAfter(this.db, after, filter, limit);
  }

  /** The newest event's sequence number (0 when empty): changes whenever an event is stored. */
  latestSeq(): number {
    return Number((this.db.sql('SELECT max(seq) AS seq FROM events').get() as Row).seq ?? 0);
  }

  /** Row counts, for `GET /api/health`. */
  counts(): { events: number; issues: number; client_reports: number } {
    const count = (table: string) =>
      Number((this.db.sql(`SELECT count(*) AS n FROM ${table}`).get() as Row).n);
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
    return eraseUser(this.db, userKey);
  }

  /**
   * Everything stored about one user key, for a download: the user, every event with its
   * payload (oldest first) and the issues they appear in, described by this user's events only
   * (an issue's latest event may be someone else's). `undefined` when no event has this key.
   */
  exportUser(userKey: string): UserExport | undefined {
    return exportUser(this.db, userKey);
  }

  /**
   * Sets how many WAL pages make SQLite checkpoint after a commit on this connection
   * (`PRAGMA wal_autocheckpoint`; SQLite's default is 1,000, 0 turns it off).
   */
  setAutocheckpoint(pages: number): void {
    this.db.sqlite.exec(`PRAGMA wal_autocheckpoint = ${Math.max(0, Math.trunc(pages))}`);
  }

  /** Closes the database (checkpointing the WAL). */
  close(): void {
    this.db.sqlite.close();
  }
}
