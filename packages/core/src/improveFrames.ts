// One event's frames made into frames a developer can act on: mapped, named, marked in_app, and
// the in-app ones given context lines, within per-event budgets for maps and files read.
import { isAbsolute } from 'node:path';
import { addContextLines } from './addContextLines';
import type { ExceptionValue, StackFrame } from './event';
import { framePath, relativeToRoot } from './framePath';
import { inApp } from './inApp';
import { type MapBudget, mapFrame } from './mapFrame';
import { moduleFromPath } from './moduleFromPath';
import { sourceLines } from './sourceLines';

/** At most this many distinct source files give context lines to one event. */
export const MAX_CONTEXT_FILES_PER_EVENT = 10;
/** At most this many built files are looked up for source maps per event. */
const MAX_MAPPED_FILES_PER_EVENT = 20;

/** What one event may still read, and what it already read (which costs nothing again). */
interface EventBudget extends MapBudget {
  /** Distinct sources that may still give context lines. */
  files: number;
  contextFiles: Set<string>;
  /** Context lines either side of a frame's line. */
  lines: number;
}

/**
 * Improved copies of every value's frames, `null` where a value has none; the input is not
 * changed. `lines` context lines either side (`0`: none, and no source is read for them).
 * A frame that cannot be improved stays as parsed; never rejects.
 */
export async function improveFrames(
  values: ExceptionValue[],
  root: string,
  lines: number,
): Promise<(StackFrame[] | null)[]> {
  const budget: EventBudget = {
    maps: MAX_MAPPED_FILES_PER_EVENT,
    mapFiles: new Set(),
    files: lines > 0 ? MAX_CONTEXT_FILES_PER_EVENT : 0,
    contextFiles: new Set(),
    lines,
  };
  const out: (StackFrame[] | null)[] = [];
  // The thrown exception is last; its frames, newest (last) first, get the budgets first.
  for (let v = values.length - 1; v >= 0; v--) {
    const frames = values[v]?.stacktrace?.frames;
    if (!Array.isArray(frames)) {
      out[v] = null;
      continue;
    }
    const copies = frames.map((frame) => ({ ...frame }));
    for (let i = copies.length - 1; i >= 0; i--) {
      try {
        await improveFrame(copies[i] as StackFrame, root, budget);
      } catch {
        // A frame that cannot be improved stays as parsed.
      }
    }
    out[v] = copies;
  }
  return out;
}

async function improveFrame(frame: StackFrame, root: string, budget: EventBudget): Promise<void> {
  const generated = framePath(frame);
  const mapped = generated ? await mapFrame(frame, generated, budget) : undefined;
  const path = mapped ? mapped.path : generated;
  if (path) nameFrame(frame, path, root);
  frame.in_app = await inApp(path, generated, mapped?.ignored === true);
  if (!frame.in_app || !frame.lineno) return;
  if (!spendContextFile(mapped ? mapped.source : path, budget)) return;
  const text = await sourceLines(path, mapped);
  if (text) addContextLines(frame, text, budget.lines);
}

/** `filename` relative to the root, `abs_path` and `module` for an absolute path. */
function nameFrame(frame: StackFrame, path: string, root: string): void {
  if (isAbsolute(path)) {
    frame.abs_path = path;
    frame.filename = relativeToRoot(path, root);
    frame.module = moduleFromPath(path, root);
  } else {
    frame.filename = path;
  }
}

/** `true` when the source (`key`) may give context lines: seen before, or a file is left. */
function spendContextFile(key: string | undefined, budget: EventBudget): boolean {
  if (!key) return false;
  if (budget.contextFiles.has(key)) return true;
  if (budget.files <= 0) return false;
  budget.files--;
  budget.contextFiles.add(key);
  return true;
}
