// Sentry mode on Koa's request path: Sentry alone (`sentry`: @sentry/node 11, its Koa error
// handler, the app's `Sentry.setUser` per request) against Sentry + @x (`sentry+x`: the same
// Sentry with `xUserIntegration()` in its init and @x/koa's middleware, @x not `init`ed, no
// `setUser`). Both paths, the two variants paired per round (which goes first alternates), a
// fresh server per trial (paths.mjs's `trial`); what @x adds is the per-round difference. On the
// request path each round also runs Sentry alone a second time (`sentry-again`, the A/A control):
// its difference from the first is what this machine's noise alone makes of a pair.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onCpu, SERVER_CPU } from './lib/cpus.mjs';
import { summarize } from './lib/stats.mjs';
import { trial } from './paths.mjs';

/**
 * The request path in one process, without HTTP (servers/koaInProcess.mjs): rows of
 * `mode: 'in-process'`, free of a real server's noise.
 */
export const SENTRY_MODE_IN_PROCESS = 'in-process';

/** The variants, baseline first. */
export const SENTRY_MODE_VARIANTS = ['sentry', 'sentry+x'];
/** The A/A control of the request path: Sentry alone again, in its own fresh server. */
export const SENTRY_MODE_CONTROL = 'sentry-again';
/** The paths measured: the request path, and the error path (every request throws). */
export const SENTRY_MODE_PATHS = ['hello', 'error'];
/** Server CPU µs per request @x may add on top of Sentry on the request path. */
export const SENTRY_MODE_TARGET_US = 3;

/**
 * The trials of `mode` in the order of `round` (from 1): Sentry alone first in odd rounds, last in
 * even; on the request path the A/A control last in odd rounds, first in even.
 */
export function sentryModeOrder(round, mode = 'hello') {
  const trials = [...SENTRY_MODE_VARIANTS, ...(mode === 'hello' ? [SENTRY_MODE_CONTROL] : [])];
  return round % 2 ? trials : trials.reverse();
}

/**
 * The figures of one path (`mode`) from the trials' rows: per variant the summary (median, min,
 * max, n) of server CPU µs/request and of req/s; `addedUs`, the summary of what Sentry + @x took
 * over Sentry alone in the same round, and `controlUs`, the same for the A/A control (rounds with
 * both trials only).
 */
export function sentryModeFigures(rows, mode) {
  const of = (variant) => rows.filter((r) => r.mode === mode && r.variant === variant);
  const [alone, withX, again] = [...SENTRY_MODE_VARIANTS, SENTRY_MODE_CONTROL].map(of);
  const byRound = new Map(alone.map((r) => [r.round, r]));
  const over = (trials) =>
    summarize(
      trials.filter((r) => byRound.has(r.round)).map((r) => r.cpuUs - byRound.get(r.round).cpuUs),
    );
  const figures = (trials) => ({
    cpuUs: summarize(trials.map((r) => r.cpuUs)),
    rps: summarize(trials.map((r) => r.rps)),
  });
  return {
    sentry: figures(alone),
    sentryX: figures(withX),
    control: figures(again),
    addedUs: over(withX),
    controlUs: over(again),
  };
}

/**
 * `rounds` rounds of both paths, Sentry alone and Sentry + @x in `sentryModeOrder`. One row per
 * trial: `{ mode, framework: 'koa', variant, round, rps, p99, cpuUs, … }`; on the error path also
 * the events received, and those with a user (`withUser`).
 */
export async function runSentryMode({ generator, sink, rounds, warmSeconds, seconds, log, node }) {
  const rows = await inProcessRows({ node, log, quick: rounds < 5 });
  for (let round = 1; round <= rounds; round++) {
    for (const mode of SENTRY_MODE_PATHS) {
      for (const variant of sentryModeOrder(round, mode)) {
        const server = variant === SENTRY_MODE_CONTROL ? 'sentry' : variant;
        const result = await trial({
          ...{ generator, sink, framework: 'koa', variant: server, mode },
          ...{ warmSeconds, seconds, node, countUsers: mode === 'error' },
        });
        const row = { mode, framework: 'koa', variant, round, ...result };
        rows.push(row);
        const events =
          mode === 'error'
            ? `, events ${row.received}/${row.thrown} (${row.withUser} with a user)`
            : '';
        log(
          `  round ${round} ${mode.padEnd(5)} koa/${variant.padEnd(12)} ${row.rps.toFixed(0).padStart(6)} req/s  p99 ${row.p99.toFixed(2)} ms  ${row.cpuUs.toFixed(1)} µs CPU/req${events}`,
        );
      }
    }
  }
  return rows;
}

/**
 * Sentry mode's request path in one process (servers/koaInProcess.mjs, on the server CPU): rows
 * `{ mode: 'in-process', framework: 'koa', variant, round, cpuUs }`, 20 interleaved rounds (5 in
 * quick mode) of 20,000 requests per variant.
 */
export function inProcessRows({ node = process.execPath, log, quick = false }) {
  const servers = fileURLToPath(new URL('./servers/', import.meta.url));
  const args = ['--import', `${servers}sentryInit.mjs`, `${servers}koaInProcess.mjs`];
  const [cmd, argv] = onCpu(SERVER_CPU, node, args);
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, argv, {
      cwd: servers,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        BENCH_VARIANT: 'sentry+x',
        BENCH_DSN: 'http://bench@127.0.0.1:9/1',
        BENCH_ROUNDS: quick ? '5' : '20',
      },
    });
    let stdout = '';
    proc.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`koaInProcess.mjs exited ${code}`));
      const rows = JSON.parse(stdout.trim().split('\n').at(-1)).rows.map((row) => ({
        mode: SENTRY_MODE_IN_PROCESS,
        framework: 'koa',
        ...row,
      }));
      const { addedUs, controlUs } = sentryModeFigures(rows, SENTRY_MODE_IN_PROCESS);
      log(
        `  in one process: Sentry + @x over Sentry alone ${addedUs.median.toFixed(2)} µs CPU/req (A/A ${controlUs.median.toFixed(2)})`,
      );
      resolve(rows);
    });
  });
}
