// What the reliability scenarios share: recording figures for RELIABILITY.md, a bounded load
// generator with latency percentiles, process memory, and demo tokens for any user.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');
const resultsDir = join(root, '.test-results', 'reliability');

/** One scenario's result, as RELIABILITY.md shows it. */
export interface ScenarioResult {
  name: string;
  group: string;
  tried: string;
  figures: Record<string, string | number>;
  ok: boolean;
  note?: string;
}

/** Records a scenario's figures (read by scripts/reliability.mjs). */
export function record(result: ScenarioResult): void {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${result.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.json`);
  writeFileSync(file, JSON.stringify({ ...result, at: new Date().toISOString() }, null, 2));
}

/** The p-th percentile (0–100) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** What a load run saw. */
export interface LoadResult {
  requests: number;
  latencies: number[];
  statuses: Record<number, number>;
  errors: number;
  /** Per request, in start order: the path and the status (0 = network error). */
  log: { path: string; status: number; ms: number; startedAt: number }[];
}

/**
 * Sends requests with `concurrency` in flight until `durationMs` passed or `maxRequests` were
 * sent — always bounded. `next(i)` says what request `i` is.
 */
export async function load(options: {
  url: string;
  durationMs: number;
  concurrency: number;
  maxRequests?: number;
  /** Pace the whole run to at most this many requests per second. */
  ratePerSec?: number;
  next: (i: number) => { path: string; method?: string; headers?: Record<string, string> };
}): Promise<LoadResult> {
  const result: LoadResult = { requests: 0, latencies: [], statuses: {}, errors: 0, log: [] };
  const start = Date.now();
  const deadline = start + options.durationMs;
  const max = options.maxRequests ?? Number.POSITIVE_INFINITY;
  let i = 0;
  const worker = async () => {
    while (Date.now() < deadline && i < max) {
      const n = i++;
      if (options.ratePerSec) {
        const due = start + (n * 1000) / options.ratePerSec;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      const { path, method, headers } = options.next(n);
      const startedAt = Date.now();
      const started = performance.now();
      let status = 0;
      try {
        const res = await fetch(`${options.url}${path}`, { method: method ?? 'GET', headers });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        result.errors++;
      }
      const ms = performance.now() - started;
      result.requests++;
      result.latencies.push(ms);
      result.statuses[status] = (result.statuses[status] ?? 0) + 1;
      result.log.push({ path, status, ms, startedAt });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return result;
}

/** Resident set size of a process in MiB (Linux /proc). */
export function rssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return 0;
  }
}

/** Waits `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Formats milliseconds with one decimal. */
export const ms = (value: number) => `${value.toFixed(1)} ms`;
