import { isObject, iso, stringOrUndefined as str } from '../values';
import { jsonText, levelBadge } from './format';
import { html, type SafeHtml } from './html';

type Obj = Record<string, unknown>;

/** A titled key/value table, or nothing when `entries` is empty. */
export function kvSection(title: string, entries: [string, unknown][], cls = ''): SafeHtml {
  if (entries.length === 0) return html``;
  return html`<section class="card ${cls}"><h2>${title}</h2>${kvList(entries)}</section>`;
}

/** A `<dl>` of keys and values (non-strings as JSON). */
export function kvList(entries: [string, unknown][]): SafeHtml {
  return html`<dl class="kv">${entries.map(([key, value]) => {
    const text = jsonText(value);
    return html`<div><dt>${key}</dt><dd${text.includes('\n') ? html` class="pre"` : ''}>${text}</dd></div>`;
  })}</dl>`;
}

/** The log message (`logentry`), when the event has one. */
export function messageSection(event: Obj): SafeHtml {
  const entry = isObject(event.logentry) ? event.logentry : undefined;
  const text = str(entry?.formatted) ?? str(entry?.message);
  if (!text) return html``;
  return html`<section class="card"><h2>Message</h2><pre class="message">${text}</pre></section>`;
}

/** The request: method and URL, then query, headers, cookies, env and body as stored. */
export function requestSection(event: Obj): SafeHtml {
  const request = isObject(event.request) ? event.request : undefined;
  if (!request) return html``;
  const entries = (value: unknown): [string, unknown][] =>
    isObject(value) ? Object.entries(value) : [];
  const query = request.query_string;
  const parts: SafeHtml[] = [];
  if (query !== undefined && query !== '') {
    parts.push(
      html`<h3>Query</h3>${typeof query === 'string' ? html`<pre>${query}</pre>` : kvList(entries(query))}`,
    );
  }
  for (const [title, value] of [
    ['Headers', request.headers],
    ['Cookies', request.cookies],
    ['Environment', request.env],
  ] as const) {
    const list = entries(value);
    if (list.length) parts.push(html`<h3>${title}</h3>${kvList(list)}`);
  }
  if (request.data !== undefined)
    parts.push(html`<h3>Body</h3><pre>${jsonText(request.data)}</pre>`);
  return html`<section class="card request">
  <h2>Request</h2>
  <p class="request-line"><span class="method">${str(request.method) ?? 'GET'}</span> <span class="url">${str(request.url) ?? ''}</span></p>
  ${parts}
</section>`;
}

/** Each context (`os`, `runtime`, `trace`, …) as its own key/value list. */
export function contextsSection(event: Obj): SafeHtml {
  const contexts = isObject(event.contexts)
    ? Object.entries(event.contexts).filter(([, v]) => isObject(v))
    : [];
  if (contexts.length === 0) return html``;
  return html`<section class="card"><h2>Contexts</h2>${contexts.map(
    ([name, value]) => html`<h3>${name}</h3>${kvList(Object.entries(value as Obj))}`,
  )}</section>`;
}

/** Breadcrumbs, oldest first, as a compact table. */
export function breadcrumbsSection(event: Obj): SafeHtml {
  const crumbs =
    isObject(event.breadcrumbs) && Array.isArray(event.breadcrumbs.values)
      ? event.breadcrumbs.values.filter(isObject)
      : [];
  if (crumbs.length === 0) return html``;
  const rows = crumbs.map((crumb) => {
    const ts = typeof crumb.timestamp === 'number' ? iso(crumb.timestamp * 1000).slice(11, 23) : '';
    const text = str(crumb.message) ?? (crumb.data !== undefined ? JSON.stringify(crumb.data) : '');
    return html`<tr><td class="mono">${ts}</td><td>${str(crumb.category) ?? str(crumb.type) ?? ''}</td><td>${levelBadge(str(crumb.level) ?? 'info')}</td><td class="wrap">${text}</td></tr>`;
  });
  return html`<section class="card"><h2>Breadcrumbs</h2><table class="list"><tbody>${rows}</tbody></table></section>`;
}
