import type { StackFrame } from './event';

/** Lines of context either side of an in-app frame's line (Sentry's number). */
export const CONTEXT_LINES = 7;
const MAX_LINE_CHARS = 150;
const SNIP_WINDOW = 140;

/**
 * Sets the frame's `pre_context`, `context_line` and `post_context` from its source's `lines`,
 * `around` lines either side of its `lineno`; long lines are snipped as Sentry does. Leaves the
 * frame as it is when its line is not in `lines`.
 */
export function addContextLines(frame: StackFrame, lines: string[], around: number): void {
  const index = (frame.lineno ?? 0) - 1;
  if (index < 0 || index >= lines.length) return;
  frame.pre_context = lines
    .slice(Math.max(0, index - around), index)
    .map((line) => snipLine(line, 0));
  frame.context_line = snipLine(lines[index] as string, frame.colno ?? 0);
  frame.post_context = lines.slice(index + 1, index + 1 + around).map((line) => snipLine(line, 0));
}

/** Long (minified) lines are cut to a window around the column, marked `{snip}`, as Sentry does. */
function snipLine(line: string, column: number): string {
  if (line.length <= MAX_LINE_CHARS) return line;
  let start = Math.max(Math.min(column, line.length) - 60, 0);
  if (start < 5) start = 0;
  let end = Math.min(start + SNIP_WINDOW, line.length);
  if (end > line.length - 5) end = line.length;
  if (end === line.length) start = Math.max(end - SNIP_WINDOW, 0);
  let out = line.slice(start, end);
  if (start > 0) out = `{snip} ${out}`;
  if (end < line.length) out = `${out} {snip}`;
  return out;
}
