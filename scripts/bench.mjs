#!/usr/bin/env node
// `pnpm bench [--quick]`: builds, then runs the benchmark suite (packages/bench) and writes
// BENCHMARKS.md at the root: @x vs the bare frameworks and vs Sentry's SDK, interleaved.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pnpmCommand, root } from './lib/pnpm.mjs';

const pnpm = pnpmCommand();
const build = spawnSync(
  pnpm[0],
  [...pnpm.slice(1), 'exec', 'turbo', 'run', 'build', '--output-logs=errors-only'],
  { cwd: root, stdio: 'inherit' },
);
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(
  process.execPath,
  [join(root, 'packages', 'bench', 'src', 'run.mjs'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
process.exit(run.status ?? 1);
