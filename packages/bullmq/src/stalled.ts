// Stalled jobs: a job whose worker stopped renewing its lock (a blocked event loop, a crashed
// process) is moved back to wait — or failed, past `maxStalledCount` — by whichever worker's
// stalled checker notices, without any processor running. That worker reads the job back from
// Redis and reports the stall with the user the job carries.
import { captureMessage, type GetUser, getIsolationScope, setTag } from '@x/core';
import { runRequest } from '@x/core/internal';
import { Job, type Worker } from 'bullmq';
import { describeJob, type JobLike, jobContext, jobPath } from './jobUnit';

const WATCHED = Symbol.for('@x/bullmq.captureStalledJobs');

/** Options of {@link captureStalledJobs}. */
export interface StalledJobsOptions {
  /** As `withJobScope`'s: replaces the user the job carries. */
  getUser?: GetUser<Job> | undefined;
}

/**
 * Reports every job the worker's stalled checker finds stalled — one `warning` event
 * `job stalled: <queue>/<name>`, tagged `bullmq.stalled`, with the user the job carries,
 * `transaction: "job <queue>/<name>"` and `contexts.job`. Adds one `stalled` listener (once per
 * worker) and returns the worker.
 *
 * @example
 * captureStalledJobs(new Worker('invoices', withJobScope(send), { connection }));
 */
export function captureStalledJobs<W extends Worker>(
  worker: W,
  options: StalledJobsOptions = {},
): W {
  const target = worker as W & { [WATCHED]?: true };
  if (target[WATCHED]) return worker;
  Object.defineProperty(worker, WATCHED, { value: true });
  worker.on('stalled', (jobId: string) => void reportStall(worker, jobId, options.getUser));
  return worker;
}

/** Reads the stalled job back and captures the stall in the job's own isolation scope. */
async function reportStall(
  worker: Worker,
  jobId: string,
  getUser: GetUser<Job> | undefined,
): Promise<void> {
  let job: Job | undefined;
  try {
    job = await Job.fromId(worker, jobId);
  } catch {
    // Gone or unreadable (removed, Redis down): the stall is still reported, without a user.
  }
  const unit: JobLike = job ?? { id: jobId, name: '', queueName: worker.name, attemptsMade: 0 };
  const user = job ? (getUser as GetUser<JobLike> | undefined) : () => null;
  runRequest(describeJob(unit, user), () => {
    getIsolationScope().setContext('job', { ...jobContext(unit) });
    setTag('bullmq.stalled', 'true');
    captureMessage(`job stalled: ${jobPath(unit)}`, 'warning');
  });
}
