import { createHash } from 'node:crypto';

/** How an event is grouped and labelled. */
export interface Grouping {
  /** Stable hash of the grouping components (32 hex digits). */
  hash: string;
  /** The issue title: `Type: value`, else the message, else `<unlabeled event>`. */
  title: string;
  /** Where it happened: the innermost in-app frame (`module in function`), else the transaction. */
  culprit: string;
}

interface Frame {
  function?: string;
  module?: string;
  filename?: string;
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
 * exception types plus their in-app frames (function and module or file
 * name; the exception value joins in when no frame is in-app), else by the
 * message template.
 */
export function groupEvent(event: Record<string, unknown>): Grouping {
  const exceptions = exceptionValues(event);
  const defaults = defaultComponents(event, exceptions);
  const fingerprint = event.fingerprint;
  const components =
    Array.isArray(fingerprint) && fingerprint.length > 0
      ? fingerprint.flatMap((part) =>
          DEFAULT_MARKERS.has(String(part)) ? defaults : [`fingerprint:${String(part)}`],
        )
      : defaults;
  const hash = createHash('sha256').update(JSON.stringify(components)).digest('hex').slice(0, 32);
  return { hash, title: title(event, exceptions), culprit: culprit(event, exceptions) };
}

function exceptionValues(event: Record<string, unknown>): ExceptionValue[] {
  const values = (event.exception as { values?: unknown } | undefined)?.values;
  return Array.isArray(values) ? (values as ExceptionValue[]) : [];
}

function inAppFrames(exception: ExceptionValue): Frame[] {
  const frames = exception.stacktrace?.frames;
  return Array.isArray(frames) ? frames.filter((frame) => frame.in_app === true) : [];
}

function defaultComponents(event: Record<string, unknown>, exceptions: ExceptionValue[]): string[] {
  if (exceptions.length > 0) {
    const anyInApp = exceptions.some((exception) => inAppFrames(exception).length > 0);
    return exceptions.flatMap((exception) => [
      `type:${exception.type ?? ''}`,
      ...(anyInApp ? [] : [`value:${exception.value ?? ''}`]),
      ...inAppFrames(exception).map(
        (frame) => `frame:${frame.function ?? '?'}@${frame.module ?? frame.filename ?? '?'}`,
      ),
    ]);
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

function culprit(event: Record<string, unknown>, exceptions: ExceptionValue[]): string {
  const main = exceptions[exceptions.length - 1];
  const frames = main ? inAppFrames(main) : [];
  const frame = frames[frames.length - 1];
  if (frame) {
    const where = frame.module ?? frame.filename ?? '?';
    return frame.function ? `${where} in ${frame.function}` : where;
  }
  if (typeof event.culprit === 'string') return event.culprit;
  return typeof event.transaction === 'string' ? event.transaction : '';
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.trim();
}
