import type { EventSummary } from './apiTypes';
import { HttpError } from './httpError';
import type { InboxStore } from './inboxStore';
import { optionalUint, pageLimit, traceIdParam, userKeyParam } from './params';
import type { Router } from './router';
import type { UserIssue } from './userQueries';

/** An event of `GET /api/search/events` and `GET /api/users/:userKey`: its summary and release. */
export interface EventMatch extends EventSummary {
  /** The event's `release`, or `null`. */
  release: string | null;
}

/** `GET /api/users/:userKey`: one user's impact — totals, issues and a page of events. */
export interface UserDetail {
  /** The user key (`id:u-alice`, `email:…`, `username:…`, `ip:…`). */
  user_key: string;
  /** The user as stored on their latest event. */
  user: Record<string, unknown> | null;
  /** The id of their latest event. */
  latest_event_id: string;
  /** Their events, over all issues. */
  event_count: number;
  /** The issues they were affected by. */
  issue_count: number;
  /** Their first event (ISO 8601). */
  first_seen: string;
  /** Their latest event (ISO 8601). */
  last_seen: string;
  /** The issues they hit, most recently hit first (at most 100), with their share of each. */
  issues: UserIssue[];
  /** A page of their events, newest first. */
  events: EventMatch[];
  /** Pass as `cursor` for the next page of `events`; `null` on the last page. */
  next_cursor: string | null;
}

/** What the search routes need. */
export interface SearchDeps {
  store: InboxStore;
}

const MAX_TEXT = 200;

/**
 * Adds the JSON API's search routes (read-only):
 * - `GET /api/search/events?q=&user=&issue=&transaction=&trace_id=&limit=&cursor=` —
 *   `Page<EventMatch>`, newest first: the filters of `GET /api/events` plus `q`, a substring of
 *   the event's title or message (ASCII case-insensitive, `%` and `_` matched literally, at most
 *   200 characters); each event with its `release`
 * - `GET /api/users/:userKey?limit=&cursor=` — `UserDetail`: the user's totals, the issues they
 *   hit (with their share of each) and a page of their events; 404 when no event has the key
 */
export function addSearchRoutes(router: Router, deps: SearchDeps): void {
  router.get('/api/search/events', ({ url }) => {
    const q = url.searchParams;
    const text = q.get('q') ?? '';
    if (text.length > MAX_TEXT)
      throw new HttpError(400, `q must be at most ${MAX_TEXT} characters`);
    return {
      body: deps.store.searchEvents({
        text: text || undefined,
        issue: optionalUint(q.get('issue'), 'issue'),
        user: q.get('user') || undefined,
        transaction: q.get('transaction') || undefined,
        traceId: traceIdParam(q.get('trace_id')),
        limit: pageLimit(q.get('limit')),
        cursor: q.get('cursor') ?? undefined,
      }),
    };
  });

  router.get('/api/users/:userKey', ({ params, url }) => {
    const userKey = userKeyParam(params.userKey);
    const detail = deps.store.getUserDetail(userKey, {
      limit: pageLimit(url.searchParams.get('limit')),
      cursor: url.searchParams.get('cursor') ?? undefined,
    });
    if (!detail) throw new HttpError(404, 'no event has this user key');
    return { body: detail };
  });
}
