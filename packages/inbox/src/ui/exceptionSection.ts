import { isObject, stringOrUndefined as str } from '../values';
import { jsonText } from './format';
import { html, type SafeHtml } from './html';

type Obj = Record<string, unknown>;

/** How {@link exceptionSection} shows source lines. */
export interface ExceptionSectionOptions {
  /**
   * `crashing`: only the crashing frame's source lines are open, other frames' fold under their
   * context line. `in-app`: every in-app frame's source lines are open (library frames still
   * fold), for a page that shows the stack at a glance.
   * @default 'crashing'
   */
  openSource?: 'crashing' | 'in-app' | undefined;
  /** The card's heading. @default 'Exception' */
  title?: SafeHtml | string | undefined;
  /** Extra class names of the card. */
  className?: string | undefined;
}

/** A frame's function as shown: SDKs send `?` (or nothing) for an anonymous function. */
export function frameFunction(frame: Obj): string {
  const fn = str(frame.function);
  return fn && fn !== '?' ? fn : '<anonymous>';
}

/**
 * The exception chain, outermost last as Sentry sends it, shown newest first;
 * each with its mechanism and stack frames, most recent call first. In-app
 * frames are shown; runs of frames that are not in-app fold into a closed
 * `<details>` (all frames show when none is in-app). The crashing frame — the
 * innermost in-app frame with source context — shows its source lines with the
 * failing line highlighted (with `openSource: 'in-app'`, every in-app frame does).
 * Nothing when the event has no exception.
 */
export function exceptionSection(event: Obj, options: ExceptionSectionOptions = {}): SafeHtml {
  const values =
    isObject(event.exception) && Array.isArray(event.exception.values)
      ? event.exception.values
      : [];
  if (values.length === 0) return html``;
  const blocks = [...values]
    .reverse()
    .filter(isObject)
    .map((exception) => exceptionBlock(exception, options));
  const cls = ['card', 'exception-card', options.className ?? ''].filter(Boolean).join(' ');
  return html`<section class="${cls}"><h2>${options.title ?? 'Exception'}</h2>${blocks}</section>`;
}

/** One exception: `Type: value`, its mechanism and its frames. */
function exceptionBlock(exception: Obj, options: ExceptionSectionOptions): SafeHtml {
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
  ${frames.length ? framesList(frames, options.openSource ?? 'crashing') : html`<p class="muted">No stack trace.</p>`}
</div>`;
}

/** Frames as sent (outermost first) → a list, most recent call first, library runs folded. */
function framesList(frames: Obj[], openSource: 'crashing' | 'in-app'): SafeHtml {
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
    const open = frame === crashing || (openSource === 'in-app' && frame.in_app === true);
    const item = frameItem(frame, frame === crashing, open);
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

/**
 * One frame: `filename:lineno:colno in function`, its module, and its source lines when it has
 * them (shown when `open`, else folded under the context line).
 */
function frameItem(frame: Obj, crashing: boolean, open: boolean): SafeHtml {
  const file = str(frame.filename) ?? str(frame.abs_path) ?? str(frame.module) ?? '<unknown>';
  const absPath = str(frame.abs_path);
  const line = typeof frame.lineno === 'number' ? `:${frame.lineno}` : '';
  const col = typeof frame.colno === 'number' ? `:${frame.colno}` : '';
  const module = str(frame.module);
  const inApp = frame.in_app === true;
  const context = str(frame.context_line);
  const classes = ['frame', inApp ? 'in-app' : '', crashing ? 'crashing' : ''].filter(Boolean);
  return html`<li class="${classes.join(' ')}">
  <div class="frame-head"><span class="file"${absPath && absPath !== file ? html` title="${absPath}"` : ''}>${file}${line}${col}</span> <span class="muted">in</span> <span class="fn">${frameFunction(frame)}</span>${
    module && module !== file ? html` <span class="module" title="module">${module}</span>` : ''
  }${inApp ? html` <span class="badge">in app</span>` : ''}</div>${
    context === undefined
      ? ''
      : open
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
