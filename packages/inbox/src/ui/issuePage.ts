import type { EventDetail, EventSummary, IssueDetail, Page, UsersByValue } from '../apiTypes';
import type { HistogramBucket } from '../issueQueries';
import { renderChart, stepName } from './chart';
import { exceptionSection } from './exceptionSection';
import {
  count,
  eventHref,
  issueHref,
  levelBadge,
  plural,
  time,
  transactionLink,
  userLink,
  withQuery,
} from './format';
import { html, type SafeHtml } from './html';
import { renderUsersByCard } from './usersByCard';

/** What {@link renderIssuePage} shows. */
export interface IssuePageData {
  issue: IssueDetail;
  /** The issue's latest event, whose stack the page shows (missing after a hand edit). */
  latestEvent?: EventDetail | undefined;
  /** The users counted by a key of their custom data (`?by=`), when one was picked. */
  usersBy?: UsersByValue | undefined;
  events: Page<EventSummary>;
  /** The cursor of the events page shown, if not the first. */
  cursor?: string | undefined;
  chart: { buckets: HistogramBucket[]; step: number };
  latestSeq: number;
}

/**
 * An issue (`/issues/:id`): its summary, the latest event's stack (in-app frames with their
 * source lines, library frames folded), a chart of events over time, the users affected with
 * their event counts and counted by a key of their custom data, and its events (paged, newest
 * first).
 */
export function renderIssuePage(data: IssuePageData): SafeHtml {
  const { issue } = data;
  return html`<p class="crumbs"><a href="/">Issues</a> / #${issue.id}</p>
<div class="page-head">
  <h1>${issue.title}</h1>
  <p class="sub">${levelBadge(issue.level)} <span class="culprit">${issue.culprit}</span>${
    issue.transaction
      ? html` · <span class="route" title="the route of the latest event">route ${transactionLink(issue.transaction)}</span>`
      : ''
  }</p>
</div>
<div class="live" data-live data-seq="${data.latestSeq}">
<dl class="stats">
  <div><dt>Events</dt><dd class="events">${count(issue.event_count)}</dd></div>
  <div><dt>Users affected</dt><dd class="users">${count(issue.user_count)}</dd></div>
  <div><dt>First seen</dt><dd>${time(issue.first_seen)}</dd></div>
  <div><dt>Last seen</dt><dd>${time(issue.last_seen)}</dd></div>
  <div><dt>Release</dt><dd>${issue.release ?? '—'}</dd></div>
  <div><dt>Server</dt><dd>${issue.server_name ?? '—'}</dd></div>
</dl>
${latestStack(data)}
<section class="card">
  <h2>Events over time <span class="muted">(${stepName(data.chart.step)} per bar)</span></h2>
  ${renderChart(data.chart.buckets, data.chart.step)}
</section>
<div class="columns">
<div class="stack-column">
<section class="card users-affected">
  <h2>Users affected <span class="muted">${count(issue.user_count)}</span></h2>
  ${usersTable(issue)}
</section>
${renderUsersByCard(issue, data.usersBy)}
</div>
<section class="card events-list">
  <h2>Events <span class="muted">${count(issue.event_count)}</span></h2>
  ${eventsTable(data)}
</section>
</div>
</div>`;
}

/** The latest event's exception, every in-app frame's source lines open; nothing without one. */
function latestStack({ latestEvent }: IssuePageData): SafeHtml {
  if (!latestEvent) return html``;
  return exceptionSection(latestEvent.event, {
    openSource: 'in-app',
    className: 'issue-stack',
    title: html`Stack of the latest event <a class="muted mono" href="${eventHref(latestEvent.id)}">${latestEvent.id.slice(0, 12)}</a>`,
  });
}

function usersTable(issue: IssueDetail): SafeHtml {
  if (issue.users.length === 0) {
    return html`<p class="empty">No event of this issue identifies a user.</p>`;
  }
  const rows = issue.users.map(
    (user) => html`<tr>
  <td>${userLink(user.user, user.user_key)}</td>
  <td class="num">${count(user.event_count)}</td>
  <td>${time(user.last_seen)}</td>
</tr>`,
  );
  const more =
    issue.user_count > issue.users.length
      ? html`<p class="muted">Showing the ${issue.users.length} users with the most events.</p>`
      : '';
  return html`<table class="list"><thead><tr><th>User</th><th class="num">Events</th><th>Last seen</th></tr></thead>
<tbody>${rows}</tbody></table>${more}`;
}

function eventsTable(data: IssuePageData): SafeHtml {
  const { events, issue } = data;
  const rows = events.data.map(
    (event) => html`<tr>
  <td><a class="mono" href="${eventHref(event.id)}">${event.id.slice(0, 12)}</a></td>
  <td>${userLink(event.user, event.user_key)}</td>
  <td class="route">${transactionLink(event.transaction)}</td>
  <td>${time(event.received)}</td>
</tr>`,
  );
  const by = data.usersBy?.key;
  const href = (cursor?: string) => withQuery(issueHref(issue.id), { by, cursor });
  return html`<table class="list"><thead><tr><th>Event</th><th>User</th><th>Route</th><th>Received</th></tr></thead>
<tbody>${rows}</tbody></table>
<nav class="pager">
  ${data.cursor ? html`<a href="${href()}">← Newest</a>` : ''}
  ${events.next_cursor ? html`<a href="${href(events.next_cursor)}">Older →</a>` : ''}
  <span class="muted">${plural(events.data.length, 'event')} on this page</span>
</nav>`;
}
