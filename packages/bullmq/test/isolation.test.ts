// Overlapping jobs of three users on a worker running ten at a time: every event has its own
// job's user, never another's.
import { randomUUID } from 'node:crypto';
import { getEventUser, setUser, withIsolationScope, withJobScope, withUser } from '@x/bullmq';
import { type Job, Queue, Worker } from 'bullmq';
import { expect, it } from 'vitest';
import { eventsAbout, queueName, settled, useBackends } from './helpers';

// The root runner's extra Node runs (X_PACKED_SKIP=1) take the short version.
const JOBS = process.env.X_PACKED_SKIP === '1' ? 60 : 300;
const USERS = ['u-ann', 'u-ben', 'u-cat'];

const backends = useBackends('file');

const pause = () => new Promise((r) => setTimeout(r, Math.random() * 5));

it(`gives ${JOBS} overlapping jobs of 3 users, 10 at a time, 0 foreign users`, async () => {
  const marker = randomUUID();
  const name = queueName('isolation');
  const queue = withUser(new Queue(name, { connection: backends.connection }));
  const foreign: string[] = [];
  const processor = withJobScope(async (job: Job<{ owner: string; n: number }>) => {
    await pause();
    const user = await getEventUser();
    if (user?.id !== job.data.owner) foreign.push(`${job.data.n}: ${user?.id}`);
    await pause();
    throw new Error(`job of ${job.data.owner} #${job.data.n} ${marker}`);
  });
  const worker = new Worker(name, processor, { connection: backends.connection, concurrency: 10 });
  try {
    // Each user enqueues in its own scope, one job at a time, while the others do and the worker runs.
    const ids = await Promise.all(
      USERS.map((owner, u) =>
        withIsolationScope(async () => {
          setUser({ id: owner });
          const added: (string | undefined)[] = [];
          for (let n = u; n < JOBS; n += USERS.length) {
            added.push((await queue.add('work', { owner, n })).id);
            await pause();
          }
          return added;
        }),
      ),
    );
    for (const id of ids.flat()) expect(await settled(queue, id)).toBe('failed');
    expect(foreign).toEqual([]);
    const events = await eventsAbout(backends.inbox, marker);
    expect(events).toHaveLength(JOBS);
    const mismatched = events.filter((e) => {
      const owner = /job of (u-\w+)/.exec(
        String((e.exception as { values: { value: string }[] }).values[0]?.value),
      )?.[1];
      return !owner || e.user?.id !== owner;
    });
    expect(mismatched.map((e) => e.user?.id)).toEqual([]);
  } finally {
    await worker.close();
    await queue.close();
  }
});
