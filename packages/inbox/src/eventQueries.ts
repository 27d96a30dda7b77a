import type { EventMatch } from './apiSearch';
import type { EventDetail, EventSummary, Page } from './apiTypes';
import { decodeCursor, encodeCursor } from './cursor';
import type { SqlValue } from './sqlite';
import { json, type Row, type StoreDb, textOrNull } from './storeDb';
import { eventSpanId } from './traceContext';
import { iso } from './values';

/** Filters of `InboxStore.listEvents`. */
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

/** Filters of `InboxStore.searchEvents`: those of {@link EventQuery} plus a text search. */
export interface EventSearch extends EventQuery {
  /**
   * Only events whose title or message (`logentry.formatted` or `logentry.message`) contains
   * this text (ASCII case-insensitive, as SQLite's `LIKE`).
   */
  text?: string | undefined;
}

const SUMMARY_COLUMNS = `seq, id, project_id, issue_id, received, timestamp, level, title, user_key,
  user_json, transaction_name, trace_id`;

/** Events, newest first, with optional filters and cursor paging. */
export function listEvents(db: StoreDb, query: EventQuery): Page<EventSummary> {
  return eventPage(db, query, SUMMARY_COLUMNS, eventSummary);
}

/**
 * Events, newest first, with the filters of {@link listEvents} plus a substring of their title
 * or message, each with its `release`. Without an indexed filter (user, issue, trace) a rare
 * text scans the events from the newest until a page is full.
 */
export function searchEvents(db: StoreDb, query: EventSearch): Page<EventMatch> {
  return eventPage(
    db,
    query,
    `${SUMMARY_COLUMNS}, json_extract(data, '$.release') AS release`,
    (row) => ({ ...eventSummary(row), release: textOrNull(row.release) }),
  );
}

/** One page of events, newest first: the filters' WHERE terms, then cursor paging on `seq`. */
function eventPage<T>(
  db: StoreDb,
  query: EventSearch,
  columns: string,
  map: (row: Row) => T,
): Page<T> {
  const { where, args } = eventFilters(query);
  const cursor = decodeCursor(query.cursor, 1);
  if (cursor) where.push('seq < ?') && args.push(cursor[0] as number);
  const sql = `SELECT ${columns} FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY seq DESC LIMIT ?`;
  const rows = db.sql(sql).all(...args, query.limit + 1) as Row[];
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(map),
    next_cursor: more && last ? encodeCursor([Number(last.seq)]) : null,
  };
}

/** The WHERE terms of the events' filters, with their parameters in order. */
function eventFilters(query: EventSearch): { where: string[]; args: SqlValue[] } {
  const where: string[] = [];
  const args: SqlValue[] = [];
  if (query.issue !== undefined) where.push('issue_id = ?') && args.push(query.issue);
  if (query.user !== undefined) where.push('user_key = ?') && args.push(query.user);
  if (query.since !== undefined) where.push('received >= ?') && args.push(query.since);
  if (query.transaction !== undefined) {
    where.push('transaction_name = ?') && args.push(query.transaction);
  }
  if (query.traceId !== undefined) where.push('trace_id = ?') && args.push(query.traceId);
  if (query.text) {
    // `\`, `%` and `_` in the text are matched literally.
    const like = `%${query.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(
      `(title LIKE ? ESCAPE '\\' OR json_extract(data, '$.logentry.formatted') LIKE ? ESCAPE '\\'
        OR json_extract(data, '$.logentry.message') LIKE ? ESCAPE '\\')`,
    );
    args.push(like, like, like);
  }
  return { where, args };
}

/** One event with its full stored payload, or `undefined`. */
export function getEvent(db: StoreDb, id: string): EventDetail | undefined {
  const row = db
    .sql(
      `SELECT id, project_id, issue_id, received, timestamp, level, title, user_key, user_json, data,
           transaction_name, trace_id FROM events WHERE id = ?`,
    )
    .get(id) as Row | undefined;
  return row ? eventDetail(row) : undefined;
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
    transaction: (row.transaction_name as string | null) ?? null,
    trace_id: (row.trace_id as string | null) ?? null,
  };
}

/** An events row with its `data` as the API's {@link EventDetail}. */
export function eventDetail(row: Row): EventDetail {
  const event = json(row.data) as Record<string, unknown>;
  return { ...eventSummary(row), span_id: eventSpanId(event), event };
}
