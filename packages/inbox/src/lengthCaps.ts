import type { Meta } from './meta';
import { isObject } from './values';

/**
 * Relay's `max_chars` on top-level event strings (`relay-event-schema`'s
 * `Event`), with `max_chars_allowance` where Relay has one: a string is cut
 * only when longer than `max + allowance`, and then to `max` characters.
 */
export const MAX_CHARS: Readonly<Record<string, readonly [max: number, allowance: number]>> = {
  release: [200, 0],
  environment: [64, 0],
  server_name: [256, 20],
  transaction: [200, 0],
  culprit: [200, 0],
  logger: [64, 0],
};
const MAX_CHARS_ENTRIES = Object.entries(MAX_CHARS);
/** Frames kept per stack trace, the innermost (last) ones: Relay's `enforce_frame_hard_limit`. */
export const MAX_FRAMES = 250;
/** Breadcrumbs kept, the newest (last) ones. */
export const MAX_BREADCRUMBS = 100;

/**
 * Applies Relay's length caps to a shaped event in place, noting each in
 * `meta` as Relay writes it: a cut string becomes its first `max - 3`
 * characters plus `...`, with `{ rem: [["!limit", "s", max - 3, max]], len }`;
 * a shortened list keeps its last items, with `{ len }`.
 */
export function applyLengthCaps(event: Record<string, unknown>, meta: Meta): void {
  for (const [key, [max, allowance]] of MAX_CHARS_ENTRIES) {
    const value = event[key];
    if (typeof value !== 'string' || value.length <= max + allowance) continue;
    const chars = Array.from(value);
    if (chars.length <= max + allowance) continue;
    event[key] = `${chars.slice(0, max - 3).join('')}...`;
    meta.trimmed([key], max, chars.length);
  }
  capFrames(event.stacktrace, ['stacktrace'], meta);
  for (const key of ['exception', 'threads']) {
    const list = event[key];
    if (!isObject(list) || !Array.isArray(list.values)) continue;
    list.values.forEach((entry, index) => {
      if (isObject(entry)) {
        capFrames(entry.stacktrace, [key, 'values', String(index), 'stacktrace'], meta);
      }
    });
  }
  const breadcrumbs = event.breadcrumbs;
  if (isObject(breadcrumbs)) capList(breadcrumbs, 'values', MAX_BREADCRUMBS, ['breadcrumbs'], meta);
}

function capFrames(stacktrace: unknown, path: string[], meta: Meta): void {
  if (isObject(stacktrace)) capList(stacktrace, 'frames', MAX_FRAMES, path, meta);
}

function capList(
  parent: Record<string, unknown>,
  key: string,
  max: number,
  path: string[],
  meta: Meta,
): void {
  const list = parent[key];
  if (!Array.isArray(list) || list.length <= max) return;
  parent[key] = list.slice(list.length - max);
  meta.originalLength([...path, key], list.length);
}
