// The cache key of a stack's improved frames (framesKey.ts): equal frames give equal keys,
// any difference gives another key, and renumbering its strings never makes two stacks collide.
import { expect, it } from 'vitest';
import type { ExceptionValue } from '../src/event';
import { framesKey, resetFramesKeyNumbering } from '../src/framesKey';

const frame = (filename: string, fn: string, lineno: number, colno = 1) => ({
  filename,
  function: fn,
  in_app: !filename.includes('node_modules'),
  abs_path: filename,
  lineno,
  colno,
});
const values = (...frames: ReturnType<typeof frame>[]): ExceptionValue[] => [
  { type: 'Error', value: 'x', stacktrace: { frames } },
];

it('equal frames, equal keys; any field, the root or the line count changes the key', () => {
  const a = values(frame('/app/a.js', 'f', 1), frame('/app/b.js', 'g', 2, 5));
  const same = values(frame('/app/a.js', 'f', 1), frame('/app/b.js', 'g', 2, 5));
  const key = framesKey(a, '/app', 7);
  expect(key).toBeDefined();
  expect(framesKey(same, '/app', 7)).toBe(key);
  const others = [
    framesKey(values(frame('/app/a.js', 'f', 1), frame('/app/b.js', 'g', 2, 6)), '/app', 7),
    framesKey(values(frame('/app/a.js', 'f', 1), frame('/app/b.js', 'h', 2, 5)), '/app', 7),
    framesKey(values(frame('/app/a.js', 'f', 1), frame('/app/c.js', 'g', 2, 5)), '/app', 7),
    framesKey(values(frame('/app/b.js', 'g', 2, 5), frame('/app/a.js', 'f', 1)), '/app', 7),
    framesKey(values(frame('/app/a.js', 'f', 1)), '/app', 7),
    framesKey(a, '/other', 7),
    framesKey(a, '/app', 0),
    framesKey([...a, ...a], '/app', 7),
  ];
  expect(new Set([key, ...others]).size).toBe(others.length + 1);
  // A frame with a field the parser never sets is not cached.
  expect(framesKey(values({ ...frame('/app/a.js', 'f', 1), vars: {} } as never), '/app', 7)).toBe(
    undefined,
  );
});

it('after the numbering starts again, no key of before matches a different stack', () => {
  resetFramesKeyNumbering();
  const first = framesKey(values(frame('/app/a.js', 'f', 1)), '/app', 7);
  // Thousands of distinct strings renumber everything (more than the numbering keeps).
  const seen = new Map<string, string>();
  for (let i = 0; i < 10_000; i++) {
    const stack = values(frame(`/app/file${i}.js`, `fn${i}`, 1));
    const key = framesKey(stack, '/app', 7);
    if (key === undefined) continue; // made across a renumbering: not cached
    expect(seen.get(key)).toBe(undefined);
    seen.set(key, `file${i}`);
  }
  expect(seen.has(first ?? '')).toBe(false);
  const again = framesKey(values(frame('/app/a.js', 'f', 1)), '/app', 7);
  expect(again).not.toBe(first);
  expect(seen.has(again ?? '')).toBe(false);
});
