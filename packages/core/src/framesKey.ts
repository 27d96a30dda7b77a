import type { ExceptionValue } from './event';

/** The fields a parsed frame has; frames with anything else (`captureEvent`'s own) are not cached. */
const PARSED_FIELDS = new Set(['filename', 'function', 'in_app', 'abs_path', 'lineno', 'colno']);

/** Distinct strings numbered before the numbering starts again (a new generation). */
const MAX_NUMBERED = 4096;

// Every string of a key (paths, function names) by a number: a key is then a short string of
// numbers instead of every path again (a stack of 15 frames: ~200 characters instead of ~2 KB,
// which had to be built, flattened and hashed for every event).
const numbered = new Map<string, number>();
let generation = 0;

function numberOf(text: string): number {
  let id = numbered.get(text);
  if (id === undefined) {
    if (numbered.size >= MAX_NUMBERED) {
      numbered.clear();
      generation++;
    }
    id = numbered.size;
    numbered.set(text, id);
  }
  return id;
}

/**
 * An unambiguous key for the frames of every value (each string by its number in the current
 * generation, each other field type-prefixed), with the root and context lines; `undefined` when
 * a frame has other fields or unexpected types, or when the numbering started again while the
 * key was made (its parts would come from two generations).
 */
export function framesKey(
  values: ExceptionValue[],
  root: string,
  lines: number,
): string | undefined {
  const started = generation;
  let key = `${lines};${numberOf(root)}`;
  for (const value of values) {
    const frames = value?.stacktrace?.frames;
    if (!Array.isArray(frames)) {
      key += '|-';
      continue;
    }
    key += `|${frames.length}`;
    for (const frame of frames) {
      const encoded = frameKey(frame);
      if (encoded === undefined) return undefined;
      key += encoded;
    }
  }
  return generation === started ? `${started}:${key}` : undefined;
}

/** One parsed frame's part of a key; `undefined` for a frame the parser did not make. */
function frameKey(frame: unknown): string | undefined {
  if (typeof frame !== 'object' || frame === null) return undefined;
  for (const field in frame) if (!PARSED_FIELDS.has(field)) return undefined;
  const f = frame as Record<string, unknown>;
  const sameAbs = f.abs_path !== undefined && f.abs_path === f.filename;
  const filename = keyPart(f.filename);
  const fn = keyPart(f.function);
  const inApp = keyPart(f.in_app);
  const absPath = keyPart(sameAbs ? null : f.abs_path);
  const lineno = keyPart(f.lineno);
  const colno = keyPart(f.colno);
  if (
    filename === undefined ||
    fn === undefined ||
    inApp === undefined ||
    absPath === undefined ||
    lineno === undefined ||
    colno === undefined
  )
    return undefined;
  return filename + fn + inApp + absPath + lineno + colno;
}

function keyPart(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return `s${numberOf(value)};`;
    case 'number':
      return `n${value};`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'object':
      return value === null ? '=' : undefined;
    default:
      return undefined;
  }
}

/** Forgets the numbering (tests). */
export function resetFramesKeyNumbering(): void {
  numbered.clear();
  generation++;
}
