import { describe, expect, it } from 'vitest';
import { cpuFigures, pairedOverhead, roundOrder, withRatios } from '../src/jobs.mjs';

describe('background jobs maths', () => {
  it('alternates which variant goes first', () => {
    expect(roundOrder(1)).toEqual(['bare', 'x', 'aa']);
    expect(roundOrder(2)).toEqual(['aa', 'x', 'bare']);
    expect(roundOrder(3, ['bare', 'x'])).toEqual(['bare', 'x']);
  });

  it('takes the median of the per-round differences', () => {
    expect(pairedOverhead([1, 1, 1], [3, 9, 4])).toBe(3);
    expect(pairedOverhead([2, 1], [3, 4])).toBe(2);
  });

  it("reads a child's rounds as µs per job that @x adds", () => {
    const pair = (bare: number[], x: number[]) => ({ bare, x });
    const figures = cpuFigures({
      add: pair([0.2, 0.3, 0.2], [9.2, 8.3, 10.2]),
      addBulk: pair([0.01, 0.01, 0.01], [0.21, 0.31, 0.11]),
      process: pair([0.1, 0.1, 0.1], [1.6, 1.1, 1.4]),
      open: pair([0.2, 0.2, 0.2], [9.2, 10.2, 11.2]),
    });
    expect(figures.stampUs).toBeCloseTo(9);
    expect(figures.stampBulkUs).toBeCloseTo(0.2);
    expect(figures.scopeUs).toBeCloseTo(1.3);
    expect(figures.openUs).toBeCloseTo(10);
  });

  it('gives each row its ratios to the bare row of the same round', () => {
    const rows = withRatios([
      { variant: 'x', jobsPerSecond: 900, cpuUsPerJob: 165 },
      { variant: 'bare', jobsPerSecond: 1000, cpuUsPerJob: 150 },
    ]);
    expect(rows.map((r) => r.variant)).toEqual(['x', 'bare']);
    expect(rows[0].ratio).toBeCloseTo(0.9);
    expect(rows[0].cpuRatio).toBeCloseTo(1.1);
    expect([rows[1].ratio, rows[1].cpuRatio]).toEqual([1, 1]);
  });
});
