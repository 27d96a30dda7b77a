// A sandboxed processor (a file BullMQ runs in a child process) wrapped in withJobScope reports
// its failures with the user the job carries, from the child.
import { randomUUID } from 'node:crypto';
import { setUser, withIsolationScope, withUser } from '@x/bullmq';
import { Queue, Worker } from 'bullmq';
import { expect, it } from 'vitest';
import { eventsAbout, KEY, queueName, settled, useBackends } from './helpers';

const backends = useBackends('file');

it('reports a sandboxed processor’s failure with the producer’s user', async () => {
  const name = queueName('sandboxed');
  const queue = withUser(new Queue(name, { connection: backends.connection }));
  // The child process inherits these when BullMQ forks it.
  process.env.X_DSN = backends.inbox.dsn;
  process.env.X_PROPAGATION_KEY = KEY;
  const file = new URL('./fixtures/sandboxed.mjs', import.meta.url);
  const worker = new Worker(name, file, { connection: backends.connection });
  try {
    const marker = randomUUID();
    const job = await withIsolationScope(async () => {
      setUser({ id: 'u-fay' });
      return queue.add('thumbnail', { marker });
    });
    expect(await settled(queue, job.id)).toBe('failed');
    await expect.poll(async () => (await eventsAbout(backends.inbox, marker)).length).toBe(1);
    const [event] = await eventsAbout(backends.inbox, marker);
    expect(event?.user).toEqual({ id: 'u-fay', sentry_user: 'id:u-fay' });
    expect(event?.transaction).toBe(`job ${name}/thumbnail`);
    expect((event?.contexts as Record<string, unknown> | undefined)?.job).toMatchObject({
      attempt: 1,
    });
  } finally {
    await Promise.all([worker.close(), queue.close()]);
    delete process.env.X_DSN;
    delete process.env.X_PROPAGATION_KEY;
  }
});
