// Sentry mode on Koa's request path: Sentry alone (`sentry`: @sentry/node 11, its Koa error
// handler, the app's `Sentry.setUser` per request) against Sentry + @x (`sentry+x`: the same
// Sentry with `xUserIntegration()` in its init and @x/koa's middleware, @x not `init`ed, no
// `setUser`). Both paths, the two variants paired per round (which goes first alternates), fresh
// servers every round; what @x adds is the per-round difference. On the request path each round
// also runs Sentry alone a second time (`sentry-again`, the A/A control): its difference from the
// first is what this machine's noise alone makes of a pair. The request path's servers of a
// round are measured in turn, a second at a time (`helloRound`): this machine's speed drifts by
// tens of per cent within a minute, which one trial after another reads as a difference.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onCpu, SERVER_CPU } from './lib/cpus.mjs';
import { runLoad } from './lib/load.mjs';
import { startServer } from './lib/server.mjs';
import { summarize } from './lib/stats.mjs';
import { requestOf, trial } from './paths.mjs';

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
  const settings = { generator, sink, warmSeconds, seconds, node };
  const record = (row) => {
    rows.push({ framework: 'koa', ...row });
    log(describeRow(row));
  };
  for (let round = 1; round <= rounds; round++) {
    for (const [variant, result] of await helloRound({ ...settings, round })) {
      record({ mode: 'hello', variant, round, ...result });
    }
    for (const variant of sentryModeOrder(round, 'error')) {
      const result = await trial({
        ...settings,
        ...{ framework: 'koa', variant, mode: 'error', countUsers: true },
      });
      record({ mode: 'error', variant, round, ...result });
    }
  }
  return rows;
}

/** One trial's line in the log. */
function describeRow({ mode, variant, round, rps, p99, cpuUs, received, thrown, withUser }) {
  const events = mode === 'error' ? `, events ${received}/${thrown} (${withUser} with a user)` : '';
  return `  round ${round} ${mode.padEnd(5)} koa/${variant.padEnd(12)} ${rps.toFixed(0).padStart(6)} req/s  p99 ${p99.toFixed(2)} ms  ${cpuUs.toFixed(1)} µs CPU/req${events}`;
}

/** Length of one load of the request path's interleaved measurement. */
const BURST_SECONDS = 1;

/**
 * One round of the request path: a fresh server per trial of `sentryModeOrder(round)`, all
 * started and warmed up before any is measured; then loads of {@link BURST_SECONDS} go to each in
 * turn (the turn reversed every time) until each had `2 × seconds` of them, so that the machine's
 * drift falls on every trial alike. Each trial's figures are over all its loads: `[variant, { rps,
 * p99 (the worst load's), cpuUs, requests, rss }]` pairs, in the round's order.
 */
async function helloRound({ generator, sink, round, warmSeconds, seconds, node }) {
  const trials = [];
  try {
    for (const variant of sentryModeOrder(round, 'hello')) {
      const server = await startServer({
        ...{ framework: 'koa', mode: 'hello', dsn: sink.dsn, node },
        variant: variant === SENTRY_MODE_CONTROL ? 'sentry' : variant,
      });
      const load = { ...requestOf('koa', server.url), connections: 50 };
      trials.push({ variant, server, load, cpuUs: 0, requests: 0, seconds: 0, p99: 0 });
    }
    for (const trial of trials) await runLoad(generator, { ...trial.load, seconds: warmSeconds });
    const bursts = Math.max(2, Math.round((2 * seconds) / BURST_SECONDS));
    for (let burst = 0; burst < bursts; burst++) {
      for (const trial of burst % 2 ? [...trials].reverse() : trials) {
        const before = await trial.server.request('cpu');
        const result = await runLoad(generator, { ...trial.load, seconds: BURST_SECONDS });
        const after = await trial.server.request('cpu');
        if (result.non2xx) throw new Error(`koa/${trial.variant}: ${result.non2xx} non-2xx`);
        trial.cpuUs += after.us - before.us;
        trial.requests += result.requests;
        trial.seconds += result.requests / result.rps;
        trial.p99 = Math.max(trial.p99, result.p99);
      }
    }
    const results = [];
    for (const { variant, server, cpuUs, requests, seconds: busy, p99 } of trials) {
      const { rss } = await server.request('mem');
      results.push([
        variant,
        { rps: requests / busy, p99, cpuUs: cpuUs / requests, requests, rss },
      ]);
    }
    return results;
  } finally {
    await Promise.all(trials.map(({ server }) => server.stop()));
  }
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
