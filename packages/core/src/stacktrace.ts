import type { StackFrame } from './event';

const FRAME = /^\s*at (?:(async )?(.*?) \()?(.*?)(?::(\d+))?(?::(\d+))?\)?\s*$/;
const MAX_FRAMES = 50;

/**
 * Parses a V8 stack string (`Error.stack` on Node, Chrome, Edge) into frames,
 * oldest call first, as Sentry expects. Lines that are not frames are skipped.
 */
export function parseStackFrames(stack: string | undefined): StackFrame[] {
  if (typeof stack !== 'string') return [];
  const frames: StackFrame[] = [];
  for (const line of stack.split('\n')) {
    if (!line.trimStart().startsWith('at ')) continue;
    const frame = parseLine(line);
    if (frame) frames.push(frame);
    if (frames.length >= MAX_FRAMES) break;
  }
  return frames.reverse();
}

function parseLine(line: string): StackFrame | undefined {
  const match = FRAME.exec(line);
  if (!match) return undefined;
  let [, , fn, location = '', lineno, colno] = match;
  // `at eval (eval at f (file.js:1:2), <anonymous>:3:4)`: point at the outer file.
  const evalOrigin = /^eval at [^(]*\((.*?)(?::(\d+))?(?::(\d+))?\)/.exec(location);
  if (evalOrigin) [, location = '', lineno, colno] = evalOrigin;
  if (!fn && !location) return undefined;
  const filename = location.startsWith('file://') ? safeDecode(location.slice(7)) : location;
  const frame: StackFrame = {
    filename,
    function: cleanFunction(fn),
    in_app: isInApp(filename),
  };
  if (filename.startsWith('/') || /^[A-Za-z]:[\\/]/.test(filename)) frame.abs_path = filename;
  if (lineno) frame.lineno = Number(lineno);
  if (colno) frame.colno = Number(colno);
  return frame;
}

function cleanFunction(fn: string | undefined): string {
  if (!fn) return '?';
  return fn.replace(/^new /, '').replace(/ \[as [^\]]+\]$/, '') || '?';
}

function isInApp(filename: string): boolean {
  if (!filename || filename === 'native' || filename === '<anonymous>') return false;
  if (filename.startsWith('node:') || filename.startsWith('internal/')) return false;
  return !/[\\/]node_modules[\\/]/.test(filename);
}

function safeDecode(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}
