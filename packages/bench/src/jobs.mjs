// Background jobs (BullMQ): what @x/bullmq costs. Two parts, each in fresh child processes on the
// server CPU, on the Node binary given:
//   in-process (jobs/inProcess.mjs, no Redis) — CPU µs per job that stamping (`withUser`) adds
//     over a bare add, and unstamping with the job's scope (`withJobScope`) over a bare processor;
//   end to end (jobs/endToEnd.mjs) — jobs/s of a Worker (concurrency 10) on a throw-away Redis,
//     bare BullMQ against @x, alternating which goes first, with a succeeding and a failing
//     processor. Without a redis-server this part is skipped with the finder's one-line reason.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findRedis, startRedis } from '../../test-kit/src/redis.mjs';
import { onCpu, SERVER_CPU } from './lib/cpus.mjs';
import { median } from './lib/stats.mjs';

const jobsDir = fileURLToPath(new URL('./jobs/', import.meta.url));

/** The variants of the end-to-end trials; the first is the baseline, `aa` (bare again) the A/A row. */
export const JOB_VARIANTS = ['bare', 'x', 'aa'];
/** The processor's outcomes measured end to end: it returns, or it throws (attempts 1). */
export const JOB_OUTCOMES = ['ok', 'fail'];
/** CPU µs per job @x may add: stamping in `withUser`, unstamping and the scope in `withJobScope`. */
export const JOB_TARGETS = { stampUs: 5, scopeUs: 20 };

/** The variants in the order of `round` (from 1): the baseline first in odd rounds, last in even. */
export function roundOrder(round, variants = JOB_VARIANTS) {
  return round % 2 ? [...variants] : [...variants].reverse();
}

/** The median over rounds of what `x` costs over `bare` (`x[i] - bare[i]`, rounds paired). */
export function pairedOverhead(bare, x) {
  return median(x.map((value, i) => value - bare[i]));
}

/**
 * The in-process figures of one child's output (per-round CPU µs of each case, bare and @x):
 * µs per job @x adds — `stampUs` (add), `stampBulkUs` (addBulk, per job), `scopeUs` (processor
 * through withJobScope, success path), `openUs` (opening the stamp, once an event needs the user).
 */
export function cpuFigures(result) {
  return {
    stampUs: pairedOverhead(result.add.bare, result.add.x),
    stampBulkUs: pairedOverhead(result.addBulk.bare, result.addBulk.x),
    scopeUs: pairedOverhead(result.process.bare, result.process.x),
    openUs: pairedOverhead(result.open.bare, result.open.x),
  };
}

/** `rows` of one round and outcome with their ratios to the baseline's: jobs/s and CPU per job. */
export function withRatios(rows, baseline = JOB_VARIANTS[0]) {
  const base = rows.find((row) => row.variant === baseline);
  return rows.map((row) => ({
    ...row,
    ratio: row.jobsPerSecond / base.jobsPerSecond,
    cpuRatio: row.cpuUsPerJob / base.cpuUsPerJob,
  }));
}

/** Runs `jobs/<file> args` on the server CPU with the Node binary `node`; resolves its JSON line. */
function child(node, file, args) {
  const [cmd, argv] = onCpu(SERVER_CPU, node, [`${jobsDir}${file}`, ...args]);
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, argv, {
      cwd: jobsDir,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    let stdout = '';
    proc.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 180_000);
    proc.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout.trim().split('\n').at(-1)));
      else reject(new Error(`jobs/${file} ${args.join(' ')} exited ${code}`));
    });
  });
}

/** The in-process part: one child, its rounds inside; `{ ...figures, raw }`. */
async function inProcess({ sink, node, settings, log, label }) {
  const raw = await child(node, 'inProcess.mjs', [
    sink.dsn,
    String(settings.cpuIterations),
    String(settings.cpuRounds),
  ]);
  const figures = cpuFigures(raw);
  log(
    `  ${label}stamping ${figures.stampUs.toFixed(2)} µs/job (addBulk ${figures.stampBulkUs.toFixed(2)}), unstamping + scope ${figures.scopeUs.toFixed(2)} µs/job, opening a stamp ${figures.openUs.toFixed(2)} µs`,
  );
  return { ...figures, raw };
}

/** One end-to-end trial: a fresh child; the sink counts what @x sent of a failing run. */
async function endToEndTrial({ sink, node, redis, settings, variant, outcome }) {
  sink.reset();
  const result = await child(node, 'endToEnd.mjs', [
    variant,
    outcome,
    redis.url,
    sink.dsn,
    String(settings.count),
    String(settings.warm),
  ]);
  return { ...result, received: sink.events };
}

/** The end-to-end part: `rounds` rounds of each outcome, the variants alternating; one row each. */
async function endToEnd({ sink, node, settings, rounds, log, label }) {
  const found = findRedis();
  if (!found.path) {
    log(`  ${label}end to end skipped: ${found.reason}`);
    return { rows: [], skipped: found.reason };
  }
  let redis;
  try {
    redis = await startRedis();
  } catch (error) {
    const reason = String(error?.message ?? error).split('\n')[0];
    log(`  ${label}end to end skipped: ${reason}`);
    return { rows: [], skipped: reason };
  }
  const rows = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const outcome of JOB_OUTCOMES) {
        const trials = [];
        for (const variant of roundOrder(round)) {
          const args = { sink, node, redis, settings, variant, outcome };
          trials.push({ round, ...(await endToEndTrial(args)) });
        }
        for (const row of withRatios(trials)) {
          rows.push(row);
          log(
            `  ${label}round ${round} ${outcome.padEnd(4)} ${row.variant.padEnd(4)} ${row.jobsPerSecond.toFixed(0).padStart(6)} jobs/s  ×${row.ratio.toFixed(2)}  ${row.cpuUsPerJob.toFixed(0)} µs CPU/job${outcome === 'fail' && row.variant === 'x' ? `  events ${row.received}/${row.thrown}` : ''}`,
          );
        }
      }
    }
  } finally {
    await redis.stop();
  }
  return { rows };
}

/**
 * Both parts on the Node binary `node` (this process's by default), `label` prefixing the log.
 * `settings`: `cpuIterations`, `cpuRounds` (in-process), `count`, `warm` (jobs measured and before
 * them per end-to-end trial); `rounds` of end-to-end trials.
 * Resolves `{ node, cpu, rows, skipped? }` (`skipped`: why there are no end-to-end rows).
 */
export async function runJobs({
  sink,
  log,
  settings,
  rounds,
  node = process.execPath,
  label = '',
}) {
  const cpu = await inProcess({ sink, node, settings, log, label });
  const e2e = await endToEnd({ sink, node, settings, rounds, log, label });
  return { node: cpu.raw.node, cpu, ...e2e };
}
