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

/**
 * The exception chain, outermost last as Sentry sends it, shown newest first;
 * each with its mechanism and stack frames, most recent call first. In-app
 * frames are shown; runs of frames that are not in-app fold into a closed
 * `<details>` (all frames show when none is in-app). The crashing frame — the
 * innermost in-app frame with source context — shows its source lines with the
 * failing line highlighted.
 */
export function exceptionSection(event: Obj): SafeHtml {
  const values =
    isObject(event.exception) && Array.isArray(event.exception.values)
      ? event.exception.values
      : [];
  if (values.length === 0) return html``;
  const blocks = [...values]
    .reverse()
    .filter(isObject)
    .map((exception) => {
      const mechanism = isObject(exception.mechanism) ? exception.mechanism : undefined;
      const frames =
        isObject(exception.stacktrace) && Array.isArray(exception.stacktrace.frames)
          ? exception.stacktrace.frames.filter(isObject)
          : [];
      return html`<div class="exception">
  <h3><span class="exc-type">${str(exception.type) ?? 'Error'}</span>${
    exception.value !== undefined
      ? html`: <span class="exc-value">${jsonText(exception.value)}</span>`
      : ''
  }</h3>
  ${
    mechanism
      ? html`<p class="sub">mechanism <code>${str(mechanism.type) ?? '?'}</code>${
          mechanism.handled === false ? html` · <span class="unhandled">unhandled</span>` : ''
        }${mechanism.handled === true ? ' · handled' : ''}</p>`
      : ''
  }
  ${frames.length ? framesList(frames) : html`<p class="muted">No stack trace.</p>`}
</div>`;
    });
  return html`<section class="card"><h2>Exception</h2>${blocks}</section>`;
}

/** Frames as sent (outermost first) → a list, most recent call first, library runs folded. */
function framesList(frames: Obj[]): SafeHtml {
  const anyInApp = frames.some((frame) => frame.in_app === true);
  const crashing = crashingFrame(frames, anyInApp);
  const items: SafeHtml[] = [];
  let folded: SafeHtml[] = [];
  const fold = () => {
    if (folded.length === 0) return;
    const label = folded.length === 1 ? '1 frame not in app' : `${folded.length} frames not in app`;
    items.push(html`<li class="frames-folded"><details><summary>${label}</summary>
<ol class="frames">${folded}</ol></details></li>`);
    folded = [];
  };
  for (const frame of [...frames].reverse()) {
    const item = frameItem(frame, frame === crashing);
    if (anyInApp && frame.in_app !== true) {
      folded.push(item);
    } else {
      fold();
      items.push(item);
    }
  }
  fold();
  return html`<ol class="frames">${items}</ol>`;
}

/**
 * The frame whose source to show: the innermost in-app frame with a `context_line`; when no
 * frame is in-app (an SDK that does not say), the innermost frame with one.
 */
function crashingFrame(frames: Obj[], anyInApp: boolean): Obj | undefined {
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i] as Obj;
    if ((frame.in_app === true || !anyInApp) && str(frame.context_line) !== undefined) {
      return frame;
    }
  }
  return undefined;
}

/** One frame: `filename:lineno:colno in function`, its module, and its source lines when it has them. */
function frameItem(frame: Obj, crashing: boolean): SafeHtml {
  const file = str(frame.filename) ?? str(frame.abs_path) ?? str(frame.module) ?? '?';
  const absPath = str(frame.abs_path);
  const line = typeof frame.lineno === 'number' ? `:${frame.lineno}` : '';
  const col = typeof frame.colno === 'number' ? `:${frame.colno}` : '';
  const fn = str(frame.function) ?? '<anonymous>';
  const module = str(frame.module);
  const inApp = frame.in_app === true;
  const context = str(frame.context_line);
  const classes = ['frame', inApp ? 'in-app' : '', crashing ? 'crashing' : ''].filter(Boolean);
  return html`<li class="${classes.join(' ')}">
  <div class="frame-head"><span class="file"${absPath && absPath !== file ? html` title="${absPath}"` : ''}>${file}${line}${col}</span> <span class="muted">in</span> <span class="fn">${fn}</span>${
    module && module !== file ? html` <span class="module" title="module">${module}</span>` : ''
  }${inApp ? html` <span class="badge">in app</span>` : ''}</div>${
    context === undefined
      ? ''
      : crashing
        ? sourceLines(frame, context)
        : html`<details class="frame-source"><summary><code>${context.trim()}</code></summary>${sourceLines(frame, context)}</details>`
  }
</li>`;
}

/**
 * A frame's source: `pre_context`, the `context_line` (highlighted) and `post_context`, each
 * with its line number when the frame has a `lineno`.
 */
function sourceLines(frame: Obj, context: string): SafeHtml {
  const strings = (value: unknown) =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  const pre = strings(frame.pre_context);
  const post = strings(frame.post_context);
  const lineno = typeof frame.lineno === 'number' ? frame.lineno : undefined;
  const first = lineno === undefined ? undefined : lineno - pre.length;
  const row = (text: string, index: number, current: boolean) => {
    const number = first === undefined ? '' : first + index;
    return html`<tr${current ? html` class="current" aria-current="true"` : ''}><td class="lineno">${number}</td><td class="code">${text}</td></tr>`;
  };
  return html`<div class="source"><table><tbody>${[
    ...pre.map((text, i) => row(text, i, false)),
    row(context, pre.length, true),
    ...post.map((text, i) => row(text, pre.length + 1 + i, false)),
  ]}</tbody></table></div>`;
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
