// The reliability campaign's memory verdict (tests/reliability/memoryBound.ts): a long run's
// memory is bounded when the heap after a forced GC and the trend of RSS's window maxima stay
// flat — so a GC's swings of RSS do not fail it, and a real leak still does.
import { describe, expect, it } from 'vitest';
import { heapSamples, judgeMemory } from './reliability/memoryBound';

// RSS of a committed run that failed the old rule (largest settled sample over the first one):
// it swings between 164 and 200 MiB with the GC and ends below its peak.
const SWINGING_RSS = [164, 198, 171, 200, 166, 195, 181, 199, 170];
const FLAT_HEAP = [41.2, 41.9, 41.4, 42.0, 41.6, 41.3, 41.8, 41.5, 41.7];

describe('judgeMemory', () => {
  it('an RSS that swings with the GC and a flat heap after GC: bounded', () => {
    const oldRule = ((Math.max(...SWINGING_RSS) - (SWINGING_RSS[0] ?? 0)) / 164) * 100;
    expect(oldRule).toBeGreaterThan(10);
    const verdict = judgeMemory(FLAT_HEAP, SWINGING_RSS);
    expect(verdict.rssMaxima).toEqual([198, 200, 199]);
    expect(verdict.bounded).toBe(true);
    expect(Math.abs(verdict.heapGrowthPct)).toBeLessThan(2);
  });

  it('a heap that keeps growing after GC: not bounded, however RSS swings', () => {
    const leaking = FLAT_HEAP.map((mib, i) => mib + i * 1.5);
    const verdict = judgeMemory(leaking, SWINGING_RSS);
    expect(verdict.heapGrowthPct).toBeGreaterThan(10);
    expect(verdict.bounded).toBe(false);
  });

  it('RSS maxima that climb window after window (memory outside the JS heap): not bounded', () => {
    const climbing = [160, 170, 165, 180, 185, 178, 196, 201, 199];
    const verdict = judgeMemory(FLAT_HEAP, climbing);
    expect(verdict.rssMaxima).toEqual([170, 185, 201]);
    expect(verdict.rssMaximaGrowthPct).toBeGreaterThan(10);
    expect(verdict.bounded).toBe(false);
  });

  it('too few samples to judge by: not bounded', () => {
    expect(judgeMemory([41, 42], SWINGING_RSS).bounded).toBe(false);
    expect(judgeMemory(FLAT_HEAP, [170, 180]).bounded).toBe(false);
  });
});

describe('heapSamples', () => {
  it('reads the probe’s lines from an app’s output, split across chunks, among other lines', () => {
    const output = [
      'listening on http://127.0.0.1:3000\n[heap-pro',
      'be] 10004 41.2\nsome log line\n[heap-probe] 20010 41.9\n',
      '[heap-probe] no gc(): start the app with --expose-gc\n',
    ];
    expect(heapSamples(output)).toEqual([
      { atMs: 10004, heapMiB: 41.2 },
      { atMs: 20010, heapMiB: 41.9 },
    ]);
  });
});
