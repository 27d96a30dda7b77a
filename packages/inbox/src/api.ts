import { addSearchRoutes } from './apiSearch';
import type { CheckpointStats } from './checkpointer';
import type { ForwardingStats } from './forwarder';
import type { GroupCommitStats } from './groupCommit';
import { HttpError } from './httpError';
import type { InboxStore } from './inboxStore';
import {
  eventIdParam,
  issueSort,
  optionalUint,
  pageLimit,
  traceIdParam,
  userKeyParam,
} from './params';
import type { Router } from './router';

/** What the JSON API needs. */
export interface ApiDeps {
  store: InboxStore;
  version: string;
  startedAt: number;
  skipped: Map<string, number>;
  /** Refused requests by reason (host, ui_auth, invalid, auth, too_large, encoding, busy). */
  refused?: Map<string, number> | undefined;
  forwarding: () => ForwardingStats | null;
  /**
   * Group commit counts (`/api/health`'s `ingest`), with the background checkpoint's
   * (`checkpoints`: `null` when checkpoints run after commits).
   */
  ingest?: (() => GroupCommitStats & { checkpoints: CheckpointStats | null }) | undefined;
}

/**
 * Adds the JSON API:
 * - `GET /api/health` — `{ status, version, uptime_s, events, issues, client_reports, skipped_items, refused, forwarding, ingest }`
 * - `GET /api/events?issue=&user=&since=&transaction=&trace_id=&limit=&cursor=` — `Page<EventSummary>`,
 *   newest first (`trace_id`: the events of one trace, across issues)
 * - `GET /api/events/:id` — `EventDetail` (the stored event with `_meta`, its `trace_id` and `span_id`)
 * - `GET /api/issues?sort=last_seen|first_seen|events|users&transaction=&trace_id=&limit=&cursor=` —
 *   `Page<IssueSummary>` (`transaction`/`trace_id`: issues with an event of that transaction/trace;
 *   a `trace_id` that is not 32 hex digits, or all zero, is a 400)
 * - `GET /api/issues/:id?by=` — `IssueDetail` (with users affected and their event counts, and
 *   `user_data_keys`: the keys of their custom data); `by=<key>` (e.g. `subscription`) adds
 *   `users_by`: the issue's users counted by the value of `user.data.<key>` on their latest event
 *   of the issue, each user once (never by events), and `users_without` the key
 * - `DELETE /api/users/:userKey` — erase the user: their events, per-issue rows and the issues
 *   left empty; `ErasedUser` (404 when no event has the key)
 * - `GET /api/users/:userKey/export` — `UserExport` as a JSON download (`Content-Disposition: attachment`)
 */
export function addApiRoutes(router: Router, deps: ApiDeps): void {
  router.get('/api/health', () => ({
    body: {
      status: 'ok',
      version: deps.version,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      ...deps.store.counts(),
      skipped_items: Object.fromEntries(deps.skipped),
      refused: Object.fromEntries(deps.refused ?? []),
      forwarding: deps.forwarding(),
      ingest: deps.ingest?.() ?? null,
    },
  }));

  router.get('/api/events', ({ url }) => {
    const q = url.searchParams;
    return {
      body: deps.store.listEvents({
        issue: optionalUint(q.get('issue'), 'issue'),
        user: q.get('user') ?? undefined,
        since: since(q.get('since')),
        transaction: q.get('transaction') || undefined,
        traceId: traceIdParam(q.get('trace_id')),
        limit: pageLimit(q.get('limit')),
        cursor: q.get('cursor') ?? undefined,
      }),
    };
  });

  router.get('/api/events/:id', ({ params }) => {
    const event = deps.store.getEvent(eventIdParam(params.id));
    if (!event) throw new HttpError(404, 'event not found');
    return { body: event };
  });

  router.get('/api/issues', ({ url }) => {
    const q = url.searchParams;
    return {
      body: deps.store.listIssues({
        sort: issueSort(q.get('sort')),
        transaction: q.get('transaction') || undefined,
        traceId: traceIdParam(q.get('trace_id')),
        limit: pageLimit(q.get('limit')),
        cursor: q.get('cursor') ?? undefined,
      }),
    };
  });

  router.delete('/api/users/:userKey', ({ params }) => {
    const erased = deps.store.eraseUser(userKeyParam(params.userKey));
    if (!erased) throw new HttpError(404, 'no event has this user key');
    return { body: erased };
  });

  router.get('/api/users/:userKey/export', ({ params }) => {
    const userKey = userKeyParam(params.userKey);
    const exported = deps.store.exportUser(userKey);
    if (!exported) throw new HttpError(404, 'no event has this user key');
    return {
      body: { exported_at: new Date().toISOString(), ...exported },
      headers: { 'Content-Disposition': `attachment; filename="${exportFileName(userKey)}"` },
    };
  });

  router.get('/api/issues/:id', ({ params, url }) => {
    const id = optionalUint(params.id ?? null, 'issue id');
    const by = url.searchParams.get('by');
    if (by !== null && (by === '' || by.length > 200)) {
      throw new HttpError(400, "by must be a key of the users' custom data, e.g. subscription");
    }
    const issue = id === undefined ? undefined : deps.store.getIssue(id);
    if (!issue) throw new HttpError(404, 'issue not found');
    return {
      body: by === null ? issue : { ...issue, users_by: deps.store.issueUsersBy(issue.id, by) },
    };
  });
  addSearchRoutes(router, deps);
}

/** `x-inbox-user-<key>.json`, with only safe characters in the header. */
export function exportFileName(userKey: string): string {
  return `x-inbox-user-${userKey.replace(/[^\w.@-]+/g, '_').slice(0, 100)}.json`;
}

/** `since` as ms since the epoch: an ISO date or a number of ms. */
function since(raw: string | null): number | undefined {
  if (raw === null || raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms))
    throw new HttpError(400, 'since must be an ISO date or ms since the epoch');
  return ms;
}
