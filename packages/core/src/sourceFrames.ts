// Node only (installed by the `node` entry as `runtime.sourceFrames`): turns the frames of a
// captured error into frames a developer can act on. This file composes the steps and caches
// the result per failure; each step has its own file.
//
// 1. Source maps (mapFrame.ts, loadSourceMap.ts): a frame in built code (tsup/tsc `sourceMap`,
//    Next's server chunks) is mapped to the file, line, column and function name the developer
//    wrote. The map comes from `module.findSourceMap` when Node has one (only with
//    `--enable-source-maps` or `setSourceMapsSupport`, in which case V8 has usually mapped the
//    stack already), else from the file's own `//# sourceMappingURL=` (a file or a `data:` URL),
//    decoded by @jridgewell/trace-mapping. Files under `node_modules` are not mapped.
// 2. in_app (inApp.ts): false for `node_modules`, `node:`, `internal/`, native frames, sources a
//    map puts on its `ignoreList`, and @x's own code wherever it is installed (see isXPath).
// 3. Context lines (sourceLines.ts, addContextLines.ts): in-app frames get 7 lines either side
//    (as Sentry), from the map's `sourcesContent` or the file itself: read with fs/promises,
//    cached (bounded LRU), files over 1 MB skipped, at most 10 files per event. A file that
//    cannot be read is skipped silently.
// 4. Names (framePath.ts, moduleFromPath.ts): `filename` relative to the app's root (`root`
//    option, default `process.cwd()`), `abs_path` absolute, `module` as Sentry's Node SDK
//    computes it, so the same error groups the same on two machines.
//
// This runs only in the client's asynchronous build step, never on the caller's path.

import { CONTEXT_LINES } from './addContextLines';
import type { Event, ExceptionValue, StackFrame } from './event';
import { rootDir } from './framePath';
import { framesKey } from './framesKey';
import { improveFrames } from './improveFrames';
import { clearPackageNameCache } from './inApp';
import { isKeptFrames } from './keptStacks';
import { clearSourceMapCache } from './loadSourceMap';
import { Lru } from './lru';
import { outsideUnits } from './outsideUnits';
import { clearSourceLineCache } from './sourceLines';

export { CONTEXT_LINES } from './addContextLines';
export { MAX_CONTEXT_FILES_PER_EVENT } from './improveFrames';
export { isXPath } from './inApp';
export { MAX_MAP_BYTES } from './loadSourceMap';
export { moduleFromPath } from './moduleFromPath';
export { MAX_SOURCE_BYTES } from './sourceLines';

const MAX_CACHED_FRAME_SETS = 256;

/** What the client passes: the app's root and when to give up. */
export interface SourceFrameOptions {
  /** Directory `filename` is relative to and `module` is computed from. @default process.cwd() */
  root?: string | undefined;
  /** Lines of source either side of an in-app frame's line; `0` sends no source code. @default 7 */
  contextLines?: number | undefined;
  /** Epoch ms after which nothing is changed on the event any more (the client stopped waiting). */
  deadline?: number | undefined;
  /**
   * The event is serialized as it is, unseen by any hook (no `beforeSend`): it gets the cached
   * frames themselves, not copies.
   */
  share?: boolean | undefined;
}

/** Improved frames (per exception value; `null` = no frames) of one set of parsed frames. */
interface Improved {
  /** Settles once the frames are improved. */
  pending: Promise<(StackFrame[] | null)[]>;
  /** The improved frames once `pending` settled. */
  frames?: (StackFrame[] | null)[] | undefined;
}
/** Improved frames by what they were made from ({@link framesKey}). */
const improvedFrames = new Lru<string, Improved>(MAX_CACHED_FRAME_SETS);
/**
 * The same, by the kept frames array of an event with one exception value (keptStacks.ts: the
 * same array for every event of a failure), per root and context lines: found without a key.
 * Entries live as long as the kept arrays.
 */
const improvedByKept = new Map<string, WeakMap<StackFrame[], Improved>>();

/** Forgets every cached map, source and improved stack (tests; a long-lived process never needs it). */
export function clearSourceFrameCaches(): void {
  clearSourceMapCache();
  clearSourceLineCache();
  clearPackageNameCache();
  improvedFrames.clear();
  improvedByKept.clear();
  lastKept = undefined;
}

