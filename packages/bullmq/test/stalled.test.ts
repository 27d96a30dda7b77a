// A job whose worker stops renewing its lock is found stalled by another worker, which reports
// the stall with the user the job carries.
import { randomUUID } from 'node:crypto';
import { captureStalledJobs, setUser, withIsolationScope, withJobScope, withUser } from '@x/bullmq';
import { type Job, Queue, Worker } from 'bullmq';
import { expect, it } from 'vitest';
import { eventsAbout, queueName, settled, useBackends } from './helpers';

const backends = useBackends('file');

it('reports a stalled job once, as a warning with the user it carries', async () => {
  const name = queueName('stalled');
  const connection = backends.connection;
  const queue = withUser(new Queue(name, { connection }));
  // A worker that takes the job and then goes silent: fetched by hand, its lock never renewed.
  const silent = new Worker(name, null, { connection, autorun: false, lockDuration: 300 });
  const processed: string[] = [];
  const healthy = new Worker(
    name,
    withJobScope(async (job: Job) => {
      processed.push(String(job.id));
    }),
    { connection, stalledInterval: 200, autorun: false },
  );
  captureStalledJobs(captureStalledJobs(healthy));
  try {
    const marker = randomUUID();
    const job = await withIsolationScope(async () => {
      setUser({ id: 'u-erin' });
      return queue.add(`resize-${marker}`, { image: 'a.png' });
    });
    expect((await silent.getNextJob('silent-token'))?.id).toBe(job.id);
    void healthy.run();
    expect(await settled(queue, job.id)).toBe('completed');
    expect(processed).toEqual([job.id]);
    await expect.poll(async () => (await eventsAbout(backends.inbox, marker)).length).toBe(1);
    // Registered twice above, reported once: nothing more arrives.
    await new Promise((r) => setTimeout(r, 300));
    const [event, ...more] = await eventsAbout(backends.inbox, marker);
    expect(more).toEqual([]);
    expect(event?.level).toBe('warning');
    expect(event?.user).toEqual({ id: 'u-erin', sentry_user: 'id:u-erin' });
    expect(event?.transaction).toBe(`job ${name}/resize-${marker}`);
    expect(event?.tags).toMatchObject({ 'bullmq.stalled': 'true' });
    expect((event?.contexts as Record<string, unknown> | undefined)?.job).toEqual({
      queue: name,
      id: job.id,
      name: `resize-${marker}`,
      attempt: 1,
      attempts: 1,
    });
  } finally {
    await Promise.all([healthy.close(), silent.close(), queue.close()]);
  }
});
