import type { ExceptionValue } from './event';

/** The fields a parsed frame has; frames with anything else (`captureEvent`'s own) are not cached. */
const PARSED_FIELDS = new Set(['filename', 'function', 'in_app', 'abs_path', 'lineno', 'colno']);

/**
 * An unambiguous key for the frames of every value (each field length- or type-prefixed), with
 * the root and context lines; `undefined` when a frame has other fields or unexpected types.
 */
export function framesKey(
  values: ExceptionValue[],
  root: string,
  lines: number,
): string | undefined {
  let key = `${lines};${root.length}:${root}`;
  for (const value of values) {
    const frames = value?.stacktrace?.frames;
    if (!Array.isArray(frames)) {
      key += '|-';
      continue;
    }
    key += `|${frames.length}`;
    for (const frame of frames) {
      if (typeof frame !== 'object' || frame === null) return undefined;
      for (const field in frame) if (!PARSED_FIELDS.has(field)) return undefined;
      const sameAbs = frame.abs_path !== undefined && frame.abs_path === frame.filename;
      for (const part of [
        frame.filename,
        frame.function,
        frame.in_app,
        sameAbs ? null : frame.abs_path,
        frame.lineno,
        frame.colno,
      ]) {
        const encoded = keyPart(part);
        if (encoded === undefined) return undefined;
        key += encoded;
      }
    }
  }
  return key;
}

function keyPart(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return `s${value.length}:${value}`;
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
