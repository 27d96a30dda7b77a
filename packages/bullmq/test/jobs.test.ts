// A real Queue and Worker on a real Redis, core's real client sending to a real inbox: the user
// who enqueues a job is the user of the worker's events, and nothing of @x shows in `job.data`.
import { randomUUID } from 'node:crypto';
import {
  getEventUser,
  init,
  sealUser,
  setUser,
  withIsolationScope,
  withJobScope,
  withUser,
} from '@x/bullmq';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventsAbout, KEY, queueName, settledJob, stampOf, useBackends } from './helpers';

const backends = useBackends('each');
beforeEach(() => {
  init({
    dsn: backends.inbox.dsn,
    sendDefaultPii: true,
    sendClientReports: false,
    propagationKey: KEY,
  });
});

type Processor = (job: Job, token?: string) => Promise<unknown>;

/** A wrapped queue and a worker on it running `processor` through `withJobScope`. */
function queueWithWorker(label: string, processor: Processor, concurrency = 1) {
  const name = queueName(label);
  const queue = withUser(new Queue(name, { connection: backends.connection }));
  const worker = new Worker(name, withJobScope(processor), {
    connection: backends.connection,
    concurrency,
  });
  backends.track(worker, queue);
  return { name, queue, worker };
}

const alice = { id: 'u-alice', username: 'alice', email: 'alice@example.com' };
/** Alice as the inbox stores her (Relay's processing adds `sentry_user`). */
const storedAlice = { ...alice, sentry_user: 'id:u-alice' };

/** `fn` in its own isolation scope whose user is `user`, as in a request after auth. */
function asUser<T>(user: typeof alice, fn: () => Promise<T>): Promise<T> {
  return withIsolationScope(async () => {
    setUser(user);
    return fn();
  });
}

// The payload a producer passes, and an exact-keys check of what the processor gets.
const payload = { order: 'o-1', lines: [{ sku: 'a', qty: 2 }], note: null, flags: { rush: true } };
function isExactlyThePayload(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  const lines = d.lines as Record<string, unknown>[];
  return (
    JSON.stringify(Object.keys(d)) === '["order","lines","note","flags"]' &&
    d.order === 'o-1' &&
    d.note === null &&
    Array.isArray(lines) &&
    lines.length === 1 &&
    JSON.stringify(Object.keys(lines[0] ?? {})) === '["sku","qty"]' &&
    JSON.stringify(d.flags) === '{"rush":true}'
  );
}

