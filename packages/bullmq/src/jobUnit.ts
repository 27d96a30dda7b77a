// One job attempt as core's unit of work: no method or URL (a job is no HTTP request), the
// transaction `job <queue>/<name>`, the job's facts as `contexts.job`, and as default user the one
// the job carries (opened when an event needs it: a missing or bad stamp means no user).
import type { GetUser, ShouldCapture } from '@x/core';
import { travelledUser } from '@x/core';
import type { RequestDescription } from '@x/core/internal';
import { stampOf } from './stamp';

/** The part of a job @x reads: a Worker's `Job`, or the job a sandboxed processor gets. */
export interface JobLike {
  /** The job's options; the stamp is their `x_user`. */
  opts?: object | undefined;
  id?: string | undefined;
  name: string;
  queueName: string;
  attemptsMade: number;
}

/** `contexts.job` of every event captured while a job runs. */
export interface JobContext {
  queue: string;
  id: string | undefined;
  name: string;
  /** This attempt, from 1 (`attemptsMade + 1`). */
  attempt: number;
  /** How many attempts the job is allowed (its `attempts` option; 1 when unset). */
  attempts: number;
}

/** The facts of `job` that go on its events. */
export function jobContext(job: JobLike): JobContext {
  const allowed = Number((job.opts as { attempts?: unknown } | undefined)?.attempts);
  return {
    queue: job.queueName,
    id: job.id,
    name: job.name,
    attempt: (Number.isFinite(job.attemptsMade) ? job.attemptsMade : 0) + 1,
    attempts: Number.isInteger(allowed) && allowed > 1 ? allowed : 1,
  };
}

/** `<queue>/<name>` (the queue alone for a job without a name), at most 195 characters. */
export function jobPath(job: JobLike): string {
  return (job.name ? `${job.queueName}/${job.name}` : String(job.queueName)).slice(0, 195);
}

/** The unit core runs `job` as; `getUser` replaces the stamp's user when given. */
export function describeJob<Job extends JobLike>(
  job: Job,
  getUser: GetUser<Job> | undefined,
): RequestDescription {
  return {
    transaction: `job ${jobPath(job)}`,
    getUser: getUser ? () => getUser(job) : travelledUser(stampOf(job)),
  };
}

// What a processor throws to tell BullMQ to move the job, not that it failed (the Worker checks
// the same names, so copies of BullMQ in other realms are recognized too).
const CONTROL_FLOW = new Set(['DelayedError', 'WaitingError', 'WaitingChildrenError']);
const RATE_LIMIT_MESSAGE = 'bullmq:rateLimitExceeded';

/** Whether `error` is BullMQ's control flow (delay, wait, wait for children, rate limit). */
export function isControlFlow(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  try {
    const { name, message } = error as { name?: unknown; message?: unknown };
    return (
      (typeof name === 'string' && CONTROL_FLOW.has(name)) ||
      name === 'RateLimitError' ||
      message === RATE_LIMIT_MESSAGE
    );
  } catch {
    return false;
  }
}

/** Whether `error` is BullMQ's `UnrecoverableError` (the job fails now, whatever attempts remain). */
export function isUnrecoverable(error: unknown): boolean {
  try {
    return (error as { name?: unknown } | null)?.name === 'UnrecoverableError';
  } catch {
    return false;
  }
}

/** Every failure is captured (a job has no client to answer) unless `own` says otherwise. */
export function captureRule<Job>(own: ShouldCapture<Job> | undefined): ShouldCapture<Job> {
  return (status, error, job) => !isControlFlow(error) && (own ? own(status, error, job) : true);
}
