/** The second whose ISO text (up to its `.`) is kept, and that text. */
let keptSecond = Number.NaN;
let keptPrefix = '';

/**
 * `new Date(now).toISOString()`, with the text of the current second kept: an envelope's
 * `sent_at` is written once per event, and most events of a busy second share it. A time that
 * is not a whole number of milliseconds is written by `Date` itself.
 */
export function isoNow(now: number = Date.now()): string {
  if (!Number.isSafeInteger(now)) return new Date(now).toISOString();
  const second = Math.floor(now / 1000);
  if (second !== keptSecond) {
    keptPrefix = new Date(second * 1000).toISOString().slice(0, -4); // without `000Z`
    keptSecond = second;
  }
  const ms = now - second * 1000;
  return `${keptPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}
