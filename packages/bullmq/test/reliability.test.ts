// Real processes, real failures: a worker process killed in the middle of a job, and a Redis that
// restarts while producers of three users add jobs and workers fail them. What must survive both:
// every acknowledged job, and the user on every event of a job.
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { close, init, setUser, withIsolationScope, withJobScope, withUser } from '@x/bullmq';
import { type Started, spawnNode } from '@x/test-kit/processes';
import { startRedis } from '@x/test-kit/redis';
import { type Job, type JobType, Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventsAbout, KEY, queueName, settled, startTestInbox, storedEvents } from './helpers';

// The root runner's extra Node runs (X_PACKED_SKIP=1) take the short version.
const JOBS = process.env.X_PACKED_SKIP === '1' ? 90 : 600;
const USERS = ['u-ann', 'u-ben', 'u-cat'];
const WORKER = fileURLToPath(new URL('./fixtures/reliability-worker.mjs', import.meta.url));

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
beforeAll(async () => {
  inbox = await startTestInbox();
  init({ dsn: inbox.dsn, sendClientReports: false, propagationKey: KEY });
});
afterAll(async () => {
  await close(2000);
  await inbox.dispose();
});

/** Resolves once `check` holds; throws naming `what` after `timeoutMs`. */
async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `fn` in its own isolation scope whose user is `id`, as in a request after auth. */
const asUser = <T>(id: string, fn: () => Promise<T>) =>
  withIsolationScope(async () => {
    setUser({ id });
    return fn();
  });

/** A worker process (fixtures/reliability-worker.mjs) on `queue`, once its Worker is ready. */
function startWorker(mode: 'hang' | 'throw', queue: string, redisUrl: string) {
  const env = {
    RELIABILITY_MODE: mode,
    RELIABILITY_QUEUE: queue,
    RELIABILITY_REDIS: redisUrl,
    X_DSN: inbox.dsn,
    X_PROPAGATION_KEY: KEY,
  };
  return spawnNode(WORKER, [], env, /ready (\d+)/);
}

/** The lines a worker process printed so far. */
const linesOf = (worker: Started) => worker.output.join('').split('\n');

/** The events the inbox stored so far whose title mentions `marker`. */
const titled = async (marker: string) =>
  (await storedEvents(inbox)).filter((event) => event.title.includes(marker));

/** SIGKILL: no close, no flush, its lock left to expire. */
async function kill(worker: Started) {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  const exited = new Promise((resolve) => worker.child.once('exit', resolve));
  worker.child.kill('SIGKILL');
  await exited;
}

it('a job whose worker process is killed mid-job is found stalled, retried and reported with its user', async () => {
  const redis = await startRedis();
  const name = queueName('killed');
  const queue = withUser(new Queue(name, { connection: { url: redis.url } }));
  const workers: Started[] = [];
  try {
    const first = await startWorker('hang', name, redis.url);
    workers.push(first);
    const job = await asUser('u-dora', () => queue.add('charge', { sum: 12 }, { attempts: 2 }));
    const id = String(job.id);
    await waitFor(() => linesOf(first).includes(`started ${id} made=0 started=1`), 15_000, 'start');
    await kill(first);
    // Another process, which shares nothing with the first but Redis and the inbox.
    const second = await startWorker('throw', name, redis.url);
    workers.push(second);
    expect(await settled(queue, id)).toBe('failed');
    // The stall does not count as an attempt made: two more runs, both failed. (The worker's
    // stdout comes through a pipe: its last line may arrive after Redis says the job failed.)
    const runs = () => linesOf(second).filter((line) => /^(stalled|started) /.test(line));
    await waitFor(() => runs().length >= 3, 5_000, 'the second worker’s lines');
    expect(runs()).toEqual([
      `stalled ${id}`,
      `started ${id} made=0 started=2`,
      `started ${id} made=1 started=3`,
    ]);
    const stored = await queue.getJob(id);
    expect(stored).toMatchObject({
      attemptsMade: 2,
      attemptsStarted: 3,
      stalledCounter: 1,
      failedReason: `charge failed in ${name}`,
    });
    await expectKilledJobEvents(name, id);
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await queue.close();
    await redis.stop();
  }
});

