import type { DataCategory } from './event';

const KNOWN: ReadonlySet<string> = new Set<DataCategory>([
  'error',
  'default',
  'internal',
  'transaction',
  'session',
  'attachment',
]);
const ALL = '__all__';
const DEFAULT_RETRY_AFTER_MS = 60_000;

/** Minimal header access (a `Headers` object fits). */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * Sentry rate limits, per category. Updated from every response:
 * `X-Sentry-Rate-Limits` first; else `Retry-After` (seconds or an HTTP date)
 * on 429; else 60 s for a bare 429. The longest limit per category wins;
 * unknown categories are ignored; an empty category list means all.
 */
export class RateLimits {
  private readonly until = new Map<string, number>();

  /** Applies a response's headers; returns `true` if a limit was set. */
  update(status: number, headers: HeaderReader, now = Date.now()): boolean {
    const header = headers.get('x-sentry-rate-limits');
    if (header) return this.applyHeader(header, now);
    if (status !== 429) return false;
    this.extend(ALL, now + parseRetryAfter(headers.get('retry-after'), now));
    return true;
  }

  /** `true` while `category` (or everything) is limited. */
  isLimited(category: DataCategory, now = Date.now()): boolean {
    return (this.until.get(category) ?? 0) > now || (this.until.get(ALL) ?? 0) > now;
  }

  /** When `category` may be sent again (ms since epoch); 0 if it may now. */
  limitedUntil(category: DataCategory): number {
    return Math.max(this.until.get(category) ?? 0, this.until.get(ALL) ?? 0);
  }

  private applyHeader(header: string, now: number): boolean {
    let applied = false;
    for (const limit of header.split(',')) {
      const [seconds, categories = ''] = limit.trim().split(':');
      const delay = Number.parseInt(seconds ?? '', 10);
      const until =
        now + (Number.isFinite(delay) && delay >= 0 ? delay * 1000 : DEFAULT_RETRY_AFTER_MS);
      const names = categories.split(';').filter(Boolean);
      if (names.length === 0) {
        this.extend(ALL, until);
        applied = true;
      }
      for (const name of names) {
        if (!KNOWN.has(name)) continue;
        this.extend(name, until);
        applied = true;
      }
    }
    return applied;
  }

  private extend(key: string, until: number): void {
    if (until > (this.until.get(key) ?? 0)) this.until.set(key, until);
  }
}

/** `Retry-After` in ms: delay-seconds or an HTTP date; 60 s when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number {
  if (!value) return DEFAULT_RETRY_AFTER_MS;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - now);
}
