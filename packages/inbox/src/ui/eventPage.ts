import type { EventDetail, EventSummary, IssueSummary } from '../apiTypes';
import { isObject } from '../values';
import {
  breadcrumbsSection,
  contextsSection,
  kvList,
  kvSection,
  messageSection,
  requestSection,
} from './eventSections';
import { exceptionSection } from './exceptionSection';
import {
  eventHref,
  issueHref,
  levelBadge,
  time,
  transactionLink,
  userLink,
  withQuery,
} from './format';
import { html, type SafeHtml } from './html';
import { formatMetaNote, metaNotes } from './metaNotes';
import { renderUserCard } from './userCard';

/** What {@link renderEventPage} shows. */
export interface EventPageData {
  event: EventDetail;
  /** The event's issue (missing only if the database was edited by hand). */
  issue: IssueSummary | undefined;
  /** The trace's other events, newest first (empty without a trace id). */
  traceEvents?: readonly TraceEvent[] | undefined;
  /** Whether the trace has more other events than {@link traceEvents} holds. */
  moreTraceEvents?: boolean | undefined;
}

/** One other event of the same trace, with the title of its issue. */
export interface TraceEvent {
  event: EventSummary;
  /** The title of the event's issue (the event's own title when the issue is gone). */
  issueTitle: string;
}

/**
 * One event (`/events/:id`): the exception with its stack frames, the message,
 * the request as stored, breadcrumbs; beside them the user card, tags,
 * contexts, extra data and the inbox's processing notes (`_meta`).
 */
export function renderEventPage({
  event,
  issue,
  traceEvents = [],
  moreTraceEvents = false,
}: EventPageData): SafeHtml {
  const stored = event.event;
  const meta = isObject(stored._meta) ? stored._meta : {};
  const { user: userMeta, ...otherMeta } = meta;
  const otherNotes = metaNotes(otherMeta).map(formatMetaNote);
  const tags = isObject(stored.tags) ? Object.entries(stored.tags) : [];
  const extra = isObject(stored.extra) ? Object.entries(stored.extra) : [];
  const sdk = isObject(stored.sdk) ? stored.sdk : undefined;
  const facts: [string, unknown][] = [
    ['platform', stored.platform],
    ['release', stored.release],
    ['environment', stored.environment],
    ['server', stored.server_name],
    ['transaction', stored.transaction],
    ['sdk', sdk ? `${String(sdk.name)} ${String(sdk.version)}` : undefined],
  ];
  return html`<p class="crumbs"><a href="/">Issues</a> / ${
    issue ? html`<a href="${issueHref(issue.id)}">${issue.title}</a>` : html`#${event.issue_id}`
  } / <span class="mono">${event.id}</span></p>
<div class="page-head">
  <h1>${event.title}</h1>
  <p class="sub">${levelBadge(event.level)}${
    event.transaction
      ? html` <span class="route">route ${transactionLink(event.transaction)}</span> ·`
      : ''
  } received ${time(event.received)} · happened ${time(event.timestamp)}
    · <a href="/api/events/${event.id}">raw JSON</a></p>
</div>
<div class="event-grid">
  <div class="event-main">
    ${exceptionSection(stored)}
    ${messageSection(stored)}
    ${requestSection(stored)}
    ${event.trace_id ? traceEventsSection(event.trace_id, traceEvents, moreTraceEvents) : ''}
    ${breadcrumbsSection(stored)}
  </div>
  <aside class="event-side">
    ${renderUserCard(event.user, userMeta, event.user_key)}
    ${event.trace_id ? traceCard(event) : ''}
    ${kvSection('Tags', tags, 'tags')}
    ${kvSection(
      'Event',
      facts.filter(([, v]) => v !== undefined && v !== null),
    )}
    ${contextsSection(stored)}
    ${extra.length ? html`<section class="card"><h2>Extra</h2>${kvList(extra)}</section>` : ''}
    ${otherNotes.length ? processingNotes(otherNotes) : ''}
  </aside>
</div>`;
}

/** Path of the issues list filtered by one trace. */
function traceHref(traceId: string): string {
  return withQuery('/', { trace_id: traceId });
}

/** The event's trace and span ids, with a link to the issues of the trace. */
function traceCard(event: EventDetail): SafeHtml {
  const trace = event.event.contexts;
  const parent =
    isObject(trace) && isObject(trace.trace) && typeof trace.trace.parent_span_id === 'string'
      ? trace.trace.parent_span_id
      : undefined;
  return html`<section class="card trace"><h2>Trace</h2>
<dl class="kv">
  <dt>trace id</dt><dd class="mono trace-id">${event.trace_id}</dd>
  ${event.span_id ? html`<dt>span id</dt><dd class="mono span-id">${event.span_id}</dd>` : ''}
  ${parent ? html`<dt>parent span</dt><dd class="mono">${parent}</dd>` : ''}
</dl>
<p><a class="trace-events-link" href="#trace-events">Other events of this trace</a>
 · <a class="trace-issues-link" href="${traceHref(String(event.trace_id))}">Issues of this trace</a></p>
</section>`;
}

/** The other events of the event's trace (any issue): issue title, user, route, time. */
function traceEventsSection(
  traceId: string,
  others: readonly TraceEvent[],
  more: boolean,
): SafeHtml {
  const body = others.length
    ? html`<table class="list"><thead><tr><th>Issue</th><th>User</th><th>Route</th><th>Received</th></tr></thead>
<tbody>${others.map(
        ({ event, issueTitle }) => html`<tr data-event="${event.id}">
  <td><a href="${eventHref(event.id)}">${issueTitle}</a></td>
  <td>${userLink(event.user, event.user_key)}</td>
  <td class="route">${transactionLink(event.transaction)}</td>
  <td>${time(event.received)}</td>
</tr>`,
      )}</tbody></table>${
        more
          ? html`<p class="muted">Showing the newest ${others.length}; <a href="${`/api/events?trace_id=${traceId}`}">all as JSON</a>.</p>`
          : ''
      }`
    : html`<p class="empty">No other event of this trace.</p>`;
  return html`<section class="card trace-events" id="trace-events"><h2>Other events of this trace</h2>
${body}</section>`;
}

function processingNotes(notes: string[]): SafeHtml {
  return html`<section class="card notes"><h2>Dropped by the inbox</h2>
<ul>${notes.map((note) => html`<li>${note}</li>`)}</ul></section>`;
}