/** The stall (from the second worker) and both failed runs carry the producer's user. */
async function expectKilledJobEvents(name: string, id: string) {
  await waitFor(async () => (await titled(name)).length >= 3, 15_000, '3 events');
  const events = await eventsAbout(inbox, name);
  expect(events).toHaveLength(3);
  for (const event of events) {
    expect(event.user).toEqual({ id: 'u-dora', sentry_user: 'id:u-dora' });
    expect(event.transaction).toBe(`job ${name}/charge`);
    expect(event.sdk?.name).toBe('x.javascript.bullmq');
  }
  type Event = (typeof events)[number];
  const stall = events.filter((e) => e.level === 'warning');
  const text = (e: Event) => (e.logentry as { formatted?: string }).formatted;
  expect(stall.map((e) => [text(e), e.tags?.['bullmq.stalled']])).toEqual([
    [`job stalled: ${name}/charge`, 'true'],
  ]);
  const job = (e: Event) => (e.contexts as { job?: unknown } | undefined)?.job;
  const context = { queue: name, id, name: 'charge', attempts: 2 };
  // Read back from Redis as the stall was found: before the next attempt.
  expect(stall.map(job)).toEqual([{ ...context, attempt: 1 }]);
  const failures = events.filter((e) => e.level === 'error');
  // `attempt` is BullMQ's attemptsMade + 1: the killed run is no attempt made.
  expect(failures.map(job).sort((a, b) => attemptOf(a) - attemptOf(b))).toEqual([
    { ...context, attempt: 1 },
    { ...context, attempt: 2 },
  ]);
  for (const failure of failures) {
    const [exception] = (failure.exception as { values: ExceptionValue[] }).values;
    expect(exception?.value).toBe(`charge failed in ${name}`);
    expect(exception?.mechanism?.type).toBe('bullmq');
  }
}

interface ExceptionValue {
  value?: string;
  mechanism?: { type?: string };
}

const attemptOf = (job: unknown) => (job as { attempt: number }).attempt;

/** What the producers of a load test have done so far. */
interface Load {
  /** Per user, the ids of the jobs whose add Redis acknowledged. */
  acknowledged: Map<string, Set<string>>;
  /** Per user, how many adds failed (and were tried again). */
  failedAdds: Map<string, number>;
  /** Resolves once every producer has had all its adds acknowledged. */
  done: Promise<void>;
}

/**
 * One producer per user, each adding its share of {@link JOBS} one at a time in its own scope. A
 * job's id is fixed, so an add that failed is tried again as it was: one that reached Redis before
 * its answer was lost is then a duplicate BullMQ ignores. Each producer waits for `outage` before
 * its last third, so every one of them still has adds to make while Redis is away, however the
 * timing goes (unheld, a producer could add all its jobs while Redis was shutting down).
 */
function produce(queue: Queue, outage: Promise<void>): Load {
  const acknowledged = new Map(USERS.map((owner) => [owner, new Set<string>()]));
  const failedAdds = new Map(USERS.map((owner) => [owner, 0]));
  const share = JOBS / USERS.length;
  const producer = (owner: string, first: number) =>
    asUser(owner, async () => {
      for (let n = first; n < JOBS; n += USERS.length) {
        if (n === first + USERS.length * Math.ceil((share * 2) / 3)) await outage;
        const id = await addUntilAcknowledged(queue, owner, n, () =>
          failedAdds.set(owner, (failedAdds.get(owner) ?? 0) + 1),
        );
        expect(id).toBe(`${owner}-${n}`);
        acknowledged.get(owner)?.add(id);
      }
    });
  const done = Promise.all(USERS.map(producer)).then(() => undefined);
  done.catch(() => undefined); // awaited by the test; a failure before that is no unhandled one
  return { acknowledged, failedAdds, done };
}

