/** One event in `GET /api/events`. Times are ISO 8601 strings. */
export interface EventSummary {
  /** The event id (32 hex digits). */
  id: string;
  /** The issue the event was grouped into. */
  issue_id: number;
  /** The project from the ingest URL. */
  project_id: number;
  /** When the inbox received it. */
  received: string;
  /** When the SDK says it happened. */
  timestamp: string;
  level: string;
  title: string;
  /** `id:…` / `username:…` / `email:…` / `ip:…`, or `null` without an identity. */
  user_key: string | null;
  /** The stored user (custom keys under `data`), or `null`. */
  user: Record<string, unknown> | null;
  /** The event's `transaction`: the route it happened on (`GET /boom/:id`), or `null`. */
  transaction: string | null;
  /**
   * The event's trace (`contexts.trace.trace_id`: 32 lower-case hex digits), or `null` without a
   * valid one (and for events stored before schema 4).
   */
  trace_id: string | null;
}

/** `GET /api/events/:id`: the summary plus the full stored event (with its `_meta`). */
export interface EventDetail extends EventSummary {
  /** The event's span (`contexts.trace.span_id`: 16 lower-case hex digits), or `null`. */
  span_id: string | null;
  /** The event as stored, in Sentry's event format, plus `_meta` when something was dropped. */
  event: Record<string, unknown>;
}

/** One issue in `GET /api/issues`. */
export interface IssueSummary {
  id: number;
  project_id: number;
  title: string;
  culprit: string;
  /** Level of the latest event. */
  level: string;
  first_seen: string;
  last_seen: string;
  event_count: number;
  /** Distinct user keys among the events ("users affected"). */
  user_count: number;
  /** `release` of the latest event, or `null`. */
  release: string | null;
  /** `server_name` of the latest event, or `null`. */
  server_name: string | null;
  last_event_id: string | null;
  /** `transaction` of the latest event (its route, e.g. `GET /boom/:id`), or `null`. */
  transaction: string | null;
}

/** One affected user of an issue. */
export interface IssueUser {
  user_key: string;
  event_count: number;
  first_seen: string;
  last_seen: string;
  /** The user as stored on the latest of their events. */
  user: Record<string, unknown>;
}

/**
 * `GET /api/issues/:id`: the summary plus the affected users (most events first, at most 100),
 * the keys of their custom data and, with `?by=<key>`, the users counted by that key's value.
 */
export interface IssueDetail extends IssueSummary {
  users: IssueUser[];
  /**
   * The keys of `user.data` (the user's custom fields, e.g. `subscription`) on the affected users'
   * latest events of the issue, sorted, at most 100: what `?by=` can take.
   */
  user_data_keys: string[];
  /** With `?by=<key>`: the issue's users counted by the value of that key. */
  users_by?: UsersByValue | undefined;
}

/**
 * An issue's users counted by one key of their custom data (`user.data.<key>`): each user once,
 * by the value on their latest event of the issue (never by events).
 */
export interface UsersByValue {
  /** The key of `user.data`, e.g. `subscription`. */
  key: string;
  /** Each value with its number of users, most users first (then by value), at most 100. */
  values: UserValueCount[];
  /** Users whose latest event of the issue has no such key. */
  users_without: number;
  /** Whether more values exist than `values` holds. */
  more_values: boolean;
}

/** One value of {@link UsersByValue}: the value as stored (any JSON value) and its users. */
export interface UserValueCount {
  value: unknown;
  users: number;
}

/** A page of a list endpoint; pass `next_cursor` as `cursor` for the next page. */
export interface Page<T> {
  data: T[];
  /** `null` on the last page. */
  next_cursor: string | null;
}

/** How `GET /api/issues` can be sorted (always descending). */
export type IssueSort = 'last_seen' | 'first_seen' | 'events' | 'users';

/** `DELETE /api/users/:userKey`: what erasing the user removed. */
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

/**
 * Everything the inbox stores about one user key: `GET /api/users/:userKey/export` answers this
 * plus `exported_at` (ISO 8601).
 */
export interface UserExport {
  user_key: string;
  /** The user as stored on their latest event. */
  user: Record<string, unknown> | null;
  /** Every event with this user key, oldest first, with its full stored payload. */
  events: EventDetail[];
  /** The issues these events belong to. */
  issues: UserExportIssue[];
}
