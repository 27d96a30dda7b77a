// Finds a redis-server for the queue tests and starts a throw-away one per suite: its own port on
// 127.0.0.1, its own temporary directory, nothing saved to disk. Plain JavaScript so the test
// command (scripts/test.mjs) can use the same lookup before any build.
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

/** Starts redis-server on `port`; resolves once it answers, rejects if it exits first. */
async function launch(path, port, dir) {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(path, [...args, '--dir', dir, '--daemonize', 'no'], {
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
 * Starts a throw-away redis-server on a free port of 127.0.0.1 (`--save '' --appendonly no`, in a
 * temporary directory). `stop()` ends it and deletes the directory. Throws with
 * {@link REDIS_HINT} when there is no redis-server.
 *
 * @returns {Promise<{ url: string, port: number, stop: () => Promise<void> }>}
 */
export async function startRedis() {
  const found = findRedis();
  if (!found.path) throw new Error(`${found.reason}. ${REDIS_HINT}`);
  const dir = mkdtempSync(join(tmpdir(), 'x-redis-'));
  let lastError;
  // Another process may take the port between the probe and the launch: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      const child = await launch(found.path, port, dir);
      const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      };
      return { url: `redis://127.0.0.1:${port}`, port, stop };
    } catch (error) {
      lastError = error;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
