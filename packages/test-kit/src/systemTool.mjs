// What finding a program the tests need has in common (Chromium, redis-server): an environment
// variable that names it, else the usual places; and, where that is possible without asking (root
// with apt-get: Debian or Ubuntu), installing Debian's package. Plain JavaScript so the test
// command (scripts/test.mjs) can use it before any build.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/**
 * Whether `path` is an executable file.
 * @param {string} path
 */
function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The program to use: the path in `envVar` when it is set (it must be executable), else the
 * first of `candidates` that is.
 *
 * @param {{ envVar: string, candidates: string[], label: string }} tool
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ path: string } | { path: undefined, reason: string }}
 */
export function findTool({ envVar, candidates, label }, env = process.env) {
  const wanted = env[envVar]?.trim();
  if (wanted) {
    return executable(wanted)
      ? { path: wanted }
      : { path: undefined, reason: `${envVar}=${wanted} is not an executable file` };
  }
  const found = candidates.find(executable);
  return found ? { path: found } : { path: undefined, reason: `no ${label} found` };
}

/**
 * `find()`'s answer; when it finds nothing and nothing was named in `envVar`, installs Debian's
 * `aptPackage` where that needs no one to ask (root with apt-get) — refreshing the package lists
 * only when the first attempt fails — and looks again. Never throws.
 *
 * @param {{ envVar: string, aptPackage: string, label: string, find: () => { path: string } | { path: undefined, reason: string }, log?: (line: string) => void }} options
 */
export function ensureTool({ envVar, aptPackage, label, find, log = console.log }) {
  const found = find();
  if (found.path || process.env[envVar]?.trim()) return found;
  const canApt =
    process.platform === 'linux' &&
    process.getuid?.() === 0 &&
    spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!canApt) return found;
  log(`${label} not found: installing Debian’s ${aptPackage} package (apt-get) …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (/** @type {string[]} */ args) =>
    spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  const install = () => apt(['install', '-y', '-qq', aptPackage]);
  const installed = install() || (apt(['update', '-qq']) && install());
  return installed ? find() : { path: undefined, reason: `apt-get install ${aptPackage} failed` };
}
