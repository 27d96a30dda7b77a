import type { EventDetail, IssueSummary } from '../apiTypes';
import { isObject } from '../values';
import {
  breadcrumbsSection,
  contextsSection,
  exceptionSection,
  kvList,
  kvSection,
  messageSection,
  requestSection,
} from './eventSections';
import { issueHref, levelBadge, time, transactionLink } from './format';
import { html, type SafeHtml } from './html';
import { formatMetaNote, metaNotes } from './metaNotes';
import { renderUserCard } from './userCard';

/** What {@link renderEventPage} shows. */
export interface EventPageData {
  event: EventDetail;
  /** The event's issue (missing only if the database was edited by hand). */
  issue: IssueSummary | undefined;
}

/**
 * One event (`/events/:id`): the exception with its stack frames, the message,
 * the request as stored, breadcrumbs; beside them the user card, tags,
 * contexts, extra data and the inbox's processing notes (`_meta`).
 */
export function renderEventPage({ event, issue }: EventPageData): SafeHtml {
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
    ${breadcrumbsSection(stored)}
  </div>
  <aside class="event-side">
    ${renderUserCard(event.user, userMeta, event.user_key)}
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

function processingNotes(notes: string[]): SafeHtml {
  return html`<section class="card notes"><h2>Dropped by the inbox</h2>
<ul>${notes.map((note) => html`<li>${note}</li>`)}</ul></section>`;
}