/** Adds job `n` of `owner` until Redis acknowledges it (30 s at most); its id. */
async function addUntilAcknowledged(queue: Queue, owner: string, n: number, onFail: () => void) {
  const jobId = `${owner}-${n}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const added = await queue.add('work', { owner, n }, { jobId }).catch((error: unknown) => {
      if (Date.now() > deadline) throw error;
      onFail();
    });
    if (added) return String(added.id);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Two workers running ten jobs each at a time; every run throws and is counted in `runs`. */
function failingWorkers(name: string, url: string, runs: Map<string, number>) {
  const processor = withJobScope(async (job: Job<{ owner: string }>) => {
    runs.set(String(job.id), (runs.get(String(job.id)) ?? 0) + 1);
    throw new Error(`job ${job.id} of ${job.data.owner} failed in ${name}`);
  });
  return [0, 1].map(() => {
    const worker = new Worker(name, processor, {
      connection: { url, maxRetriesPerRequest: null },
      concurrency: 10,
      // A job taken just before the restart whose answer was lost is found stalled in seconds.
      lockDuration: 3000,
      stalledInterval: 1000,
      maxStalledCount: 5,
    });
    worker.on('error', () => undefined); // Redis is away for a while: connection errors
    return worker;
  });
}

it(`keeps every acknowledged job and the user of each event across a Redis restart under load (${JOBS} jobs, 3 users)`, async () => {
  const redis = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  const name = queueName('restart');
  // Adds fail at once while Redis is away (no offline queue, a sent command is not sent again),
  // as in a request that answers 503, and the producer adds again.
  const producerConnection = { url: redis.url, enableOfflineQueue: false, maxRetriesPerRequest: 0 };
  const queue = withUser(new Queue(name, { connection: producerConnection }));
  queue.on('error', () => undefined);
  const runs = new Map<string, number>();
  const workers = failingWorkers(name, redis.url, runs);
  let redisStopped = () => {};
  const outage = new Promise<void>((resolve) => {
    redisStopped = resolve;
  });
  try {
    const load = produce(queue, outage);
    const total = () => [...load.acknowledged.values()].reduce((sum, ids) => sum + ids.size, 0);
    await waitFor(() => total() >= JOBS / 3, 30_000, 'third of the jobs acknowledged');
    await redis.shutdown();
    redisStopped();
    const everyProducerFailed = () => USERS.every((owner) => (load.failedAdds.get(owner) ?? 0) > 0);
    await waitFor(everyProducerFailed, 10_000, 'failed add of every producer');
    await redis.restart();
    await load.done;
    for (const owner of USERS) expect(load.acknowledged.get(owner)?.size).toBe(JOBS / 3);
    await expectEveryJobFailed(queue, load, runs);
    await expectEventsOfTheirUsers(name, load, runs);
  } finally {
    redisStopped(); // a producer still held must not keep the test waiting
    // Without an offline queue, closing the producer fails while Redis is away: a failure above
    // then must stay the one reported.
    const closeQueue = queue.close().catch(() => queue.disconnect());
    await Promise.all([...workers.map((worker) => worker.close()), closeQueue]);
    await redis.stop();
  }
});

/** Every acknowledged job is in Redis, failed by its processor; a job run twice had stalled. */
async function expectEveryJobFailed(queue: Queue, load: Load, runs: Map<string, number>) {
  const pending: JobType[] = ['active', 'wait', 'delayed', 'prioritized', 'waiting-children'];
  const idle = async () =>
    Object.values(await queue.getJobCounts(...pending)).every((count) => count === 0);
  await waitFor(idle, 30_000, 'end of the queue');
  expect(await queue.getJobCounts('completed', 'failed', ...pending)).toEqual({
    completed: 0,
    failed: JOBS,
    ...Object.fromEntries(pending.map((state) => [state, 0])),
  });
  const failed = await queue.getFailed(0, -1);
  const acknowledged = [...load.acknowledged.values()].flatMap((ids) => [...ids]);
  expect(failed.map((job) => job.id).sort()).toEqual(acknowledged.sort());
  for (const job of failed) {
    expect(job.failedReason).toBe(`job ${job.id} of ${job.data.owner} failed in ${queue.name}`);
    expect(job.attemptsMade).toBe(1);
    // A run whose outcome Redis never recorded (it was away) leaves the job active; found
    // stalled, it runs again: at least once, as BullMQ promises.
    expect(runs.get(String(job.id)) ?? 0).toBeGreaterThanOrEqual(1);
    expect(runs.get(String(job.id)) ?? 0).toBeLessThanOrEqual(1 + job.stalledCounter);
  }
}

/** One event per run, each with the user whose producer added the job, no other. */
async function expectEventsOfTheirUsers(name: string, load: Load, runs: Map<string, number>) {
  const expected = [...runs.values()].reduce((sum, count) => sum + count, 0);
  await waitFor(async () => (await titled(name)).length >= expected, 30_000, `${expected} events`);
  const events = await eventsAbout(inbox, name);
  expect(events).toHaveLength(expected);
  const eventJobs = new Map(USERS.map((owner) => [owner, new Set<string>()]));
  const eventCounts = new Map(USERS.map((owner) => [owner, 0]));
  const wrong: string[] = [];
  for (const event of events) {
    const [exception] = (event.exception as { values: ExceptionValue[] }).values;
    const [, id = '', owner = ''] = /^job (\S+) of (\S+) failed/.exec(exception?.value ?? '') ?? [];
    if (!isDeepStrictEqual(event.user, { id: owner, sentry_user: `id:${owner}` })) {
      wrong.push(`${id}: ${JSON.stringify(event.user)}`);
    }
    eventJobs.get(owner)?.add(id);
    eventCounts.set(owner, (eventCounts.get(owner) ?? 0) + 1);
    expect(event.transaction).toBe(`job ${name}/work`);
    const context = { queue: name, id, name: 'work', attempt: 1, attempts: 1 };
    expect((event.contexts as { job?: unknown }).job).toEqual(context);
  }
  expect(wrong).toEqual([]);
  for (const owner of USERS) {
    const acknowledged = [...(load.acknowledged.get(owner) ?? [])].sort();
    expect([...(eventJobs.get(owner) ?? [])].sort()).toEqual(acknowledged);
    const ownRuns = acknowledged.reduce((sum, id) => sum + (runs.get(id) ?? 0), 0);
    expect(eventCounts.get(owner)).toBe(ownRuns);
  }
}
