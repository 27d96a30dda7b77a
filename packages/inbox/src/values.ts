// Small value helpers shared by the store, the JSON API, the event shaping and the web UI.

/** `true` for a JSON object: not `null`, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` when it is a string, else `undefined`. */
export function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * A time in ms since the epoch (a number or a numeric SQL value) as ISO 8601.
 * Values a `Date` cannot hold (beyond ±8.64e15 ms, `NaN`) give the epoch
 * instead of throwing, so a hostile timestamp cannot break a page.
 */
export function iso(ms: unknown): string {
  const date = new Date(Number(ms));
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}
