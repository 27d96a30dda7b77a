// The sample apps' background jobs: which Redis they use, and what to do without one. Each app
// runs a BullMQ worker in its own process; without a reachable Redis it says so in one line and
// the rest of the app works as before.
import { Redis } from 'ioredis';

/** The demo's queue: `POST /jobs/boom` adds a job named `boom` whose processor throws. */
export const DEMO_QUEUE = 'demo-jobs';

/** The route a sample app with background jobs adds to the demo's routes. */
export const JOBS_ROUTE = 'POST /jobs/boom?attempts=1..5';

/** Where the jobs go without `REDIS_URL`. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * The BullMQ connection of the demo's jobs — `REDIS_URL`, else a Redis on 127.0.0.1:6379 — once it
 * answers a PING within a second; `undefined` when `REDIS_URL` is `off`, or when nothing answers
 * (then one line on stdout says that the jobs part is off, and why).
 * @param {string} app the app's name, for that line
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<{ url: string, maxRetriesPerRequest: null } | undefined>}
 */
export async function jobsConnection(app, env = process.env) {
  const url = env.REDIS_URL || DEFAULT_REDIS_URL;
  if (url === 'off') return undefined; // asked for: nothing to say
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {}); // the outcome is the PING's
  try {
    await probe.connect();
    await probe.ping();
    return { url, maxRetriesPerRequest: null };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.log(
      `${app}: jobs off — no Redis at ${url} (${reason}); install redis-server or set REDIS_URL`,
    );
    return undefined;
  } finally {
    probe.disconnect();
  }
}

/**
 * The attempts of a job from `?attempts=` — 1 unless a whole number from 1 to 5 is asked for.
 * @param {unknown} raw
 * @returns {number}
 */
export function jobAttempts(raw) {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 5 ? n : 1;
}

/**
 * How many jobs a demo worker runs at once: `JOBS_CONCURRENCY`, else 10.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {number}
 */
export function jobsConcurrency(env = process.env) {
  const n = Number(env.JOBS_CONCURRENCY);
  return Number.isInteger(n) && n >= 1 ? n : 10;
}
