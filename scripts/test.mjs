#!/usr/bin/env node
// The one test command (`npm test`): on a fresh machine with Node ≥ 20 and npm it
// gets pnpm, installs, finds (or, as root on Debian, installs) Chromium and
// redis-server, lints, builds, type-checks, runs every test on this Node and again
// on Node 24 and 26 (real binaries from the npm registry), then prints the summary
// line CI reads: `N passed, N failed`.
//
// Flags: --node=20,24,26 picks the Node majors of the vitest runs ("self" = this
// Node); anything after `--` goes to vitest (e.g. `npm test -- --project core`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_HINT, ensureChromium } from '../packages/test-kit/src/chromium.mjs';
import { ensureRedis, REDIS_HINT } from '../packages/test-kit/src/redis.mjs';
import { EXTRA_NODE_MAJORS, ensureNode } from './lib/nodeBinaries.mjs';
import { pathWithPnpm, pnpmCommand, root } from './lib/pnpm.mjs';
import { failedTests, failedToLoad } from './lib/vitestReport.mjs';

const argv = process.argv.slice(2);
const dashes = argv.indexOf('--');
const vitestArgs = dashes === -1 ? [] : argv.slice(dashes + 1);
const nodeFlag = argv.find((a) => a.startsWith('--node='));
const majors = nodeFlag
  ? nodeFlag.slice('--node='.length).split(',')
  : ['self', ...EXTRA_NODE_MAJORS.map(String)];

const pnpm = pnpmCommand();
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', PATH: pathWithPnpm(pnpm) };
const steps = [];
let passed = 0;
let failed = 0;
/** One line per failed test or file, printed again just above the summary line. */
const failures = [];

function run(name, command, args, { counts = true, extraEnv = {} } = {}) {
  console.log(`\n▶ ${name}: ${[command, ...args].join(' ')}`);
  const { status } = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...env, ...extraEnv },
  });
  if (counts) steps.push({ name, ok: status === 0 });
  return status === 0;
}
const runPnpm = (name, args, options) => run(name, pnpm[0], [...pnpm.slice(1), ...args], options);

function finish() {
  for (const step of steps) {
    if (step.ok) passed += 1;
    else failed += 1;
  }
  if (failures.length > 0) {
    console.log('\nFailed:');
    for (const line of failures.slice(0, 30)) console.log(`  ${line}`);
    if (failures.length > 30) console.log(`  … and ${failures.length - 30} more`);
  }
  console.log('\nSteps:', steps.map((s) => `${s.name}: ${s.ok ? 'ok' : 'FAILED'}`).join(', '));
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

if (!runPnpm('install', ['install', '--frozen-lockfile', '--prefer-offline'], { counts: false })) {
  console.log('\ninstall failed');
  failed += 1;
  finish();
}

const chromium = ensureChromium();
if (!chromium.path) {
  console.log(`\n${chromium.reason}. ${CHROMIUM_HINT}`);
  failed += 1;
  finish();
}
env.CHROMIUM_PATH = chromium.path;
console.log(`\nChromium: ${chromium.path}`);

// The queue tests (@x/bullmq) start their own Redis from this binary.
const redis = ensureRedis();
if (!redis.path) {
  console.log(`\n${redis.reason}. ${REDIS_HINT}`);
  failed += 1;
  finish();
}
env.REDIS_SERVER_PATH = redis.path;
console.log(`redis-server: ${redis.path}`);

runPnpm('lint and format (biome)', ['exec', 'biome', 'check', '.']);
const built = runPnpm('build (turbo)', [
  'exec',
  'turbo',
  'run',
  'build',
  '--output-logs=errors-only',
]);
runPnpm('typecheck (tsc)', ['exec', 'turbo', 'run', 'typecheck', '--output-logs=errors-only']);

/** Test files that run on this Node only (see vitestOn). */
const ONCE_ONLY = [
  '**/packaging.test.ts',
  '**/*.browser.test.ts',
  '**/browser.test.ts',
  // What Sentry's SDK alone records (a report beside Sentry mode's suites, which run everywhere),
  // and the demo contract against the sample apps in Sentry mode.
  '**/sentryModeBaseline.test.ts',
  '**/e2e.sentryMode.test.ts',
];

/** Runs vitest on one Node binary and adds its counts; a file that failed to load counts as failed. */
function vitestOn(major) {
  let node = process.execPath;
  const label = major === 'self' ? process.versions.node : major;
  if (major !== 'self') {
    const found = ensureNode(Number(major));
    if (!found.path) {
      console.log(`\nNode ${major}: ${found.reason}`);
      failed += 1;
      return;
    }
    node = found.path;
  }
  const resultsFile = join(root, '.test-results', `vitest-node${label}.json`);
  rmSync(resultsFile, { force: true });
  mkdirSync(join(root, '.test-results'), { recursive: true });
  const ok = run(
    `tests on Node ${label} (vitest)`,
    node,
    [
      join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${resultsFile}`,
      ...(major === 'self' ? [] : ONCE_ONLY.flatMap((glob) => ['--exclude', glob])),
      ...vitestArgs,
    ],
    // What does not depend on the server's Node runs once, on this Node: the packed-install test
    // (npm installs of the tarballs and the apps, ~3 min; it starts the packed inbox on Node 24
    // itself), the packaging checks and the browser suites. With X_PACKED_SKIP the other runs also
    // use smaller counts and leave out the demo contract's privacy and trace suites.
    { counts: false, extraEnv: major === 'self' ? {} : { X_PACKED_SKIP: '1' } },
  );
  try {
    const report = JSON.parse(readFileSync(resultsFile, 'utf8'));
    const fileFailures = report.testResults.filter(failedToLoad).length;
    passed += report.numPassedTests;
    failures.push(...failedTests(report, label, root));
    failed += report.numFailedTests + fileFailures;
    if (!ok && report.numFailedTests + fileFailures === 0) {
      failed += 1;
      failures.push(`Node ${label}: vitest failed with no failed test (see its output)`);
    }
    console.log(
      `Node ${label}: ${report.numPassedTests} passed, ${report.numFailedTests + fileFailures} failed`,
    );
  } catch {
    failed += 1;
    failures.push(`Node ${label}: no test report (vitest did not finish)`);
  }
}

if (built) {
  for (const major of majors) vitestOn(major);
} else {
  failed += 1;
}
finish();
