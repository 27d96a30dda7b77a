// What the demo's job settings make of bad input: `?attempts=` and `JOBS_CONCURRENCY` fall back to
// their defaults instead of reaching BullMQ (which would throw on a fractional or negative count,
// or retry a job forever).
import { jobAttempts, jobsConcurrency } from '@x/demo-kit/jobs';
import { describe, expect, it } from 'vitest';

describe('the demo jobs: settings from the outside', () => {
  it('?attempts= is a whole number from 1 to 5, else 1', () => {
    expect([1, 2, 5, '3', ' 4 '].map(jobAttempts)).toEqual([1, 2, 5, 3, 4]);
    const bad = [undefined, null, '', 'abc', '0', '-1', '6', '99', '2.5', 'NaN', 'Infinity', '1e9'];
    expect(bad.map(jobAttempts)).toEqual(bad.map(() => 1));
    // koa's ctx.query gives an array for ?attempts=2&attempts=3: one value, not a guess.
    expect(jobAttempts(['2', '3'])).toBe(1);
  });

  it('JOBS_CONCURRENCY is a whole number from 1, else 10', () => {
    expect(jobsConcurrency({ JOBS_CONCURRENCY: '25' })).toBe(25);
    expect(jobsConcurrency({ JOBS_CONCURRENCY: '1' })).toBe(1);
    for (const raw of [undefined, '', '0', '-3', '2.5', 'ten', 'Infinity']) {
      expect(jobsConcurrency({ JOBS_CONCURRENCY: raw })).toBe(10);
    }
  });
});
