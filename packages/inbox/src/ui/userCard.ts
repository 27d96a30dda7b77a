import { jsonText, userHref } from './format';
import { html, type SafeHtml } from './html';
import { formatMetaNote, metaNotes } from './metaNotes';

/** Titles of the well-known user fields, as Sentry shows them, in display order. */
export const USER_FIELD_TITLES: ReadonlyArray<[key: string, title: string]> = [
  ['id', 'ID'],
  ['username', 'Username'],
  ['email', 'Email'],
  ['ip_address', 'IP Address'],
  ['name', 'Name'],
  ['segment', 'Segment'],
];

/** `geo` as one line: "City, Region, Country" with whatever parts are known. */
export function formatGeo(geo: unknown): string | undefined {
  if (typeof geo !== 'object' || geo === null) return undefined;
  const g = geo as Record<string, unknown>;
  const parts = [g.city, g.region ?? g.subdivision, g.country_code].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  );
  return parts.length ? parts.join(', ') : undefined;
}

/** The rows of a user card: `[title, value]`, well-known fields first, then `data.<key>`. */
export function userCardRows(user: Record<string, unknown>): [title: string, value: string][] {
  const rows: [string, string][] = [];
  for (const [key, title] of USER_FIELD_TITLES) {
    const value = user[key];
    if (value !== undefined && value !== null) rows.push([title, jsonText(value)]);
  }
  const geo = formatGeo(user.geo);
  if (geo) rows.push(['Geography', geo]);
  const data = user.data;
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    for (const [key, value] of Object.entries(data)) rows.push([`data.${key}`, jsonText(value)]);
  }
  return rows;
}

/**
 * The user card of an event (or of a user's latest event): the well-known
 * fields titled as Sentry does ("ID", "Username", "Email", "IP Address",
 * "Geography"), custom keys as `data.<key>`, and the `_meta` notes of values the
 * inbox dropped (`userMeta` is the event's `_meta.user`).
 */
export function renderUserCard(
  user: Record<string, unknown> | null,
  userMeta: unknown,
  userKey: string | null,
): SafeHtml {
  const rows = user ? userCardRows(user) : [];
  const notes = metaNotes(userMeta).map(formatMetaNote);
  const body = rows.length
    ? html`<dl class="kv">${rows.map(
        ([title, value]) =>
          html`<div><dt>${title}</dt><dd${value.includes('\n') ? html` class="pre"` : ''}>${value}</dd></div>`,
      )}</dl>`
    : html`<p class="empty">No user on this event.</p>`;
  return html`<section class="card user-card">
  <h2>User</h2>
  ${body}
  ${
    notes.length
      ? html`<div class="notes"><h3>Dropped by the inbox</h3><ul>${notes.map((note) => html`<li>${note}</li>`)}</ul></div>`
      : ''
  }
  ${userKey ? html`<p class="more"><a href="${userHref(userKey)}">All events of ${userKey} →</a></p>` : ''}
</section>`;
}
