import { LEVELS } from '../eventShape';
import { html, type SafeHtml } from './html';

/**
 * A `<time>` element: the absolute UTC time on the server, replaced by the
 * browser script with a relative one ("3 min ago"); the absolute time stays as
 * the tooltip.
 */
export function time(iso: string): SafeHtml {
  const shown = `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
  return html`<time datetime="${iso}" title="${shown}" data-relative>${shown}</time>`;
}

/** A count with thousands separators (`12,345`). */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** `s` when `n` is not 1 (`3 events`, `1 event`). */
export function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** Path of an issue page. */
export function issueHref(id: number): string {
  return `/issues/${id}`;
}

/** Path of an event page. */
export function eventHref(id: string): string {
  return `/events/${encodeURIComponent(id)}`;
}

/** Path of a user page; the `:` of the key stays readable (`/users/id:u-alice`). */
export function userHref(userKey: string): string {
  return `/users/${encodeURIComponent(userKey).replaceAll('%3A', ':')}`;
}

/** `path` with the query parameters that are set (empty values left out). */
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * An event's or issue's `transaction` (its route, e.g. `GET /boom/:id`) as a link to the issues
 * with an event of that route: a same-origin path whose query `URLSearchParams` encodes, so the
 * value can never become a scheme or another path. Nothing without a transaction.
 */
export function transactionLink(transaction: string | null | undefined): SafeHtml {
  if (typeof transaction !== 'string' || transaction === '') return html``;
  return html`<a class="transaction" href="${withQuery('/', { transaction })}" title="issues on this route">${transaction}</a>`;
}

/** How a user is named in lists: username, else email, else id, else IP, else the key. */
export function userLabel(user: Record<string, unknown> | null, userKey: string | null): string {
  for (const field of ['username', 'email', 'id', 'ip_address']) {
    const value = user?.[field];
    if (typeof value === 'string' && value !== '') return value;
  }
  return userKey ?? '(anonymous)';
}

/** A user's name linked to their page, with the user key underneath; plain text when anonymous. */
export function userLink(user: Record<string, unknown> | null, userKey: string | null): SafeHtml {
  if (!userKey) return html`<span class="muted">anonymous</span>`;
  const label = userLabel(user, userKey);
  return html`<a href="${userHref(userKey)}">${label}</a>${
    label === userKey ? '' : html` <span class="key">${userKey}</span>`
  }`;
}

/** A level badge (`error`, `warning`, …); unknown levels get a neutral colour. */
export function levelBadge(level: string): SafeHtml {
  const known = (LEVELS as readonly string[]).includes(level) ? level : 'other';
  return html`<span class="level level-${known}">${level}</span>`;
}

/** A JSON value as text: strings as they are, everything else as indented JSON. */
export function jsonText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2) ?? String(value);
}
