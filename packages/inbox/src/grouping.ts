import { createHash } from 'node:crypto';

/** How an event is grouped and labelled. */
export interface Grouping {
  /** Stable hash of the grouping components (32 hex digits). */
  hash: string;
  /** The issue title: `Type: value`, else the message, else `<unlabeled event>`. */
  title: string;
  /**
   * Where it happened: the innermost in-app frame (`module in function`, else
   * `filename in function`; `<anonymous>` for a frame without a function name), else the event's own `culprit`, else its
   * `transaction` (the route, e.g. `GET /boom/:id`), else `''`.
   */
  culprit: string;
}

interface Frame {
  function?: string;
  module?: string;
  filename?: string;
  abs_path?: string;
  in_app?: boolean;
}
interface ExceptionValue {
  type?: string;
  value?: string;
  stacktrace?: { frames?: Frame[] };
}

const DEFAULT_MARKERS = new Set(['{{ default }}', '{{default}}']);
const TITLE_CHARS = 200;

/**
 * Groups an event into an issue: by its `fingerprint` when it has one
 * (`{{ default }}` entries stand for the default components), else by the
 * exception types plus their stack frames, else by the message template.
 *
 * Frames follow Sentry's default grouping: when any frame of the event is
 * in-app (`in_app: true`), only in-app frames contribute; when none is, every
 * frame that names a function, module or file does. Each frame contributes
 * its function and its module (else its file name); line numbers never do.
 * The exception value joins in only for an exception none of whose frames
 * contributes (no in-app frame anywhere and no usable frame of its own).
 */
export function groupEvent(event: Record<string, unknown>): Grouping {
  const exceptions = exceptionValues(event);
  // Each exception's in-app frames, once: the components, the title and the culprit read them.
  const inApp = exceptions.map(inAppFrames);
  const defaults = defaultComponents(event, exceptions, inApp);
  const fingerprint = event.fingerprint;
  const components =
    Array.isArray(fingerprint) && fingerprint.length > 0
      ? fingerprint.flatMap((part) =>
          DEFAULT_MARKERS.has(String(part)) ? defaults : [`fingerprint:${String(part)}`],
        )
      : defaults;
  return {
    hash: componentsHash(components),
    title: title(event, exceptions),
    culprit: culprit(event, exceptions, inApp),
  };
}

/** Hashes of recent component lists: events of one issue keep arriving with the same ones. */
const hashes = new Map<string, string>();
const MAX_HASHES = 1000;

/** The first 32 hex digits of the SHA-256 of `components` as JSON. */
function componentsHash(components: readonly string[]): string {
  // The cache key names the list unambiguously (each item after its length) and is cheaper to
  // build than the JSON, which only a miss needs.
  let key = '';
  for (const component of components) key += `${component.length}:${component}`;
  let hash = hashes.get(key);
  if (hash === undefined) {
    hash = createHash('sha256').update(JSON.stringify(components)).digest('hex').slice(0, 32);
    // Bounded: when full, start over (a miss only costs the hash).
    if (hashes.size >= MAX_HASHES) hashes.clear();
    hashes.set(key, hash);
  }
  return hash;
}

function exceptionValues(event: Record<string, unknown>): ExceptionValue[] {
  const values = (event.exception as { values?: unknown } | undefined)?.values;
  return Array.isArray(values) ? (values as ExceptionValue[]) : [];
}

function frames(exception: ExceptionValue): Frame[] {
  const list = exception.stacktrace?.frames;
  return Array.isArray(list) ? list : [];
}

function inAppFrames(exception: ExceptionValue): Frame[] {
  return frames(exception).filter((frame) => frame.in_app === true);
}

/** A frame that says where it is: a function, a module or a file name. */
function namesSomething(frame: Frame): boolean {
  return frame.function !== undefined || frame.module !== undefined || frame.filename !== undefined;
}

function defaultComponents(
  event: Record<string, unknown>,
  exceptions: ExceptionValue[],
  inApp: Frame[][],
): string[] {
  if (exceptions.length > 0) {
    const anyInApp = inApp.some((list) => list.length > 0);
    const components: string[] = [];
    exceptions.forEach((exception, i) => {
      // With an in-app frame anywhere, only in-app frames count and values never do (as
      // before, so those issues keep their hashes).
      const contributing = anyInApp
        ? (inApp[i] as Frame[])
        : frames(exception).filter(namesSomething);
      components.push(`type:${exception.type ?? ''}`);
      if (!anyInApp && contributing.length === 0) {
        components.push(`value:${exception.value ?? ''}`);
      }
      for (const frame of contributing) {
        components.push(`frame:${frame.function ?? '?'}@${frame.module ?? frame.filename ?? '?'}`);
      }
    });
    return components;
  }
  const message = messageTemplate(event);
  if (message !== undefined) return [`message:${message}`];
  return ['unlabeled'];
}

function messageTemplate(event: Record<string, unknown>): string | undefined {
  const logentry = event.logentry as { message?: string; formatted?: string } | undefined;
  return logentry?.message ?? logentry?.formatted;
}

function title(event: Record<string, unknown>, exceptions: ExceptionValue[]): string {
  const main = exceptions[exceptions.length - 1];
  let text: string | undefined;
  if (main) {
    const value = firstLine(main.value ?? '');
    text = main.type ? (value ? `${main.type}: ${value}` : main.type) : value || undefined;
  }
  if (!text) {
    const logentry = event.logentry as { message?: string; formatted?: string } | undefined;
    const message = logentry?.formatted ?? logentry?.message;
    text = message ? firstLine(message) : undefined;
  }
  text ??= '<unlabeled event>';
  return text.length > TITLE_CHARS ? `${text.slice(0, TITLE_CHARS - 1)}…` : text;
}

/**
 * The innermost in-app frame of the main (last) exception, else of the
 * exceptions it was caused by, innermost first; else the event's `culprit`,
 * else its `transaction`.
 */
function culprit(
  event: Record<string, unknown>,
  exceptions: ExceptionValue[],
  inApp: Frame[][],
): string {
  for (let i = exceptions.length - 1; i >= 0; i--) {
    const list = inApp[i] as Frame[];
    const frame = list[list.length - 1];
    if (frame) return frameCulprit(frame);
  }
  if (typeof event.culprit === 'string' && event.culprit !== '') return event.culprit;
  return typeof event.transaction === 'string' ? event.transaction : '';
}

/**
 * `module in function`, else `filename in function`. A frame without a function name (SDKs send
 * none, or `?`, for an anonymous function) reads `in <anonymous>`, as its stack trace does.
 */
function frameCulprit(frame: Frame): string {
  const where = frame.module || frame.filename || frame.abs_path || '<unknown>';
  const fn = frame.function && frame.function !== '?' ? frame.function : '<anonymous>';
  return `${where} in ${fn}`;
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return (end === -1 ? text : text.slice(0, end)).trim();
}
