// Finds a redis-server for the queue tests and starts a throw-away one per suite: its own port on
// 127.0.0.1, its own temporary directory, nothing saved to disk unless the suite asks for it (extra
// arguments such as `--appendonly yes`); it can be shut down and started again on the same port
// and directory, as a restarted Redis would be. Plain JavaScript so the test command
// (scripts/test.mjs) can use the same lookup before any build.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ensureTool, findTool } from './systemTool.mjs';

/** Where redis-server usually lives, tried after `REDIS_SERVER_PATH` and the `PATH`. */
export const REDIS_CANDIDATES = [
  '/usr/bin/redis-server',
  '/usr/local/bin/redis-server',
  '/opt/homebrew/bin/redis-server',
];

/** The one line that tells a person how to get Redis for the tests. */
export const REDIS_HINT =
  'The queue tests need Redis: install it (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_SERVER_PATH to a redis-server executable.';

/**
 * The redis-server executable to use: `REDIS_SERVER_PATH` when set (it must exist), else the
 * first `redis-server` on the `PATH`, else the first of {@link REDIS_CANDIDATES} that exists.
 *
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ path: string } | { path: undefined, reason: string }}
 */
export function findRedis(env = process.env) {
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'redis-server'));
  const candidates = [...onPath, ...REDIS_CANDIDATES];
  return findTool({ envVar: 'REDIS_SERVER_PATH', candidates, label: 'redis-server' }, env);
}

/**
 * Finds redis-server and, where that is possible without asking (root with apt-get: Debian or
 * Ubuntu), installs Debian's `redis-server` package — refreshing the package lists only when the
 * first attempt fails. Never throws.
 *
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {{ path: string } | { path: undefined, reason: string }}
 */
export function ensureRedis({ log = console.log } = {}) {
  return ensureTool({
    envVar: 'REDIS_SERVER_PATH',
    aptPackage: 'redis-server',
    label: 'redis-server',
    find: findRedis,
    log,
  });
}

/** A port on 127.0.0.1 that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether a Redis on `port` answers PING. */
function answersPing(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => done(chunk.toString().startsWith('+PONG')));
  });
}

/**
 * Starts redis-server on `port`; resolves once it answers, rejects if it exits first. `extra`
 * comes after the defaults, so it overrides them (`--appendonly yes`).
 *
 * @param {string} path
 * @param {number} port
 * @param {string} dir
 * @param {string[]} extra
 */
async function launch(path, port, dir, extra) {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(path, [...args, ...extra, '--dir', dir, '--daemonize', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its last words, for the error when it does not come up (a taken port, a bad flag).
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-2000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  while (!exited && Date.now() < deadline) {
    if (await answersPing(port)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  const why = exited ? `exited on port ${port}` : `did not answer on port ${port}`;
  throw new Error(`redis-server ${why}: ${output.trim().split('\n').at(-1) ?? ''}`);
}

/**
 * Ends `child` with SIGTERM — Redis's own shutdown: it finishes the command it runs and, with
 * `appendonly`, fsyncs the file — and resolves once it exited. Nothing when it already has.
 *
 * @param {import('node:child_process').ChildProcess} child
 */
async function terminate(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Starts a throw-away redis-server on 127.0.0.1 (`--save '' --appendonly no`, in a temporary
 * directory): on a free port, or on `port` when given; `args` go after those defaults and
 * override them (`['--appendonly', 'yes', '--appendfsync', 'always']` keeps every acknowledged
 * write across a restart). `shutdown()` ends the server and keeps its directory, `restart()` ends
 * it if it runs and starts it again on the same port, directory and arguments, `stop()` ends it
 * and deletes the directory. Throws with {@link REDIS_HINT} when there is no redis-server.
 *
 * @param {{ args?: string[], port?: number }} [options]
 * @returns {Promise<import('./redis.d.mts').StartedRedis>}
 */
export async function startRedis({ args = [], port } = {}) {
  const found = findRedis();
  if (!found.path) throw new Error(`${found.reason}. ${REDIS_HINT}`);
  const dir = mkdtempSync(join(tmpdir(), 'x-redis-'));
  let lastError;
  // Another process may take a free port between the probe and the launch: try a few. A port
  // asked for is tried once.
  for (let attempt = 0; attempt < (port ? 1 : 3); attempt++) {
    const chosen = port ?? (await freePort());
    try {
      let child = await launch(found.path, chosen, dir, args);
      const shutdown = () => terminate(child);
      const restart = async () => {
        await terminate(child);
        child = await launch(found.path, chosen, dir, args);
      };
      const stop = async () => {
        await terminate(child);
        rmSync(dir, { recursive: true, force: true });
      };
      return { url: `redis://127.0.0.1:${chosen}`, port: chosen, dir, shutdown, restart, stop };
    } catch (error) {
      lastError = error;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
