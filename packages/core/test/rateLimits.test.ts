import { describe, expect, it } from 'vitest';
import { parseRetryAfter, RateLimits } from '../src/rateLimits';

const headers = (h: Record<string, string>) => ({
  get: (name: string) => h[name.toLowerCase()] ?? null,
});
const NOW = 1_000_000;

describe('RateLimits', () => {
  it('X-Sentry-Rate-Limits: per category, longest wins, unknown ignored, empty = all', () => {
    const limits = new RateLimits();
    limits.update(
      200,
      headers({
        'x-sentry-rate-limits':
          '60:error;unknown_cat:organization, 120:error:project:quota, 10:transaction',
      }),
      NOW,
    );
    expect(limits.limitedUntil('error')).toBe(NOW + 120_000);
    expect(limits.limitedUntil('transaction')).toBe(NOW + 10_000);
    expect(limits.isLimited('default', NOW)).toBe(false);
    limits.update(200, headers({ 'x-sentry-rate-limits': '30:error:organization' }), NOW);
    expect(limits.limitedUntil('error')).toBe(NOW + 120_000);
    limits.update(200, headers({ 'x-sentry-rate-limits': '5::organization' }), NOW);
    expect(limits.isLimited('default', NOW + 4_000)).toBe(true);
    expect(limits.isLimited('default', NOW + 5_001)).toBe(false);
    expect(limits.isLimited('error', NOW + 100_000)).toBe(true);
  });

  it('the rate-limit header takes precedence over Retry-After', () => {
    const limits = new RateLimits();
    limits.update(429, headers({ 'x-sentry-rate-limits': '3:error', 'retry-after': '100' }), NOW);
    expect(limits.limitedUntil('error')).toBe(NOW + 3_000);
    expect(limits.isLimited('default', NOW)).toBe(false);
  });

  it('Retry-After on 429: seconds or HTTP date, for all categories; bare 429 = 60 s', () => {
    const a = new RateLimits();
    a.update(429, headers({ 'retry-after': '7' }), NOW);
    expect(a.limitedUntil('default')).toBe(NOW + 7_000);
    const b = new RateLimits();
    const date = new Date(Date.now() + 30_000).toUTCString();
    b.update(429, headers({ 'retry-after': date }));
    expect(b.limitedUntil('error') - Date.now()).toBeGreaterThan(28_000);
    expect(b.limitedUntil('error') - Date.now()).toBeLessThanOrEqual(30_000);
    const c = new RateLimits();
    c.update(429, headers({}), NOW);
    expect(c.limitedUntil('internal')).toBe(NOW + 60_000);
    const d = new RateLimits();
    expect(d.update(503, headers({ 'retry-after': '5' }), NOW)).toBe(false);
    expect(d.isLimited('error', NOW)).toBe(false);
  });

  it('parseRetryAfter falls back to 60 s for garbage', () => {
    expect(parseRetryAfter('soon', NOW)).toBe(60_000);
    expect(parseRetryAfter(null, NOW)).toBe(60_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
  });
});
