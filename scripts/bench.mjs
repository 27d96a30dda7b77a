#!/usr/bin/env node
// `pnpm bench`: builds, then runs every package's benchmark script (bench/*.mjs)
// and prints their JSON lines. Later issues add the framework comparisons and
// write BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pnpmCommand, root } from './lib/pnpm.mjs';

const pnpm = pnpmCommand();
const build = spawnSync(
  pnpm[0],
  [...pnpm.slice(1), 'exec', 'turbo', 'run', 'build', '--output-logs=errors-only'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg, 'bench');
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.mjs'))) {
    console.log(`\n▶ packages/${pkg}/bench/${file}`);
    const run = spawnSync(process.execPath, [join(dir, file)], {
      cwd: join(root, 'packages', pkg),
      stdio: 'inherit',
    });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
}
