// What the Sentry-mode tests share: the real Next app of fixtures/sentry-app, built (`next build`)
// and started (`next start`) from a copy next to this package's node_modules; the burst of
// logged-in requests and its tally.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnNode } from '@x/test-kit/processes';
import type { StoredEvent } from './helpers';

/** Requests per burst: 1,200, or 120 on the runs that skip the packed tests (other Node versions). */
export const COUNT = process.env.X_PACKED_SKIP ? 120 : 1200;

/** The three users of the bursts: the fixture's `getUser` reads `Authorization: Bearer <id>`. */
export const USERS = ['u-ada', 'u-bob', 'u-cyd'] as const;

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

/** Request `i` of a burst: by user `i % 3`, or as it says. */
export interface BurstRequest {
  headers?: Record<string, string>;
}

/**
 * `count` requests to `<url><path>?tag=<tag>&i=<i>`, `concurrency` in flight: request `i` with
 * user `i % 3`'s token unless `request(i)` says otherwise. Resolves with the statuses.
 */
export async function burst(
  url: string,
  path: string,
  tag: string,
  count: number,
  request: (i: number) => BurstRequest = () => ({}),
  concurrency = 64,
): Promise<number[]> {
  const statuses: number[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const { headers = { authorization: `Bearer ${USERS[i % 3]}` } } = request(i);
      const res = await fetch(`${url}${path}?tag=${tag}&i=${i}`, { headers });
      await res.arrayBuffer();
      statuses[i] = res.status;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return statuses;
}

/** How the events of a burst came out, per request. */
export interface Tally {
  own: number;
  foreign: number;
  none: number;
  lost: number;
  duplicates: number;
}

/** The request index of an event of burst `tag` (`boom <tag>-<i>` ends its title). */
function requestIndex(title: string, tag: string): number | undefined {
  const match = new RegExp(`boom ${tag}-(\\d+)$`).exec(title);
  return match ? Number(match[1]) : undefined;
}

/**
 * Sorts the inbox's events of burst `tag` by request: the request whose event carries
 * `expected(i)` as `user.id` counts as own, another id as foreign, no id as none; a request
 * without an event as lost, one with more as duplicates.
 */
export function tally(
  events: readonly StoredEvent[],
  tag: string,
  count: number,
  expected: (i: number) => string | undefined = (i) => USERS[i % 3],
): Tally {
  const byRequest = new Map<number, StoredEvent[]>();
  for (const event of events) {
    const i = requestIndex(event.title, tag);
    if (i !== undefined) byRequest.set(i, [...(byRequest.get(i) ?? []), event]);
  }
  const out: Tally = { own: 0, foreign: 0, none: 0, lost: 0, duplicates: 0 };
  for (let i = 0; i < count; i++) {
    const [event, ...more] = byRequest.get(i) ?? [];
    out.duplicates += more.length;
    if (!event) out.lost++;
    else if (event.user?.id === undefined) out.none++;
    else if (event.user.id === expected(i)) out.own++;
    else out.foreign++;
  }
  return out;
}

/**
 * The inbox's events once `count` events of burst `tag` arrived (Sentry sends from the app's
 * process, on its own time) and a little longer, to see duplicates; all of them after `ms`.
 */
export async function eventsOfBurst(
  read: () => Promise<StoredEvent[]>,
  tag: string,
  count: number,
  ms = 30_000,
): Promise<StoredEvent[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const events = await read();
    const arrived = events.filter((event) => requestIndex(event.title, tag) !== undefined).length;
    if (arrived >= count || Date.now() > deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      return read();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The stored user of the one event of request `i` of burst `tag` (without the inbox's key). */
export function userOf(events: readonly StoredEvent[], tag: string, i = 0) {
  const matching = events.filter((event) => requestIndex(event.title, tag) === i);
  if (matching.length !== 1) throw new Error(`${matching.length} events of ${tag}-${i}`);
  const user = matching[0]?.user;
  if (!user) return null;
  const { sentry_user: _key, ...rest } = user;
  return rest;
}
