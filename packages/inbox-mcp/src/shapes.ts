// The inbox API's answers as the tools return them: only what an agent needs to answer
// "who hit this?", in compact JSON. The answers' types are @x/inbox's own (types only: nothing of
// it is loaded at run time).
import type { EventSummary, IssueSummary } from '@x/inbox';

/** An issue, compactly: what it is, where, how many users and events, when. */
export function issueBrief(issue: IssueSummary) {
  return {
    id: issue.id,
    title: issue.title,
    culprit: issue.culprit,
    level: issue.level,
    users_affected: issue.user_count,
    events: issue.event_count,
    first_seen: issue.first_seen,
    last_seen: issue.last_seen,
    transaction: issue.transaction,
    release: issue.release,
    last_event_id: issue.last_event_id,
  };
}

/** An event, compactly: id, time, level, title, user key, route, release, issue and trace. */
export function eventBrief(event: EventSummary & { release?: string | null }) {
  return {
    id: event.id,
    time: event.timestamp,
    level: event.level,
    title: event.title,
    user: event.user_key,
    transaction: event.transaction,
    release: event.release ?? null,
    issue_id: event.issue_id,
    trace_id: event.trace_id,
  };
}

/** One stack frame as the tools show it. */
export interface FrameBrief {
  /** `file:line:column` (as much as the frame has). */
  at: string;
  function?: string;
  module?: string;
  /** The source line that ran, when the SDK sent source context. */
  context_line?: string;
  in_app: boolean;
}

/** One exception of an event with its frames, most recent call first. */
export interface ExceptionBrief {
  type: string | null;
  value: string | null;
  handled: boolean | null;
  /** In-app frames; when no frame is in-app, the innermost few frames. */
  frames: FrameBrief[];
  /** Frames of the stack not shown (not in-app). */
  frames_omitted: number;
}

const FALLBACK_FRAMES = 5;

/**
 * The exceptions of a stored event (the outermost, i.e. the one thrown last, first), each with
 * its in-app frames, most recent call first.
 */
export function exceptionsOf(event: Record<string, unknown>): ExceptionBrief[] {
  const values = record(event.exception)?.values;
  if (!Array.isArray(values)) return [];
  return values
    .map(record)
    .filter((value) => value !== undefined)
    .reverse()
    .map((value) => {
      const frames = (record(value.stacktrace)?.frames as unknown[] | undefined) ?? [];
      const all = (Array.isArray(frames) ? frames : []).map(record).filter((f) => f !== undefined);
      const inApp = all.filter((frame) => frame.in_app === true);
      const shown = inApp.length > 0 ? inApp : all.slice(-FALLBACK_FRAMES);
      return {
        type: text(value.type),
        value: text(value.value),
        handled:
          typeof record(value.mechanism)?.handled === 'boolean'
            ? (record(value.mechanism)?.handled as boolean)
            : null,
        frames: shown.reverse().map(frameBrief),
        frames_omitted: all.length - shown.length,
      };
    });
}

function frameBrief(frame: Record<string, unknown>): FrameBrief {
  const file = text(frame.filename) ?? text(frame.abs_path) ?? text(frame.module) ?? '?';
  const position = [frame.lineno, frame.colno].filter((n) => typeof n === 'number').join(':');
  const brief: FrameBrief = {
    at: position ? `${file}:${position}` : file,
    in_app: frame.in_app === true,
  };
  const fn = text(frame.function);
  if (fn) brief.function = fn;
  const module = text(frame.module);
  if (module && module !== file) brief.module = module;
  const line = text(frame.context_line);
  if (line !== null) brief.context_line = line.trim();
  return brief;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The event's message (`logentry.formatted`, else `logentry.message`), or `null`. */
export function messageOf(event: Record<string, unknown>): string | null {
  const logentry = record(event.logentry);
  return text(logentry?.formatted) ?? text(logentry?.message);
}
