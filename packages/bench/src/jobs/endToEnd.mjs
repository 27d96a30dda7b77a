// One end-to-end trial on a real Redis: `node endToEnd.mjs VARIANT OUTCOME REDIS_URL DSN COUNT WARM`
// adds WARM + COUNT jobs to a fresh queue with addBulk (in chunks), then runs a Worker with
// concurrency 10 until every job is done; the COUNT jobs after the first WARM are measured
// (wall time and this process's CPU). VARIANT bare: plain BullMQ; x: the queue wrapped with
// `withUser` (added in an isolation scope with a user) and the processor with `withJobScope`.
// OUTCOME ok: the processor returns; fail: it throws (attempts 1), and @x captures each failure to
// DSN, flushed before the figures are printed. Prints one JSON line. Bare loads nothing of @x: an
// isolation scope (AsyncLocalStorage) changes what every promise of the process costs on Node 20
// (its async hooks), and that is part of what @x costs.
import { Queue, Worker } from 'bullmq';

const [variant, outcome, redisUrl, dsn, countArg = '5000', warmArg = '500'] = process.argv.slice(2);
const COUNT = Number(countArg);
const WARM = Number(warmArg);
const CHUNK = 500;
const CONCURRENCY = 10;
const url = new URL(redisUrl);
const connection = { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };

const x = variant === 'x' ? await import('@x/bullmq') : undefined;
x?.init({
  dsn,
  propagationKey: 'bench-propagation-key-0123456789abcdef',
  sendClientReports: false,
  maxQueueSize: COUNT + WARM + 10,
});

/** Adds `total` jobs in chunks of addBulk; @x: in an isolation scope with a user (as in a request). */
function addJobs(queue, total) {
  const add = async () => {
    x?.setUser({ id: 'u-42', username: 'bench', email: 'b@example.com' });
    const started = performance.now();
    for (let done = 0; done < total; done += CHUNK) {
      const size = Math.min(CHUNK, total - done);
      const jobs = Array.from({ length: size }, (_, i) => ({
        name: 'send',
        data: { order: `o-${done + i}` },
        opts: { attempts: 1 },
      }));
      await queue.addBulk(jobs);
    }
    return total / ((performance.now() - started) / 1000);
  };
  return x ? x.withIsolationScope(add) : add();
}

/** The processor: answers the order, or throws (a fresh error each time). */
const processor = async (job) => {
  if (outcome === 'fail') throw new Error(`order ${job.data.order} failed`);
  return job.data.order;
};

/**
 * Starts the worker and resolves once `WARM + COUNT` jobs are done: `{ seconds, cpuUs }` of the
 * measured ones, and how many jobs carried a stamp.
 */
function processJobs(name) {
  let done = 0;
  let stamped = 0;
  let mark;
  return new Promise((resolve, reject) => {
    const run = x ? x.withJobScope(processor) : processor;
    const worker = new Worker(
      name,
      (job) => {
        if (job.opts.x_user) stamped++;
        return run(job);
      },
      { connection, concurrency: CONCURRENCY },
    );
    const timer = setTimeout(
      () => reject(new Error(`jobs: ${done} of ${WARM + COUNT} done`)),
      120_000,
    );
    const settled = () => {
      done++;
      if (done === WARM) mark = { at: performance.now(), cpu: process.cpuUsage() };
      if (done < WARM + COUNT) return;
      clearTimeout(timer);
      const cpu = process.cpuUsage(mark.cpu);
      const seconds = (performance.now() - mark.at) / 1000;
      worker.close().then(() => resolve({ seconds, cpuUs: cpu.user + cpu.system, stamped }));
    };
    worker.on('completed', settled);
    worker.on('failed', settled);
    worker.on('error', reject);
  });
}

const name = `bench-${variant}-${outcome}-${process.pid}`;
const queue = new Queue(name, {
  connection,
  defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
});
const queued = x ? x.withUser(queue) : queue;
const addedPerSecond = await addJobs(queued, WARM + COUNT);
const { seconds, cpuUs, stamped } = await processJobs(name);
await queue.obliterate({ force: true });
await queue.close();
await x?.flush(30_000);
console.log(
  JSON.stringify({
    variant,
    outcome,
    jobs: COUNT,
    warm: WARM,
    concurrency: CONCURRENCY,
    addedPerSecond,
    jobsPerSecond: COUNT / seconds,
    cpuUsPerJob: cpuUs / COUNT,
    stamped,
    thrown: outcome === 'fail' ? WARM + COUNT : 0,
  }),
);
