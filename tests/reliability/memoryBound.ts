// Whether a long run's memory stays bounded, judged without flaking on the garbage collector's
// swings: RSS rises and falls by tens of MiB between collections, so two RSS samples can differ
// by 10 % with nothing kept. What is kept shows in the heap after a forced GC; RSS is judged by
// the trend of its maxima over consecutive windows, not by a pair of samples.
import { percentile } from './harness';

/** A sample of the app's heap after a full GC. */
export interface HeapSample {
  /** Milliseconds since the probe started (≈ the app's start). */
  atMs: number;
  heapMiB: number;
}

/** The verdict and the figures it rests on. */
export interface MemoryVerdict {
  /** Median heap after GC of the last third of the samples over that of the first third, in %. */
  heapGrowthPct: number;
  /** Largest RSS of the last window over that of the first, in %. */
  rssMaximaGrowthPct: number;
  /** RSS maxima per window, MiB. */
  rssMaxima: number[];
  bounded: boolean;
}

const PROBE_LINE = /^\[heap-probe\] (\d+) ([\d.]+)$/;

/** The heap samples in an app's output (the lines `tests/reliability/heapProbe.cjs` writes). */
export function heapSamples(output: readonly string[]): HeapSample[] {
  return output
    .join('')
    .split('\n')
    .map((line) => PROBE_LINE.exec(line.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ atMs: Number(match[1]), heapMiB: Number(match[2]) }));
}

const median = (values: readonly number[]): number => percentile([...values], 50);

const growthPct = (from: number, to: number): number => (from > 0 ? ((to - from) / from) * 100 : 0);

/**
 * Bounded when, over the settled part of a run, neither the heap after GC (median of the last
 * third against the first third) nor the RSS maxima (last of `windows` equal windows against the
 * first) grew by `limitPct` or more. Needs at least 3 heap samples and `windows` RSS samples;
 * fewer is not bounded (nothing to judge by).
 */
export function judgeMemory(
  heapMiB: readonly number[],
  rssMiB: readonly number[],
  { windows = 3, limitPct = 10 }: { windows?: number; limitPct?: number } = {},
): MemoryVerdict {
  const third = Math.floor(heapMiB.length / 3);
  const heapGrowthPct =
    third > 0 ? growthPct(median(heapMiB.slice(0, third)), median(heapMiB.slice(-third))) : 0;
  const size = Math.floor(rssMiB.length / windows);
  const rssMaxima =
    size > 0
      ? Array.from({ length: windows }, (_, i) =>
          Math.max(...rssMiB.slice(i * size, i === windows - 1 ? undefined : (i + 1) * size)),
        )
      : [];
  const rssMaximaGrowthPct = growthPct(rssMaxima[0] ?? 0, rssMaxima.at(-1) ?? 0);
  const bounded =
    third > 0 && size > 0 && heapGrowthPct < limitPct && rssMaximaGrowthPct < limitPct;
  return { heapGrowthPct, rssMaximaGrowthPct, rssMaxima, bounded };
}
