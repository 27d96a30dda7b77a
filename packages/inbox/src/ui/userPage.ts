import type { EventSummary, Page } from '../apiTypes';
import type { UserIssue, UserSummary } from '../userQueries';
import {
  count,
  eventHref,
  issueHref,
  levelBadge,
  time,
  userHref,
  userLabel,
  withQuery,
} from './format';
import { html, type SafeHtml } from './html';
import { renderUserCard } from './userCard';

/** What {@link renderUserPage} shows. */
export interface UserPageData {
  summary: UserSummary;
  /** `_meta.user` of the user's latest event. */
  userMeta: unknown;
  issues: UserIssue[];
  events: Page<EventSummary>;
  cursor?: string | undefined;
  latestSeq: number;
}

/**
 * One user (`/users/:userKey`, e.g. `/users/id:u-alice`): the user card of
 * their latest event, every issue they hit (with their share of its events)
 * and all their events, paged; a JSON export link and an erase button (the script asks for
 * a confirmation, then sends `DELETE /api/users/:userKey`).
 */
export function renderUserPage(data: UserPageData): SafeHtml {
  const { summary } = data;
  const label = userLabel(summary.user, summary.user_key);
  return html`<p class="crumbs"><a href="/">Issues</a> / user <span class="mono">${summary.user_key}</span></p>
<div class="page-head">
  <h1>${label}</h1>
  <p class="sub"><span class="key">${summary.user_key}</span> · <a href="${withQuery('/', { user: summary.user_key })}">issues list filtered by this user</a></p>
  <p class="user-actions">
    <a class="export-user" href="${apiUserHref(summary.user_key)}/export" download>Export (JSON)</a>
    <button type="button" class="danger erase-user" data-erase-user="${summary.user_key}" data-erase-events="${summary.events}">Erase this user…</button>
    <span class="erase-status" role="status" data-erase-status></span>
  </p>
</div>
<div class="live" data-live data-seq="${data.latestSeq}">
<dl class="stats">
  <div><dt>Events</dt><dd class="events">${count(summary.events)}</dd></div>
  <div><dt>Issues</dt><dd class="issues-count">${count(summary.issues)}</dd></div>
  <div><dt>First seen</dt><dd>${time(summary.first_seen)}</dd></div>
  <div><dt>Last seen</dt><dd>${time(summary.last_seen)}</dd></div>
</dl>
<div class="event-grid">
  <div class="event-main">
    <section class="card"><h2>Issues <span class="muted">${count(summary.issues)}</span></h2>${issuesTable(data.issues)}</section>
    <section class="card"><h2>Events <span class="muted">${count(summary.events)}</span></h2>${eventsTable(data)}</section>
  </div>
  <aside class="event-side">
    ${renderUserCard(summary.user, data.userMeta, null)}
    <p class="muted">As stored on the latest event, <a href="${eventHref(summary.latest_event_id)}">${summary.latest_event_id.slice(0, 12)}</a>.</p>
  </aside>
</div>
</div>`;
}

/** The JSON API path of a user key (`/api/users/<encoded key>`). */
function apiUserHref(userKey: string): string {
  return `/api/users/${encodeURIComponent(userKey)}`;
}

function issuesTable(issues: UserIssue[]): SafeHtml {
  const rows = issues.map(
    (issue) => html`<tr>
  <td class="issue-cell"><a class="title" href="${issueHref(issue.id)}">${issue.title}</a>
    <div class="sub">${levelBadge(issue.level)} <span class="culprit">${issue.culprit}</span></div></td>
  <td class="num">${count(issue.user_events)}</td>
  <td class="num">${count(issue.user_count)}</td>
  <td>${time(issue.user_last_seen)}</td>
</tr>`,
  );
  return html`<table class="list"><thead><tr><th>Issue</th><th class="num">Their events</th><th class="num">Users</th><th>Last hit</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function eventsTable(data: UserPageData): SafeHtml {
  const href = (cursor?: string) => withQuery(userHref(data.summary.user_key), { cursor });
  const rows = data.events.data.map(
    (event) => html`<tr>
  <td><a class="mono" href="${eventHref(event.id)}">${event.id.slice(0, 12)}</a></td>
  <td><a href="${issueHref(event.issue_id)}">${event.title}</a></td>
  <td>${time(event.received)}</td>
</tr>`,
  );
  return html`<table class="list"><thead><tr><th>Event</th><th>Issue</th><th>Received</th></tr></thead>
<tbody>${rows}</tbody></table>
<nav class="pager">
  ${data.cursor ? html`<a href="${href()}">← Newest</a>` : ''}
  ${data.events.next_cursor ? html`<a href="${href(data.events.next_cursor)}">Older →</a>` : ''}
</nav>`;
}