/**
 * Maps, names and marks the frames of every exception on `event`, and adds context lines to the
 * in-app ones. Never throws; frames it cannot improve are left as they are. The event's
 * `exception` is replaced (not mutated), so a caller's `captureEvent` object stays untouched.
 */
export function applySourceFrames(
  event: Event,
  options: SourceFrameOptions = {},
): Promise<void> | undefined {
  const values = event.exception?.values;
  if (!Array.isArray(values) || values.length === 0) return undefined;
  const root = rootDir(options.root);
  const wanted = options.contextLines ?? CONTEXT_LINES;
  const lines = Number.isFinite(wanted) ? Math.max(0, Math.min(50, Math.floor(wanted))) : 0;
  // The same failure repeats: its frames are improved once (the result depends only on the
  // parsed frames, the root and the number of lines), and every later event gets copies.
  const keptArray = values.length === 1 ? values[0]?.stacktrace?.frames : undefined;
  const byKept = keptArray && isKeptFrames(keptArray) ? keptMap(root, lines) : undefined;
  let improved = keptArray && byKept?.get(keptArray);
  if (!improved) {
    improved = cachedOrNew(values, root, lines);
    if (keptArray && byKept) byKept.set(keptArray, improved);
  }
  if (improved.frames) {
    // Already known: applied now, no waiting (and no timer) in the client.
    if (options.deadline === undefined || Date.now() <= options.deadline)
      replaceFrames(event, values, improved.frames, options.share);
    return undefined;
  }
  return improved.pending.then((frames) => {
    if (options.deadline !== undefined && Date.now() > options.deadline) return;
    replaceFrames(event, values, frames, options.share);
  });
}

/** The improved frames of `values` by {@link framesKey}, or new ones (cached when keyed). */
function cachedOrNew(values: ExceptionValue[], root: string, lines: number): Improved {
  let key: string | undefined;
  try {
    key = framesKey(values, root, lines);
  } catch {
    key = undefined; // a throwing getter (captureEvent's own frames): not cached
  }
  const cached = key === undefined ? undefined : improvedFrames.get(key);
  if (cached) return cached;
  // Kept in a cache, so made outside the capturing unit (see outsideUnits).
  const entry: Improved = outsideUnits(() => {
    const made: Improved = { pending: improveFrames(values, root, lines) };
    made.pending.then(
      (frames) => {
        made.frames = frames;
      },
      () => undefined, // the caller sees the rejection; nothing to record
    );
    return made;
  });
  if (key !== undefined) improvedFrames.set(key, entry);
  return entry;
}

/** The improved frames by kept array for this root and number of context lines. */
function keptMap(root: string, lines: number): WeakMap<StackFrame[], Improved> {
  // One client asks with the same root and lines every time: no key to build then.
  if (lastKept?.root === root && lastKept.lines === lines) return lastKept.map;
  const id = `${lines};${root}`;
  let map = improvedByKept.get(id);
  if (!map) {
    map = new WeakMap();
    improvedByKept.set(id, map);
  }
  lastKept = { root, lines, map };
  return map;
}
let lastKept: { root: string; lines: number; map: WeakMap<StackFrame[], Improved> } | undefined;

function replaceFrames(
  event: Event,
  values: ExceptionValue[],
  improved: (StackFrame[] | null)[],
  share = false,
): void {
  const out = values.map((value, v) => {
    const frames = improved[v];
    return frames
      ? {
          ...value,
          stacktrace: { ...value.stacktrace, frames: share ? frames : copyFrames(frames) },
        }
      : value;
  });
  event.exception = { ...event.exception, values: out };
}

/** Fresh frames for one event (cached ones are handed out only where no hook can edit them). */
function copyFrames(frames: StackFrame[]): StackFrame[] {
  return frames.map((frame) => {
    const copy = { ...frame };
    if (frame.pre_context) copy.pre_context = [...frame.pre_context];
    if (frame.post_context) copy.post_context = [...frame.post_context];
    return copy;
  });
}
