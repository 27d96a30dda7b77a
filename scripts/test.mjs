#!/usr/bin/env node
// The one test command (`npm test`): on a fresh machine with Node ≥ 20 and npm it
// gets pnpm, installs, lints, builds, type-checks and runs every test, then
// prints the summary line CI reads: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pnpmCommand, root } from './lib/pnpm.mjs';

const pnpm = pnpmCommand();
const resultsFile = join(root, '.test-results', 'vitest.json');
const steps = [];

function run(name, args, { counts = true } = {}) {
  console.log(`\n▶ ${name}: ${[...pnpm, ...args].join(' ')}`);
  const { status } = spawnSync(pnpm[0], [...pnpm.slice(1), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  if (counts) steps.push({ name, ok: status === 0 });
  return status === 0;
}

const installed = run('install', ['install', '--frozen-lockfile', '--prefer-offline'], {
  counts: false,
});
if (!installed) {
  console.log('\ninstall failed\n0 passed, 1 failed');
  process.exit(1);
}
run('lint and format (biome)', ['exec', 'biome', 'check', '.']);
const built = run('build (turbo)', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
run('typecheck (tsc)', ['exec', 'turbo', 'run', 'typecheck', '--output-logs=errors-only']);

let passed = 0;
let failed = 0;
if (built) {
  rmSync(resultsFile, { force: true });
  mkdirSync(join(root, '.test-results'), { recursive: true });
  const vitest = run(
    'tests (vitest)',
    [
      'exec',
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${resultsFile}`,
    ],
    { counts: false },
  );
  try {
    const report = JSON.parse(readFileSync(resultsFile, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    // A file that failed to load has no tests in it but must still count.
    failed += report.testResults.filter(
      (f) => f.status === 'failed' && f.assertionResults.length === 0,
    ).length;
    if (!vitest && failed === 0) failed += 1;
  } catch {
    failed += 1;
  }
} else {
  failed += 1;
}
for (const step of steps) {
  if (step.ok) passed += 1;
  else failed += 1;
}
console.log('\nSteps:', steps.map((s) => `${s.name}: ${s.ok ? 'ok' : 'FAILED'}`).join(', '));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
