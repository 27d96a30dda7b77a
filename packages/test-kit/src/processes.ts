// Real processes for end-to-end tests and the demo command: the built inbox
// (`x-inbox`) and a built sample app, each on a free port, read back over HTTP.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The repository root. */
export const repoRoot = join(__dirname, '..', '..', '..');

/** A started child process and what it printed. */
export interface Started {
  url: string;
  output: string[];
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Spawns `node <entry>` and waits until a line matches `ready`; its first
 * group is the URL. Output is kept for failure messages.
 */
export function spawnNode(
  entry: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 30_000,
): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not start in ${timeoutMs} ms:\n${output.join('')}`));
    }, timeoutMs);
    const stop = () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      });
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output.push(text);
      const match = ready.exec(output.join(''));
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ url: match[1], output, child, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`${entry} exited (${code ?? signal}) before it was ready:\n${output.join('')}`),
      );
    });
  });
}

/** The built inbox as a real process on a free port, with a temporary database. */
export async function startInboxProcess(
  extraArgs: string[] = [],
): Promise<Started & { dsn: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'x-e2e-inbox-'));
  const started = await spawnNode(
    join(repoRoot, 'packages', 'inbox', 'dist', 'cli.js'),
    ['--port', '0', '--db', join(dir, 'inbox.db'), ...extraArgs],
    {},
    /DSN: (\S+)/,
  );
  const dsn = started.url;
  const url = /listening on (\S+)/.exec(started.output.join(''))?.[1] ?? '';
  return {
    ...started,
    url,
    dsn,
    async stop() {
      await started.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A built sample app as a real process: `PORT=0`, reporting to `dsn`; its background jobs are off
 * (`REDIS_URL=off`) unless `env` names a Redis — never a developer's own Redis by default.
 */
export function startAppProcess(entry: string, env: Record<string, string>): Promise<Started> {
  return spawnNode(
    entry,
    [],
    { PORT: '0', REDIS_URL: 'off', ...env },
    /listening on (http:\/\/\S+)/,
  );
}
