// The processing side: each job attempt runs in its own isolation scope, with the user its stamp
// carries, and an attempt that fails is captured once before BullMQ sees the error as before.
import { type GetUser, getIsolationScope, type ShouldCapture, setTag } from '@x/core';
import { runRequestCapturing } from '@x/core/internal';
import type { Job as BullJob } from 'bullmq';
import { captureRule, describeJob, isUnrecoverable, type JobLike, jobContext } from './jobUnit';

/** Options of {@link withJobScope}. */
export interface JobScopeOptions<Job = JobLike> {
  /**
   * Maps the job to its user, lazily, when an event is built; replaces the user the job carries.
   * @default the user `withUser` stamped on the job, if its signature holds under `propagationKey`
   */
  getUser?: GetUser<Job> | undefined;
  /**
   * Which failed attempts to capture, by the status the error maps to, the error and the job.
   * BullMQ's own control flow (`DelayedError`, `WaitingError`, `WaitingChildrenError`,
   * `RateLimitError`) is never captured. @default every failed attempt
   */
  shouldCapture?: ShouldCapture<Job> | undefined;
}

/** A BullMQ processor: the job, the lock token, the signal of a cancelled job. */
export type JobProcessor<Job, Result> = (
  job: Job,
  token?: string,
  signal?: AbortSignal,
) => Result | PromiseLike<Result>;

/**
 * Wraps a BullMQ processor so that every attempt of every job runs in its own isolation scope:
 * its default user is the one the job carries (see {@link withUser}; a missing, forged or
 * wrong-key stamp means no user), events have `transaction: "job <queue>/<name>"` and
 * `contexts.job` (`queue`, `id`, `name`, `attempt`, `attempts`), and what the processor throws is
 * captured once per attempt — `UnrecoverableError` tagged `bullmq.unrecoverable` — then rethrown,
 * so BullMQ retries or fails the job as before. Jobs the processor adds through a wrapped queue
 * carry the same user. Works for a sandboxed processor's exported function too.
 *
 * @example
 * new Worker('invoices', withJobScope(async (job) => sendInvoice(job.data)), { connection });
 */
// biome-ignore lint/suspicious/noExplicitAny: BullMQ's own defaults, so an unannotated processor's job.data is typed as in a plain Worker
export function withJobScope<Data = any, Result = any, Name extends string = string>(
  processor: JobProcessor<BullJob<Data, Result, Name>, Result>,
  options?: JobScopeOptions<BullJob<Data, Result, Name>>,
): (job: BullJob<Data, Result, Name>, token?: string, signal?: AbortSignal) => Promise<Result>;
/** The same for any job shape with what @x reads — e.g. a sandboxed processor's `SandboxedJob`. */
export function withJobScope<Job extends JobLike, Result>(
  processor: JobProcessor<Job, Result>,
  options?: JobScopeOptions<Job>,
): (job: Job, token?: string, signal?: AbortSignal) => Promise<Result>;
export function withJobScope<Job extends JobLike, Result>(
  processor: JobProcessor<Job, Result>,
  options: JobScopeOptions<Job> = {},
): (job: Job, token?: string, signal?: AbortSignal) => Promise<Result> {
  const shouldCapture = captureRule(options.shouldCapture);
  const wrapped = (job: Job, token?: string, signal?: AbortSignal) =>
    runRequestCapturing(
      describeJob(job, options.getUser),
      { mechanism: 'bullmq', shouldCapture, unit: job },
      async () => {
        getIsolationScope().setContext('job', { ...jobContext(job) });
        try {
          return await processor(job, token, signal);
        } catch (error) {
          if (isUnrecoverable(error)) setTag('bullmq.unrecoverable', 'true');
          throw error;
        }
      },
    );
  // BullMQ hands a processor the abort signal only when it declares a third parameter.
  Object.defineProperty(wrapped, 'length', { value: processor.length });
  return wrapped;
}