describe('@x/bullmq: a failing job', () => {
  it('is one event per attempt, each with the producer’s user, its transaction and contexts.job', async () => {
    const marker = randomUUID();
    const seen: unknown[] = [];
    const { name, queue } = queueWithWorker('fail', async (job) => {
      seen.push(job.data);
      throw new Error(`invoice failed ${marker}`);
    });
    const job = await asUser(alice, () => queue.add('send', payload, { attempts: 3 }));
    expect(await settledJob(queue, job)).toBe('failed');

    const events = await eventsAbout(backends.inbox, marker);
    expect(events).toHaveLength(3);
    const attempts = events.map((e) => (e.contexts as { job: { attempt: number } }).job.attempt);
    expect(attempts.sort()).toEqual([1, 2, 3]);
    for (const event of events) {
      expect(event.user).toEqual(storedAlice);
      expect(event.transaction).toBe(`job ${name}/send`);
      expect(event.request).toBeUndefined();
      expect((event.contexts as Record<string, unknown>).job).toEqual({
        queue: name,
        id: job.id,
        name: 'send',
        attempt: expect.any(Number),
        attempts: 3,
      });
      const exception = (event.exception as { values: { mechanism: unknown }[] }).values[0];
      expect(exception?.mechanism).toMatchObject({ type: 'bullmq', handled: false });
      expect(event.sdk?.name).toBe('x.javascript.bullmq');
    }
    expect(seen).toEqual([payload, payload, payload]);
    expect(seen.every(isExactlyThePayload)).toBe(true);
  });

  it('keeps the stamp out of job.data: Redis’s data field, getJob and events see the payload', async () => {
    const { name, queue, worker } = queueWithWorker('data', async (job) => job.data);
    const completed = new Promise<unknown>((resolve) =>
      worker.once('completed', (job) => resolve(job.data)),
    );
    const job = await asUser(alice, () => queue.add('send', payload));
    expect(await settledJob(queue, job)).toBe('completed');
    expect(await completed).toEqual(payload);
    const read = await queue.getJob(String(job.id));
    expect(read?.data).toEqual(payload);
    expect(read?.returnvalue).toEqual(payload);
    expect(String(stampOf(read))).toMatch(/^x1\.[\w-]+\.[\w-]{43}$/);
    const redis = new Redis(backends.connection.url);
    try {
      expect(await redis.hget(`bull:${name}:${job.id}`, 'data')).toBe(JSON.stringify(payload));
    } finally {
      redis.disconnect();
    }
  });

  it('has no user when the stamp is missing, forged, altered or signed with another key', async () => {
    const marker = randomUUID();
    const { queue } = queueWithWorker('forged', async (job) => {
      throw new Error(`${job.name} ${marker}`);
    });
    const genuine = await asUser(alice, () => sealUser());
    const [, body = '', mac = ''] = String(genuine).split('.');
    const forgedUser = Buffer.from(JSON.stringify({ id: 'u-mallory' })).toString('base64url');
    init({ dsn: backends.inbox.dsn, propagationKey: 'another-propagation-key-0123456789' });
    const otherKey = await asUser(alice, () => sealUser());
    init({ dsn: backends.inbox.dsn, sendClientReports: false, propagationKey: KEY });
    const raw = new Queue(queue.name, { connection: backends.connection });
    backends.track(raw);
    const stamps = {
      missing: undefined,
      forged: `x1.${forgedUser}.${mac}`,
      altered: `x1.${body}A.${mac}`,
      'other-key': otherKey,
      garbage: 42,
    };
    const jobs = await Promise.all(
      Object.entries(stamps).map(([label, x_user]) =>
        asUser(alice, () => raw.add(label, { label }, { x_user } as object)),
      ),
    );
    for (const job of jobs) expect(await settledJob(queue, job)).toBe('failed');
    const events = await eventsAbout(backends.inbox, marker);
    expect(events).toHaveLength(5);
    for (const event of events) expect(event.user ?? null).toBeNull();
  });

  it('lets setUser in the processor replace the user the job carries', async () => {
    const marker = randomUUID();
    const { queue } = queueWithWorker('setuser', async () => {
      setUser({ id: 'u-system', plan: 'batch' });
      throw new Error(`replaced ${marker}`);
    });
    expect(await settledJob(queue, await asUser(alice, () => queue.add('send', {})))).toBe(
      'failed',
    );
    const [event] = await eventsAbout(backends.inbox, marker);
    expect(event?.user).toEqual({
      id: 'u-system',
      data: { plan: 'batch' },
      sentry_user: 'id:u-system',
    });
  });

  it('keeps the user for a job added from a job (the stamp re-sealed unchanged)', async () => {
    const marker = randomUUID();
    const second = queueWithWorker('second', async () => {
      expect(await getEventUser()).toEqual(alice);
      throw new Error(`second ${marker}`);
    });
    const first = queueWithWorker('first', async () => second.queue.add('next', { step: 2 }));
    const job = await asUser(alice, () => first.queue.add('start', { step: 1 }));
    expect(await settledJob(first.queue, job)).toBe('completed');
    const next = (await second.queue.getJobs(['waiting', 'active', 'failed', 'completed']))[0];
    expect(await settledJob(second.queue, next)).toBe('failed');
    const [event] = await eventsAbout(backends.inbox, marker);
    expect(event?.user).toEqual(storedAlice);
    expect(stampOf(await second.queue.getJob(String(next?.id)))).toBe(
      stampOf(await first.queue.getJob(String(job.id))),
    );
  });
});
