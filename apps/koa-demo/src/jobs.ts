// The demo's background jobs: a queue whose jobs carry the user who added them, and a worker in
// this process whose processor throws — each failed attempt is an event with that user.
import { captureStalledJobs, withJobScope, withUser } from '@x/bullmq';
import { DEMO_QUEUE } from '@x/demo-kit/jobs';
import { type ConnectionOptions, Queue, Worker } from 'bullmq';

/** What `POST /jobs/boom` puts in a job. */
export interface BoomJob {
  requestedAt: string;
}

/** The queue the routes add to, and how to stop it and the worker. */
export interface Jobs {
  queue: Queue<BoomJob>;
  close(): Promise<void>;
}

/** Starts the queue and a worker running `concurrency` jobs at once. */
export function startJobs(connection: ConnectionOptions, concurrency: number): Jobs {
  // Every job added here carries the caller's user (a route's Bearer user), signed.
  // The app's own key prefix: another app on the same Redis (the demo runs two) has its own jobs.
  const prefix = 'koa-demo';
  const queue = withUser(new Queue<BoomJob>(DEMO_QUEUE, { connection, prefix }));
  const worker = new Worker<BoomJob>(
    DEMO_QUEUE,
    withJobScope(async (job) => {
      throw new Error(`job ${job.name} failed`);
    }),
    { connection, prefix, concurrency },
  );
  captureStalledJobs(worker);
  worker.on('error', () => {}); // Redis gone for a while: BullMQ reconnects by itself
  return {
    queue,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
