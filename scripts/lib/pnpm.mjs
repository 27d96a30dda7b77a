// Finds pnpm, or installs the pinned version into .x/tools/pnpm with npm, so the root scripts
// work on a machine that has only Node and npm — and so that every process they start (tests
// that run `pnpm pack` or `pnpm exec attw`) finds the same pnpm on its PATH.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The pinned pnpm version, read from the root `packageManager` field. */
export function pinnedPnpm() {
  const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return packageManager.split('+')[0];
}

/**
 * The argv prefix that runs the pinned pnpm here: `['pnpm']` when it is on the PATH, else the
 * binary installed (once) into `.x/tools/pnpm` — whose directory is then put in front of this
 * process's PATH, for everything it starts —, else `['npx', '--yes', 'pnpm@x.y.z']`.
 */
export function pnpmCommand() {
  const want = pinnedPnpm().split('@')[1];
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim() === want) return ['pnpm'];
  const prefix = join(root, '.x', 'tools', 'pnpm');
  const bin = join(prefix, 'node_modules', '.bin', 'pnpm');
  if (!existsSync(bin)) {
    mkdirSync(prefix, { recursive: true });
    console.log(`pnpm ${want} not found: installing it into .x/tools/pnpm (npm) …`);
    spawnSync(
      'npm',
      ['install', '--no-save', '--no-package-lock', '--prefix', prefix, `pnpm@${want}`],
      { stdio: 'inherit' },
    );
  }
  if (!existsSync(bin)) return ['npx', '--yes', `pnpm@${want}`];
  // Everything this script starts (turbo, which looks for the package manager; tests that run
  // `pnpm pack`) must find the same pnpm.
  process.env.PATH = pathWithPnpm([bin]);
  return [bin];
}

/** `PATH` with the directory of the pnpm `pnpmCommand()` chose in front (unchanged for `pnpm`). */
export function pathWithPnpm(command, path = process.env.PATH ?? '') {
  return command[0].includes('/') ? `${dirname(command[0])}${delimiter}${path}` : path;
}
