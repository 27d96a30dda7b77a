import type { Meta } from './meta';
import { isObject } from './values';

/**
 * A value checker/cleaner: returns the cleaned value, or `undefined` to drop it
 * (after recording why in `meta`). `null` inputs never reach a shape: the
 * containers drop them silently, as Relay does for absent values.
 *
 * The containers copy on write: a JSON object or array none of whose values is dropped or
 * changed is returned as it is (the same object), so a clean event is not copied. `path` is the
 * value's location; the containers push a key onto it for a child and pop it after, so a shape
 * must not keep it (`meta` copies what it records).
 */
export type Shape = (value: unknown, path: string[], meta: Meta) => unknown;

/** Whether `value` may be returned as it is: a plain object (as `JSON.parse` makes them). */
function isPlain(value: object): boolean {
  return Object.getPrototypeOf(value) === Object.prototype;
}

function bad(meta: Meta, path: string[], reason: string, value: unknown): undefined {
  meta.add(path, reason, value);
  return undefined;
}

/** Sets an own property, so that a key like `__proto__` stays data. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment is safe (and much faster) for every key but `__proto__`, the only
  // accessor on Object.prototype; the targets are fresh objects.
  if (key !== '__proto__') {
    target[key] = value;
    return;
  }
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** A string. */
export const str: Shape = (v, path, meta) =>
  typeof v === 'string' ? v : bad(meta, path, 'expected a string', v);

/** A string; numbers and booleans become strings (as Relay does for tags and values). */
export const lenientStr: Shape = (v, path, meta) => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return bad(meta, path, 'expected a string', v);
};

/** A boolean. */
export const bool: Shape = (v, path, meta) =>
  typeof v === 'boolean' ? v : bad(meta, path, 'expected a boolean', v);

/** A non-negative integer. */
export const uint: Shape = (v, path, meta) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0
    ? v
    : bad(meta, path, 'expected a non-negative integer', v);

/** A finite number or a string (timestamps; strings in RFC 3339 become seconds). */
export const timestamp: Shape = (v, path, meta) => {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === 'string') {
    const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  return bad(meta, path, 'expected a timestamp', v);
};

/** Any JSON value, kept as is. */
export const any: Shape = (v) => v;

/** One of `values`; `aliases` maps other spellings (e.g. `warn` → `warning`). */
export function oneOf(values: readonly string[], aliases: Record<string, string> = {}): Shape {
  return (v, path, meta) => {
    if (typeof v === 'string') {
      const lower = v.toLowerCase();
      if (values.includes(lower)) return lower;
      const alias = aliases[lower];
      if (alias) return alias;
    }
    return bad(meta, path, `expected one of ${values.join(', ')}`, v);
  };
}

/** Exactly one of `values`, case-sensitive (as Relay parses `sdk.settings.infer_ip`). */
export function exactly(values: readonly string[]): Shape {
  return (v, path, meta) =>
    typeof v === 'string' && values.includes(v)
      ? v
      : bad(meta, path, `expected one of ${values.join(', ')}`, v);
}

/** The first of `shapes` whose type test passes. */
export function either(...alternatives: [test: (v: unknown) => boolean, shape: Shape][]): Shape {
  return (v, path, meta) => {
    for (const [test, shape] of alternatives) if (test(v)) return shape(v, path, meta);
    return bad(meta, path, 'unexpected type', v);
  };
}

/** Options of {@link obj}. */
export interface ObjOptions {
  /** Keys that must be present after cleaning; otherwise the whole object is dropped. */
  required?: string[];
  /** Shape for keys not in `props`; when absent they are dropped as unknown attributes. */
  other?: Shape;
}

