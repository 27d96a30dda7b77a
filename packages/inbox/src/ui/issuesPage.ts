import type { IssueSort, IssueSummary, Page } from '../apiTypes';
import {
  count,
  issueHref,
  levelBadge,
  plural,
  time,
  transactionLink,
  userHref,
  withQuery,
} from './format';
import { html, type SafeHtml } from './html';

/**
 * The issues list's filters, as they appear in its URL
 * (`/?sort=&user=&app=&transaction=&trace_id=&q=&cursor=`).
 */
export interface IssuesFilter {
  sort: IssueSort;
  /** A user key, e.g. `id:u-alice`. */
  user?: string | undefined;
  /** A release or server name. */
  app?: string | undefined;
  /** Text in the title or culprit. */
  q?: string | undefined;
  /** A transaction (route, e.g. `GET /boom/:id`): issues with an event of it. */
  transaction?: string | undefined;
  /** A trace id (32 lower-case hex digits): issues with an event of that trace. */
  traceId?: string | undefined;
  cursor?: string | undefined;
}

/** What {@link renderIssuesPage} shows. */
export interface IssuesPageData {
  filter: IssuesFilter;
  page: Page<IssueSummary>;
  /** Choices for the app filter. */
  apps: string[];
  /** Suggestions for the user filter (user keys). */
  users: string[];
  /** Suggestions for the route filter (the issues' latest transactions). */
  transactions: string[];
  totals: { events: number; issues: number };
  /** The newest event's sequence number; the browser polls for a change. */
  latestSeq: number;
  dsn: string;
}

const SORT_LABELS: Record<IssueSort, string> = {
  last_seen: 'Last seen',
  first_seen: 'First seen',
  events: 'Events',
  users: 'Users',
};

/**
 * The issues list (`/`): filters (text, user, route, trace, app, sort) in a GET form, then the
 * table in a live region the browser script re-renders when new events arrive.
 */
export function renderIssuesPage(data: IssuesPageData): SafeHtml {
  const { filter } = data;
  const filtered = Boolean(
    filter.user || filter.app || filter.q || filter.transaction || filter.traceId,
  );
  const sortOptions = Object.entries(SORT_LABELS).map(
    ([value, label]) =>
      html`<option value="${value}"${value === filter.sort ? html` selected` : ''}>${label}</option>`,
  );
  const appOptions = data.apps.map(
    (app) =>
      html`<option value="${app}"${app === filter.app ? html` selected` : ''}>${app}</option>`,
  );
  return html`<div class="page-head">
  <h1>Issues</h1>
  <p class="muted">${plural(data.totals.issues, 'issue')} · ${plural(data.totals.events, 'event')}</p>
</div>
<form class="filters" method="get" action="/" data-autosubmit>
  <label>Search <input type="search" name="q" value="${filter.q ?? ''}" placeholder="title or culprit"></label>
  <label>User <input type="text" name="user" value="${filter.user ?? ''}" placeholder="id:u-alice" list="recent-users"></label>
  <datalist id="recent-users">${data.users.map((key) => html`<option value="${key}"></option>`)}</datalist>
  <label>Route <input type="text" name="transaction" value="${filter.transaction ?? ''}" placeholder="GET /boom/:id" list="recent-transactions"></label>
  <datalist id="recent-transactions">${data.transactions.map((name) => html`<option value="${name}"></option>`)}</datalist>
  <label>Trace <input type="text" name="trace_id" value="${filter.traceId ?? ''}" placeholder="trace id (32 hex)" class="mono" size="34"></label>
  <label>App <select name="app"><option value="">all apps</option>${appOptions}</select></label>
  <label>Sort <select name="sort">${sortOptions}</select></label>
  <button type="submit">Filter</button>
  ${filtered ? html`<a class="clear" href="${withQuery('/', { sort: filter.sort === 'last_seen' ? undefined : filter.sort })}">Clear filters</a>` : ''}
</form>
<div class="live" data-live data-seq="${data.latestSeq}">
${issuesTable(data, filtered)}
</div>`;
}

function issuesTable(data: IssuesPageData, filtered: boolean): SafeHtml {
  const { filter, page } = data;
  if (page.data.length === 0) {
    return filtered || filter.cursor
      ? html`<p class="empty">No issues match these filters.</p>`
      : html`<div class="empty"><p>No issues yet. Point an SDK at</p>
          <p><code>${data.dsn}</code></p><p>and errors will show up here as they arrive.</p></div>`;
  }
  const next = page.next_cursor
    ? withQuery('/', { ...filterParams(filter), cursor: page.next_cursor })
    : undefined;
  return html`<table class="list issues">
<thead><tr><th>Issue</th><th class="num">Events</th><th class="num">Users</th><th>First seen</th><th>Last seen</th><th>App</th></tr></thead>
<tbody>
${page.data.map(issueRow)}
</tbody>
</table>
<nav class="pager">
  ${filter.cursor ? html`<a href="${withQuery('/', filterParams(filter))}">← First page</a>` : ''}
  ${next ? html`<a href="${next}">Next page →</a>` : ''}
</nav>
${filter.user ? html`<p class="muted">Showing issues of <a href="${userHref(filter.user)}">${filter.user}</a>.</p>` : ''}
${filter.traceId ? html`<p class="muted trace-filter">Showing issues with an event of trace <span class="mono">${filter.traceId}</span> (<a href="${`/api/events?trace_id=${filter.traceId}`}">its events as JSON</a>).</p>` : ''}`;
}

function issueRow(issue: IssueSummary): SafeHtml {
  return html`<tr data-issue="${issue.id}">
  <td class="issue-cell">
    <a class="title" href="${issueHref(issue.id)}">${issue.title}</a>
    <div class="sub">${levelBadge(issue.level)} <span class="culprit">${issue.culprit}</span>${
      issue.transaction
        ? html` · <span class="route">${transactionLink(issue.transaction)}</span>`
        : ''
    }</div>
  </td>
  <td class="num events">${count(issue.event_count)}</td>
  <td class="num users">${count(issue.user_count)}</td>
  <td>${time(issue.first_seen)}</td>
  <td>${time(issue.last_seen)}</td>
  <td class="app">${issue.release ?? ''}${issue.server_name ? html`<div class="sub">${issue.server_name}</div>` : ''}</td>
</tr>`;
}

function filterParams(filter: IssuesFilter): Record<string, string | undefined> {
  return {
    q: filter.q,
    user: filter.user,
    app: filter.app,
    transaction: filter.transaction,
    trace_id: filter.traceId,
    sort: filter.sort === 'last_seen' ? undefined : filter.sort,
  };
}
