// What the Next Sentry-mode tests share beyond @x/test-kit/sentry-mode: the real Next app of
// fixtures/sentry-app, built (`next build`) and started (`next start`) from a copy next to this
// package's node_modules, and the burst of its logged-in requests.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnNode } from '@x/test-kit/processes';
import { bearers, burstWith } from '@x/test-kit/sentry-mode';

/**
 * A burst of requests of the three users (see @x/test-kit/sentry-mode's `Burst`): the fixture's
 * `getUser` reads `Authorization: Bearer <id>`.
 */
export const burst = burstWith(bearers((user) => user.sub));

const packageDir = join(__dirname, '..');
const repoRoot = join(packageDir, '..', '..');
const nextBin = join(packageDir, 'node_modules', 'next', 'dist', 'bin', 'next');

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A built and started copy of the fixture app. */
export interface NextApp {
  url: string;
  /** What the app printed (Next logs every error it reports). */
  output: string[];
  /** How long `next build` took, in ms. */
  buildMs: number;
  stop(): Promise<void>;
}

/**
 * Copies `fixtures/<name>` into this package (so that it resolves `next`, `@sentry/nextjs` and
 * `@x/next` from its node_modules), runs `next build`, then `next start` with `env`.
 */
export async function startFixtureApp(name: string, env: Record<string, string>): Promise<NextApp> {
  const dir = mkdtempSync(join(packageDir, `.tmp-${name}-`));
  cpSync(join(__dirname, 'fixtures', name), dir, { recursive: true });
  const buildEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', X_TURBOPACK_ROOT: repoRoot };
  const started = Date.now();
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [nextBin, 'build', dir],
        { env: buildEnv, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`next build failed:\n${stdout}\n${stderr}`)) : resolve(),
      );
    });
    const buildMs = Date.now() - started;
    const port = await freePort();
    const server = await spawnNode(
      nextBin,
      ['start', dir, '-p', String(port), '-H', '127.0.0.1'],
      { ...env, NEXT_TELEMETRY_DISABLED: '1', X_TURBOPACK_ROOT: repoRoot },
      /(Ready) in/,
      60_000,
    );
    return {
      url: `http://127.0.0.1:${port}`,
      output: server.output,
      buildMs,
      async stop() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
