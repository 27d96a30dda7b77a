import type { InboxStore } from './inboxStore';
import type { SqlValue } from './sqlite';
import { json, type Row, type StoreDb } from './storeDb';
import { isObject, iso } from './values';

/** What `GET /api/stream` pushes per stored event (the `data:` of each message, as JSON). */
export interface StreamEvent {
  /** The event's sequence number (its rowid): increases with every stored event. */
  seq: number;
  /** The event id (32 hex digits). */
  id: string;
  /** When the inbox received it (ISO 8601). */
  received: string;
  /** `fatal`, `error`, `warning`, `info` or `debug`. */
  level: string;
  /** The issue title as the event gave it (its exception or message). */
  title: string;
  /** The user key (`id:u-alice`, `email:…`, …), or `null` without a user. */
  user_key: string | null;
  /** The stored user's `id`, `username`, `email` and `ip_address` (those present), or `null`. */
  user: StreamUser | null;
  /** The event's `transaction` (its route), or `null`. */
  transaction: string | null;
  /** The event's `release`, or `null`. */
  release: string | null;
  /** The issue it was grouped into. */
  issue_id: number;
}

/** The user fields a {@link StreamEvent} carries, as stored. */
export interface StreamUser {
  /** `user.id` (a number is given as its text). */
  id?: string;
  /** `user.username`. */
  username?: string;
  /** `user.email`. */
  email?: string;
  /** `user.ip_address`: as sent, or the one Relay's rules filled in. */
  ip_address?: string;
}

/** Server-side filters of the stream; each set one must match exactly. */
export interface StreamFilter {
  /** A user key, e.g. `id:u-alice`. */
  user?: string | undefined;
  /** A transaction (route), e.g. `GET /boom/:id`. */
  transaction?: string | undefined;
  /** A level, e.g. `error`. */
  level?: string | undefined;
}

/** Reads stored events after a sequence number, oldest first. */
export interface StreamSource {
  /** Up to `limit` events with `seq > after` that match `filter`, in `seq` order. */
  eventsAfter(after: number, filter: StreamFilter, limit: number): StreamEvent[];
  /** The newest event's sequence number (0 when empty). */
  latestSeq(): number;
}

/**
 * A {@link StreamSource} on the store's own connection: the connection that writes the events, so
 * a read right after a commit sees it (and `:memory:` databases work).
 */
export function storeStreamSource(store: InboxStore): StreamSource {
  return {
    eventsAfter: (after, filter, limit) => store.streamEventsAfter(after, filter, limit),
    latestSeq: () => store.latestSeq(),
  };
}

/** Up to `limit` stored events with `seq > after` that match `filter`, oldest first. */
export function eventsAfter(
  db: StoreDb,
  after: number,
  filter: StreamFilter,
  limit: number,
): StreamEvent[] {
  const where = ['seq > ?'];
  const args: SqlValue[] = [after];
  if (filter.user !== undefined) where.push('user_key = ?') && args.push(filter.user);
  if (filter.transaction !== undefined) {
    where.push('transaction_name = ?') && args.push(filter.transaction);
  }
  if (filter.level !== undefined) where.push('level = ?') && args.push(filter.level);
  const rows = db
    .sql(
      `SELECT seq, id, issue_id, received, level, title, user_key, user_json, transaction_name,
         json_extract(data, '$.release') AS release
       FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`,
    )
    .all(...args, limit) as Row[];
  return rows.map(streamEvent);
}

function streamEvent(row: Row): StreamEvent {
  return {
    seq: Number(row.seq),
    id: String(row.id),
    received: iso(row.received),
    level: String(row.level),
    title: String(row.title),
    user_key: (row.user_key as string | null) ?? null,
    user: streamUser(json(row.user_json)),
    transaction: (row.transaction_name as string | null) ?? null,
    release: typeof row.release === 'string' ? row.release : null,
    issue_id: Number(row.issue_id),
  };
}

function streamUser(stored: unknown): StreamUser | null {
  if (!isObject(stored)) return null;
  const user: StreamUser = {};
  for (const key of ['id', 'username', 'email', 'ip_address'] as const) {
    const value = stored[key];
    if (typeof value === 'string') user[key] = value;
    else if (typeof value === 'number') user[key] = String(value);
  }
  return user;
}
