// @x never changes what a job does: the same jobs, run bare and through withUser + withJobScope,
// end in the same state, with the same return value, failure, attempts, data and options (the
// stamp aside) — and the app's own failed-event listener hears the same errors.
import { flush, setUser, withIsolationScope, withJobScope, withUser } from '@x/bullmq';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { expect, it } from 'vitest';
import { queueName, settled, useBackends } from './helpers';

const backends = useBackends('file');

/** The jobs both runs add: success, failure, an unrecoverable failure, a retry that succeeds. */
const JOBS = [
  { name: 'ok', data: { n: 1 }, opts: {} },
  { name: 'fail', data: { n: 2 }, opts: { attempts: 2 } },
  { name: 'unrecoverable', data: { n: 3 }, opts: { attempts: 3 } },
  { name: 'retry', data: { n: 4 }, opts: { attempts: 3 } },
  { name: 'slow', data: { n: 5 }, opts: { priority: 2 } },
];

async function processor(job: Job<{ n: number }>): Promise<unknown> {
  if (job.name === 'fail') throw new TypeError(`fail ${job.data.n}`);
  if (job.name === 'unrecoverable') throw new UnrecoverableError('give up');
  if (job.name === 'retry' && job.attemptsMade < 2) throw new Error(`try ${job.attemptsMade}`);
  if (job.name === 'slow') await new Promise((r) => setImmediate(r));
  return { done: job.data.n, attempt: job.attemptsMade };
}

/** Runs JOBS through a queue and a worker; what BullMQ recorded of each, and what `failed` heard. */
async function runJobs(withX: boolean) {
  const name = queueName(withX ? 'with-x' : 'bare');
  const queue = new Queue(name, { connection: backends.connection });
  const producer = withX ? withUser(queue) : queue;
  const worker = new Worker(name, withX ? withJobScope(processor) : processor, {
    connection: backends.connection,
    concurrency: 5,
  });
  const heard: string[] = [];
  worker.on('failed', (job, error) => heard.push(`${job?.name}: ${error.name}: ${error.message}`));
  try {
    const added = await withIsolationScope(async () => {
      setUser({ id: 'u-ann', username: 'ann' });
      return Promise.all(JOBS.map((j) => producer.add(j.name, j.data, j.opts)));
    });
    for (const job of added) await settled(queue, job.id);
    const outcomes = await Promise.all(
      added.map(async (job) => {
        const stored = (await queue.getJob(String(job.id))) as Job;
        const { x_user: _stamp, ...opts } = stored.opts as Record<string, unknown>;
        return {
          name: stored.name,
          state: await stored.getState(),
          data: stored.data,
          opts,
          returnvalue: stored.returnvalue,
          failedReason: stored.failedReason,
          attemptsMade: stored.attemptsMade,
          attemptsStarted: stored.attemptsStarted,
          stacktraces: (stored.stacktrace ?? []).length,
        };
      }),
    );
    return { outcomes, heard: heard.sort() };
  } finally {
    await worker.close();
    await queue.close();
  }
}

it('ends every job as bare BullMQ does: state, result, failure, attempts, data, options', async () => {
  const bare = await runJobs(false);
  const withX = await runJobs(true);
  expect(withX).toEqual(bare);
  // And the runs did what they say: each kind of ending is there.
  expect(bare.outcomes.map((o) => [o.name, o.state, o.attemptsMade])).toEqual([
    ['ok', 'completed', 1],
    ['fail', 'failed', 2],
    ['unrecoverable', 'failed', 1],
    ['retry', 'completed', 3],
    ['slow', 'completed', 1],
  ]);
  expect(bare.heard).toEqual([
    'fail: TypeError: fail 2',
    'fail: TypeError: fail 2',
    'retry: Error: try 0',
    'retry: Error: try 1',
    'unrecoverable: UnrecoverableError: give up',
  ]);
  expect(await flush(5000)).toBe(true);
}, 60_000);
