// The server client keeps the frames of a stack it has parsed and hands the same array to every
// event of that failure (keptStacks.ts); whatever could change them gets copies.
import { afterEach, describe, expect, it } from 'vitest';
import { getCarrier } from '../src/carrier';
import type { StackFrame } from '../src/event';
import { resetFramesKeyNumbering } from '../src/framesKey';
import { isKeptFrames, keptStackFrames } from '../src/keptStacks';
import { captureException, type Event, flush, init } from '../src/node';
import { applySourceFrames, clearSourceFrameCaches } from '../src/sourceFrames';
import { parseStackFrames } from '../src/stacktrace';
import { useSharedSink } from './sink';

const sink = useSharedSink();
const STACK = 'Error: boom\n    at fail (/srv/app/a.js:3:9)\n    at main (/srv/app/b.js:7:1)';

/** A fresh error thrown from the same line each time: the same stack text. */
function sameFailure(): Error {
  return new Error('boom');
}

describe('keptStackFrames', () => {
  it('hands out the same array for a stack seen before, and its own to another', () => {
    const first = keptStackFrames(STACK);
    expect(keptStackFrames(`${STACK}`)).toBe(first);
    expect(isKeptFrames(first)).toBe(true);
    expect(first).toEqual(parseStackFrames(STACK));
    const other = keptStackFrames(STACK.replace('a.js:3:9', 'a.js:4:9'));
    expect(other).not.toBe(first);
    expect(other.map((f) => f.lineno)).toEqual([7, 4]);
    // The plain parser always gives fresh frames, never kept ones.
    expect(parseStackFrames(STACK)).not.toBe(parseStackFrames(STACK));
    expect(isKeptFrames(parseStackFrames(STACK))).toBe(false);
  });

  it('gives no frames, and keeps nothing, for a stack that is not text', () => {
    for (const stack of [undefined, 42, { stack: STACK }] as unknown as (string | undefined)[]) {
      const frames = keptStackFrames(stack);
      expect(frames).toEqual([]);
      expect(isKeptFrames(frames)).toBe(false);
    }
    expect(isKeptFrames(undefined)).toBe(false);
    expect(isKeptFrames(null)).toBe(false);
  });

  it('does not keep very long stacks', () => {
    const long = `Error: ${'x'.repeat(20_000)}\n    at fail (/srv/app/a.js:3:9)`;
    const frames = keptStackFrames(long);
    expect(frames).toHaveLength(1);
    expect(keptStackFrames(long)).not.toBe(frames);
    expect(isKeptFrames(frames)).toBe(false);
  });

  it('a repeated failure finds its improved frames by its kept array', async () => {
    clearSourceFrameCaches();
    const eventOf = (): Event => ({
      exception: { values: [{ type: 'Error', stacktrace: { frames: keptStackFrames(STACK) } }] },
    });
    const first = eventOf();
    await applySourceFrames(first, { root: '/srv', share: true });
    // A key made now would differ from the first one's (the numbering starts again): only the
    // kept array can find the frames improved for the first event.
    resetFramesKeyNumbering();
    const again = eventOf();
    // Known already: applied at once, the cached frames themselves.
    expect(applySourceFrames(again, { root: '/srv', share: true })).toBeUndefined();
    const framesOf = (e: Event) => e.exception?.values?.[0]?.stacktrace?.frames;
    expect(framesOf(again)).toBe(framesOf(first));
    expect(framesOf(first)?.[1]).toMatchObject({ filename: 'app/a.js', abs_path: '/srv/app/a.js' });
    // The kept (parsed) frames themselves are unchanged.
    expect(keptStackFrames(STACK)[1]).toEqual({
      filename: '/srv/app/a.js',
      abs_path: '/srv/app/a.js',
      function: 'fail',
      in_app: true,
      lineno: 3,
      colno: 9,
    });
  });
});

describe('improved frames of kept arrays', () => {
  it('are kept apart per root and number of context lines', async () => {
    clearSourceFrameCaches();
    const eventOf = (): Event => ({
      exception: { values: [{ type: 'Error', stacktrace: { frames: keptStackFrames(STACK) } }] },
    });
    const framesOf = (e: Event) => e.exception?.values?.[0]?.stacktrace?.frames;
    const [a, b, c, again] = [eventOf(), eventOf(), eventOf(), eventOf()];
    await applySourceFrames(a, { root: '/srv', share: true });
    await applySourceFrames(b, { root: '/srv/app', share: true });
    await applySourceFrames(c, { root: '/srv', share: true, contextLines: 0 });
    await applySourceFrames(again, { root: '/srv', share: true });
    expect(framesOf(a)?.[1]?.filename).toBe('app/a.js');
    expect(framesOf(b)?.[1]?.filename).toBe('a.js');
    expect(framesOf(c)).not.toBe(framesOf(a));
    expect(framesOf(again)).toBe(framesOf(a));
  });
});

describe('the server client and kept frames', () => {
  const runtime = getCarrier().runtime;
  const sourceFrames = runtime?.sourceFrames;
  afterEach(() => {
    if (runtime) runtime.sourceFrames = sourceFrames;
  });

  it('gives a beforeSend copies when the frames stay as parsed; the next event is untouched', async () => {
    // No runtime improvement (as with a runtime that has none, or one that took too long): the
    // event keeps the parsed frames, and the hook edits what it gets.
    if (runtime) runtime.sourceFrames = undefined;
    let seen = 0;
    init({
      dsn: sink.dsn,
      beforeSend: (event) => {
        const frames = event.exception?.values?.at(-1)?.stacktrace?.frames as StackFrame[];
        if (seen++ === 0) {
          for (const frame of frames) frame.function = 'edited';
          frames.pop();
        }
        return event;
      },
    });
    for (let i = 0; i < 2; i++) captureException(sameFailure());
    expect(await flush(5000)).toBe(true);
    const events = sink.events() as Event[];
    expect(events).toHaveLength(2);
    const [edited, next] = events.map((e) => e.exception?.values?.at(-1)?.stacktrace?.frames);
    expect(edited?.every((f) => f.function === 'edited')).toBe(true);
    expect(next?.length).toBe((edited?.length ?? 0) + 1);
    expect(next?.at(-1)?.function).toBe('sameFailure');
  });
});
