import type { StackFrame } from './event';

const MAX_FRAMES = 50;
// V8 (Node, Chromium, Edge): `at [async ][new ]fn (location)` or `at [async ]location`.
const V8_FRAME = /^at (?:async )?(?:(.*?) \()?(.*?)\)?$/;
// `eval at f (eval at g (url:1:2)), <anonymous>:3:4`: the innermost origin, the real file.
const V8_EVAL = /^(?:eval at [^(]*\()+(.*?:\d+:\d+)\)/;
const FN_AT = /@(?=[a-z][\w+.-]*:|\/|\[native code\])/i;
const LOCATION = /^(.*?)(?::(\d+))?(?::(\d+))?$/;
// Native code, Node's own modules, dependencies.
const NOT_APP =
  /^(native|<anonymous>|\[native code\]|index \d+)?$|^node:|^internal\/|[\\/]node_modules[\\/]/;

/**
 * Parses `Error.stack` into frames, oldest call first (the crashing frame
 * last), as Sentry expects; at most the 50 newest frames. Understands V8
 * (Node, Chromium), SpiderMonkey (Firefox) and JavaScriptCore (Safari)
 * stacks; lines that are not frames are skipped, and it never throws.
 *
 * In a browser (`globalThis.location` exists) filenames stay URLs and only
 * frames of the page's own origin are `in_app`; on Node, `file://` URLs
 * become paths and frames outside node_modules and Node's internals are.
 *
 * Every call parses and returns fresh frames; a server keeps the frames of repeated stacks
 * (see keptStacks.ts).
 */
export function parseStackFrames(stack: string | undefined): StackFrame[] {
  if (typeof stack !== 'string') return [];
  const origin = pageOrigin();
  // V8 stacks start with the message (any text); the others hold frames only.
  const v8 = /^[ \t]*at /m.test(stack);
  const frames: StackFrame[] = [];
  for (const raw of stack.split('\n')) {
    const frame = (v8 ? parseV8 : parseOther)(raw.slice(0, 1024).trim());
    if (frame) frames.push(toFrame(frame, origin));
    if (frames.length >= MAX_FRAMES) break;
  }
  return frames.reverse();
}

/** Function name (raw) and location (`file[:line[:col]]`). */
type Parts = [fn: string | undefined, location: string];

function parseV8(line: string): Parts | undefined {
  const [, fn, location = ''] = V8_FRAME.exec(line) ?? [];
  if (!fn && !location) return undefined;
  return [fn, V8_EVAL.exec(location)?.[1] ?? location];
}

/** SpiderMonkey (Firefox), JavaScriptCore (Safari): `[fn@]location:line[:col]`, `fn@[native code]`. */
function parseOther(line: string): Parts | undefined {
  // The `@` before a location (a URL, a path, native code): a URL may hold `@` too
  // (`https://cdn.example/pkg@1.2.3/x.js`, Safari's anonymous frames), and so may a name.
  const at = FN_AT.exec(line)?.index ?? -1;
  let fn = at < 0 ? '' : line.slice(0, at);
  const location = line.slice(at + 1);
  if (location === '[native code]') return [fn, location];
  // Without `@`, only a bare URL is a frame (Safari's anonymous functions), not text.
  if ((at < 0 && /\s/.test(location)) || !/:\d+$/.test(location)) return undefined;
  // Firefox's eval and `new Function` code: `url line 12 > eval:1:5` is line 12 of url.
  const outer = location.replace(/ line (\d+) > .*/, ':$1');
  if (outer !== location) fn ||= 'eval';
  return [fn, outer];
}

function toFrame([fn, location]: Parts, origin: string | undefined): StackFrame {
  const [, file = '', lineno, colno] = LOCATION.exec(location) ?? [];
  // On Node, `file://` URLs become paths (`file:///C:/a.js` is `C:/a.js`); browsers keep URLs.
  const filename =
    !origin && file.startsWith('file://')
      ? safeDecode(file.slice(7)).replace(/^\/(?=[A-Za-z]:)/, '')
      : file;
  const frame: StackFrame = {
    filename,
    function: cleanFunction(fn),
    // In a browser, only the page's own origin (or webpack's dev URLs) holds the app's code.
    in_app:
      (!origin || file.startsWith(`${origin}/`) || /^webpack(-internal)?:/.test(file)) &&
      !NOT_APP.test(filename),
  };
  if (/^(\/|[A-Za-z]:[\\/])/.test(filename)) frame.abs_path = filename;
  setNumber(frame, 'lineno', lineno);
  setNumber(frame, 'colno', colno);
  return frame;
}

function setNumber(frame: StackFrame, key: 'lineno' | 'colno', digits: string | undefined): void {
  // At most 15 digits: a safe integer (the rest is garbage, not a line).
  if (digits && digits.length < 16) frame[key] = Number(digits);
}

function cleanFunction(fn: string | undefined): string {
  // `new Foo`, `Foo.bar [as baz]` (V8); Firefox's async causes: `setTimeout handler*fn`.
  return fn?.replace(/^new |^[\w .]+\*| \[as [^\]]+\]$/g, '') || '?';
}

/** `location.origin` in a browser or worker; `undefined` on Node (and Deno, where it throws). */
export function pageOrigin(): string | undefined {
  try {
    const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
    return typeof origin === 'string' && origin !== 'null' ? origin : undefined;
  } catch {
    return undefined;
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}
