/** The demo's queue: `POST /jobs/boom` adds a job named `boom` whose processor throws. */
export declare const DEMO_QUEUE: 'demo-jobs';
/** The route a sample app with background jobs adds to the demo's routes. */
export declare const JOBS_ROUTE: string;
/** Where the jobs go without `REDIS_URL`. */
export declare const DEFAULT_REDIS_URL: string;
/**
 * The BullMQ connection of the demo's jobs — `REDIS_URL`, else a Redis on 127.0.0.1:6379 — once it
 * answers a PING within a second; `undefined` when `REDIS_URL` is `off`, or when nothing answers
 * (then one line on stdout says that the jobs part is off, and why).
 */
export function jobsConnection(
  app: string,
  env?: NodeJS.ProcessEnv,
): Promise<{ url: string; maxRetriesPerRequest: null } | undefined>;
/** The attempts of a job from `?attempts=` — 1 unless a whole number from 1 to 5 is asked for. */
export function jobAttempts(raw: unknown): number;
/** How many jobs a demo worker runs at once: `JOBS_CONCURRENCY`, else 10. */
export function jobsConcurrency(env?: NodeJS.ProcessEnv): number;
