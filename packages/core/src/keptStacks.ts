// The server client's stack parser: a server's failures repeat, so each stack text is parsed once
// and its frames are kept and handed out as they are, the same array for every event of that
// failure. Kept frames are read-only: whatever changes frames works on copies (improveFrames.ts
// copies before it maps and names; the server client copies what a `beforeSend` would see).
// Being the same array each time, they also key what is derived from them (sourceFrames.ts).
import type { StackFrame } from './event';
import { pageOrigin, parseStackFrames } from './stacktrace';

const MAX_KEPT_STACKS = 64;
/** Longer stack texts (a deep recursion, a huge message) are parsed each time, not kept. */
const MAX_KEPT_STACK_CHARS = 16_384;

/** Frames by stack text, for the page origin they were parsed with. */
const kept = new Map<string, StackFrame[]>();
let keptOrigin: string | undefined;
/** Every array {@link keptStackFrames} handed out. */
const keptArrays = new WeakSet<StackFrame[]>();

/**
 * {@link parseStackFrames}, but the frames of a stack text seen before are the very array handed
 * out then: read-only (see above).
 */
export function keptStackFrames(stack: string | undefined): StackFrame[] {
  if (typeof stack !== 'string' || stack.length > MAX_KEPT_STACK_CHARS)
    return parseStackFrames(stack);
  const origin = pageOrigin();
  if (origin !== keptOrigin) {
    kept.clear();
    keptOrigin = origin;
  }
  let frames = kept.get(stack);
  if (!frames) {
    frames = parseStackFrames(stack);
    if (kept.size >= MAX_KEPT_STACKS) kept.clear();
    kept.set(stack, frames);
    keptArrays.add(frames);
  }
  return frames;
}

/** `true` for an array {@link keptStackFrames} handed out (shared: never to be changed). */
export function isKeptFrames(frames: unknown): boolean {
  return typeof frames === 'object' && frames !== null && keptArrays.has(frames as StackFrame[]);
}
