// Finds pnpm, or falls back to running the pinned version through npx, so the
// root scripts work on a machine that has only Node and npm.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The pinned pnpm version, read from the root `packageManager` field. */
export function pinnedPnpm() {
  const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return packageManager.split('+')[0];
}

/** The argv prefix that runs pnpm here: `['pnpm']` or `['npx', '--yes', 'pnpm@x.y.z']`. */
export function pnpmCommand() {
  const want = pinnedPnpm().split('@')[1];
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim() === want) return ['pnpm'];
  return ['npx', '--yes', `pnpm@${want}`];
}
