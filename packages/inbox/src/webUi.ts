import type { ServerResponse } from 'node:http';
import type { EventSummary } from './apiTypes';
import type { ForwardingStats } from './forwarder';
import { HttpError } from './httpError';
import type { InboxStore } from './inboxStore';
import { eventIdParam, issueSort, parseUint, traceIdParam } from './params';
import type { RouteContext, RouteResult, Router } from './router';
import { chartRange } from './ui/chart';
import { renderEventPage, type TraceEvent } from './ui/eventPage';
import { renderIssuePage } from './ui/issuePage';
import { renderIssuesPage } from './ui/issuesPage';
import { renderErrorPage, renderPage, type UiSettings } from './ui/layout';
import { UI_SCRIPT } from './ui/script';
import { renderSettingsPage } from './ui/settingsPage';
import { UI_STYLE } from './ui/style';
import { renderUserPage } from './ui/userPage';

/** What the web UI needs. */
export interface UiDeps {
  store: InboxStore;
  /** The configuration to show; a function because the URL and DSN are known only after listening. */
  settings: () => UiSettings;
  forwarding: () => ForwardingStats | null;
}

/**
 * The Content-Security-Policy of every web UI response: only the inbox's own
 * script and stylesheet, no inline code, no framing.
 */
export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PAGE_SIZE = 50;
/** The other events of a trace shown on an event page (the newest ones). */
const TRACE_EVENTS = 20;
const HTML = 'text/html; charset=utf-8';

/**
 * Adds the web UI (server-rendered HTML, see the README's "Web UI"):
 * - `GET /` — issues, filtered by `q`, `user`, `app`, `transaction`, `trace_id`, sorted by `sort`,
 *   paged by `cursor`
 * - `GET /issues/:id?by=` — one issue: the latest event's stack (in-app frames with their source
 *   lines, library frames folded), chart, users affected (counted by a key of their custom data
 *   with `by`), events
 * - `GET /events/:id` — one event: route, exception (the crashing frame's source lines, library
 *   frames folded), request, tags, contexts, user card, its trace and the trace's other events
 * - `GET /users/:userKey` — one user's issues and events
 * - `GET /settings` — DSN, IP storage, geo database
 * - `GET /ui/style.css`, `GET /ui/app.js`, `GET /ui/latest` (newest event's sequence number, polled for live updates)
 */
export function addUiRoutes(router: Router, deps: UiDeps): void {
  const { store, settings } = deps;
  page(router, settings, '/', 'issues', (ctx) => issuesPage(deps, ctx));
  page(router, settings, '/issues/:id', 'issues', (ctx) => issuePage(store, ctx));
  page(router, settings, '/events/:id', 'issues', (ctx) => eventPage(store, ctx));
  page(router, settings, '/users/:userKey', 'issues', (ctx) => userPage(store, ctx));
  page(router, settings, '/settings', 'settings', () => ({
    title: 'Settings',
    body: renderSettingsPage({
      settings: settings(),
      counts: store.counts(),
      forwarding: deps.forwarding(),
    }),
  }));

  router.get('/ui/style.css', ({ res }) => asset(res, UI_STYLE, 'text/css; charset=utf-8'));
  router.get('/ui/app.js', ({ res }) => asset(res, UI_SCRIPT, 'text/javascript; charset=utf-8'));
  router.get('/ui/latest', ({ res }) => {
    uiHeaders(res);
    return { body: { seq: store.latestSeq() } };
  });
}

/** `GET /`: the issues, filtered, sorted and paged as the query string says. */
function issuesPage(deps: UiDeps, { url }: RouteContext): PageResult {
  const { store } = deps;
  const q = url.searchParams;
  const filter = {
    sort: issueSort(q.get('sort')),
    q: q.get('q')?.trim() || undefined,
    user: q.get('user')?.trim() || undefined,
    app: q.get('app') || undefined,
    transaction: q.get('transaction')?.trim() || undefined,
    traceId: traceIdParam(q.get('trace_id')),
    cursor: q.get('cursor') || undefined,
  };
  const counts = store.counts();
  return {
    title: 'Issues',
    body: renderIssuesPage({
      filter,
      page: store.listIssues({ ...filter, text: filter.q, limit: PAGE_SIZE }),
      apps: store.listApps(),
      users: store.recentUserKeys(),
      transactions: store.listTransactions(),
      totals: counts,
      latestSeq: store.latestSeq(),
      dsn: deps.settings().dsn,
    }),
  };
}