/** An object with known keys; unknown keys are dropped and annotated. */
export function obj(props: Record<string, Shape>, options: ObjOptions = {}): Shape {
  const known = new Map(Object.entries(props));
  const other = options.other;
  const required = options.required ?? [];
  return (v, path, meta) => {
    if (!isObject(v)) return bad(meta, path, 'expected an object', v);
    const keys = Object.keys(v);
    // Copy on write: `out` is made at the first value dropped or changed.
    let out: Record<string, unknown> | undefined = isPlain(v) ? undefined : {};
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const value = v[key];
      let cleaned: unknown;
      if (value !== null && value !== undefined) {
        const shape = known.get(key) ?? other;
        if (shape) {
          path.push(key);
          cleaned = shape(value, path, meta);
          path.pop();
        } else {
          meta.add([...path, key], 'unknown attribute', value, 'invalid_attribute');
        }
      }
      if (out === undefined) {
        if (cleaned !== undefined && cleaned === value) continue;
        out = {};
        for (let j = 0; j < i; j++) setOwn(out, keys[j] as string, v[keys[j] as string]);
      }
      if (cleaned !== undefined) setOwn(out, key, cleaned);
    }
    const result = out ?? v;
    for (const key of required) {
      if (!(key in result)) return bad(meta, path, `missing required attribute ${key}`, v);
    }
    return result;
  };
}

/** An object with any keys, each value checked by `value`. */
export function record(value: Shape): Shape {
  return obj({}, { other: value });
}

/** An array; `null` items are removed, bad items are dropped and annotated. */
export function arr(item: Shape): Shape {
  return (v, path, meta) => {
    if (!Array.isArray(v)) return bad(meta, path, 'expected an array', v);
    // Copy on write, as in `obj`.
    let out: unknown[] | undefined = Object.getPrototypeOf(v) === Array.prototype ? undefined : [];
    for (let i = 0; i < v.length; i++) {
      const value: unknown = v[i];
      let cleaned: unknown;
      if (value !== null && value !== undefined) {
        path.push(String(i));
        cleaned = item(value, path, meta);
        path.pop();
      }
      if (out === undefined) {
        if (cleaned !== undefined && cleaned === value) continue;
        out = v.slice(0, i);
      }
      if (cleaned !== undefined) out.push(cleaned);
    }
    return out ?? v;
  };
}

/** Sentry's `{ values: [...] }` wrapper; a bare array is accepted and wrapped. */
export function values(item: Shape): Shape {
  const list = arr(item);
  return (v, path, meta) => {
    if (Array.isArray(v)) v = { values: v };
    if (!isObject(v) || !Array.isArray(v.values)) {
      return bad(meta, path, 'expected a list of values', v);
    }
    path.push('values');
    const cleaned = list(v.values, path, meta);
    path.pop();
    return cleaned === undefined ? undefined : { values: cleaned };
  };
}

/** A map of strings given as an object or as `[key, value]` pairs; values made strings. */
export function pairs(options: { split?: (text: string) => [string, string][] } = {}): Shape {
  return (v, path, meta) => {
    // An object of strings already is the answer (copy on write, as in `obj`).
    if (isObject(v) && isPlain(v) && allStrings(v)) return v;
    let entries: [string, unknown][];
    if (typeof v === 'string' && options.split) entries = options.split(v);
    else if (isObject(v)) entries = Object.entries(v);
    else if (Array.isArray(v)) {
      entries = [];
      for (const pair of v) {
        if (Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string') {
          entries.push([pair[0], pair[1]]);
        }
      }
    } else return bad(meta, path, 'expected an object', v);
    const out: Record<string, string> = {};
    for (const [key, value] of entries) {
      if (value === null || value === undefined) continue;
      if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
        setOwn(out, key, value.join(', '));
        continue;
      }
      const cleaned = lenientStr(value, [...path, key], meta);
      if (typeof cleaned === 'string') setOwn(out, key, cleaned);
    }
    return out;
  };
}

function allStrings(v: Record<string, unknown>): boolean {
  for (const key in v) if (typeof v[key] !== 'string') return false;
  return true;
}
