/** The second whose ISO text (up to its `.`) is kept, and that text. */
let keptSecond = Number.NaN;
let keptPrefix = '';

/**
 * `new Date(now).toISOString()`, with the text of the current second kept: an envelope's
 * `sent_at` is written once per event, and most events of a busy second share it.
 */
export function isoNow(now: number = Date.now()): string {
  if (!Number.isSafeInteger(now)) return new Date(now).toISOString();
  const second = Math.floor(now / 1000);
  if (second !== keptSecond) {
    const text = new Date(second * 1000).toISOString();
    if (!text.endsWith('.000Z')) return new Date(now).toISOString();
    keptSecond = second;
    keptPrefix = text.slice(0, -4);
  }
  const ms = now - second * 1000;
  return `${keptPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}