/**
 * `GET /issues/:id?by=&cursor=`: one issue with its latest event's stack, its chart, users
 * affected (counted by `by`, a key of their custom data, when given) and events.
 */
function issuePage(store: InboxStore, { params, url }: RouteContext): PageResult {
  const id = parseUint(params.id);
  const issue = id === undefined ? undefined : store.getIssue(id);
  if (!issue) throw new HttpError(404, 'There is no issue with this id.');
  const cursor = url.searchParams.get('cursor') || undefined;
  const by = url.searchParams.get('by')?.slice(0, 200) || undefined;
  const range = chartRange(Date.parse(issue.first_seen), Date.now());
  return {
    title: issue.title,
    body: renderIssuePage({
      issue,
      latestEvent: issue.last_event_id ? store.getEvent(issue.last_event_id) : undefined,
      usersBy: by === undefined ? undefined : store.issueUsersBy(issue.id, by),
      events: store.listEvents({ issue: issue.id, limit: PAGE_SIZE, cursor }),
      cursor,
      chart: {
        buckets: store.issueHistogram(issue.id, range.from, range.to, range.step),
        step: range.step,
      },
      latestSeq: store.latestSeq(),
    }),
  };
}

/** `GET /events/:id`: one event, with the other events of its trace. */
function eventPage(store: InboxStore, { params }: RouteContext): PageResult {
  const event = store.getEvent(eventIdParam(params.id));
  if (!event) throw new HttpError(404, 'There is no event with this id.');
  const trace = event.trace_id
    ? store.listEvents({ traceId: event.trace_id, limit: TRACE_EVENTS + 1 }).data
    : [];
  const others = trace.filter((other) => other.id !== event.id);
  return {
    title: event.title,
    body: renderEventPage({
      event,
      issue: store.getIssueSummary(event.issue_id),
      traceEvents: withIssueTitles(store, others.slice(0, TRACE_EVENTS)),
      moreTraceEvents: others.length > TRACE_EVENTS,
    }),
  };
}

/** Each event with its issue's title, looked up once per issue. */
function withIssueTitles(store: InboxStore, events: readonly EventSummary[]): TraceEvent[] {
  const titles = new Map<number, string>();
  return events.map((other): TraceEvent => {
    let title = titles.get(other.issue_id);
    if (title === undefined) {
      title = store.getIssueSummary(other.issue_id)?.title ?? other.title;
      titles.set(other.issue_id, title);
    }
    return { event: other, issueTitle: title };
  });
}

/** `GET /users/:userKey`: one user's issues and events. */
function userPage(store: InboxStore, { params, url }: RouteContext): PageResult {
  const userKey = String(params.userKey);
  const summary = store.getUser(userKey);
  if (!summary) throw new HttpError(404, 'No event has this user.');
  const cursor = url.searchParams.get('cursor') || undefined;
  const latest = store.getEvent(summary.latest_event_id);
  const meta = latest?.event._meta as Record<string, unknown> | undefined;
  return {
    title: summary.user_key,
    body: renderUserPage({
      summary,
      userMeta: meta?.user,
      issues: store.listUserIssues(userKey),
      events: store.listEvents({ user: userKey, limit: PAGE_SIZE, cursor }),
      cursor,
      latestSeq: store.latestSeq(),
    }),
  };
}

/** What a page handler returns: the document title, the main content and the highlighted nav entry. */
interface PageResult {
  title: string;
  body: ReturnType<typeof renderIssuesPage>;
}

/** Registers an HTML page; `HttpError`s become HTML error pages with the same status. */
function page(
  router: Router,
  settingsOf: () => UiSettings,
  pattern: string,
  nav: 'issues' | 'settings',
  render: (ctx: RouteContext) => PageResult,
): void {
  router.get(pattern, (ctx): RouteResult => {
    uiHeaders(ctx.res);
    const settings = settingsOf();
    try {
      const { title, body } = render(ctx);
      return { contentType: HTML, body: renderPage({ title, nav, body, settings }) };
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      return {
        status: error.status,
        contentType: HTML,
        body: renderErrorPage(error.status, error.message, settings),
      };
    }
  });
}

/**
 * Security headers of UI responses. (No CORS headers to remove: the server adds them to
 * ingest paths only, so other sites cannot read the pages.)
 */
function uiHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', UI_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
}

function asset(res: ServerResponse, body: string, contentType: string): RouteResult {
  uiHeaders(res);
  res.setHeader('Cache-Control', 'no-cache');
  return { contentType, body };
}
