// What withUser stamps, and that enqueueing never fails or waits long because of @x.
import { randomUUID } from 'node:crypto';
import {
  getIsolationScope,
  init,
  setUser,
  withIsolationScope,
  withJobScope,
  withUser,
} from '@x/bullmq';
import { DelayedError, FlowProducer, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventsAbout, KEY, queueName, settled, settledJob, stampOf, useBackends } from './helpers';

const backends = useBackends('each');
const start = (options: Parameters<typeof init>[0] = {}) =>
  init({
    dsn: backends.inbox.dsn,
    sendDefaultPii: true,
    sendClientReports: false,
    propagationKey: KEY,
    ...options,
  });
beforeEach(() => start());

const bob = { id: 'u-bob', username: 'bob' };
const storedBob = { ...bob, sentry_user: 'id:u-bob' };
const asBob = <T>(fn: () => Promise<T>) =>
  withIsolationScope(async () => {
    setUser(bob);
    return fn();
  });

const track = backends.track;

describe('withUser', () => {
  it('stamps addBulk jobs with one seal, leaving each job’s own options', async () => {
    const queue = track(
      withUser(new Queue(queueName('bulk'), { connection: backends.connection })),
    );
    const jobs = await asBob(() =>
      queue.addBulk([
        { name: 'a', data: { n: 1 }, opts: { priority: 3 } },
        { name: 'b', data: { n: 2 } },
      ]),
    );
    const read = await Promise.all(jobs.map((job) => queue.getJob(String(job.id))));
    expect(read.map((job) => job?.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(read[0]?.opts.priority).toBe(3);
    expect(stampOf(read[0])).toMatch(/^x1\./);
    expect(stampOf(read[1])).toBe(stampOf(read[0]));
  });

  it('stamps every job of a flow (add and addBulk); a failing child and parent carry the user', async () => {
    const marker = randomUUID();
    const name = queueName('flow');
    const queue = track(new Queue(name, { connection: backends.connection }));
    const flows = track(withUser(new FlowProducer({ connection: backends.connection })));
    const fail = withJobScope(async (job: Job) => {
      throw new Error(`${job.name} ${marker}`);
    });
    track(new Worker(name, fail, { connection: backends.connection }));
    const child = { name: 'child', queueName: name, opts: { ignoreDependencyOnFailure: true } };
    const tree = await asBob(() =>
      flows.add({ name: 'parent', queueName: name, data: { p: 1 }, children: [child] }),
    );
    const [other] = await asBob(() => flows.addBulk([{ name: 'single', queueName: name }]));
    for (const node of [tree.job, tree.children?.[0]?.job, other?.job]) {
      expect(await settled(queue, node?.id)).toBe('failed');
      expect(stampOf(await queue.getJob(String(node?.id)))).toMatch(/^x1\./);
    }
    const events = await eventsAbout(backends.inbox, marker);
    expect(events.map((e) => e.transaction).sort()).toEqual(
      ['child', 'parent', 'single'].map((n) => `job ${name}/${n}`),
    );
    for (const event of events) expect(event.user).toEqual(storedBob);
  });

  it('adds without a stamp when there is no propagationKey, or no user', async () => {
    start({ propagationKey: undefined });
    const queue = track(
      withUser(new Queue(queueName('nokey'), { connection: backends.connection })),
    );
    const unkeyed = await asBob(() => queue.add('a', { n: 1 }));
    start();
    const anonymous = await withIsolationScope(() => queue.add('b', { n: 2 }));
    for (const job of [unkeyed, anonymous]) {
      expect((await queue.getJob(String(job.id)))?.opts).not.toHaveProperty('x_user');
    }
  });

  it('never fails or waits long because of @x: a hanging or throwing user resolver means no stamp', async () => {
    start({ userResolverTimeoutMs: 100 });
    const queue = track(
      withUser(new Queue(queueName('slow'), { connection: backends.connection })),
    );
    const resolvers = [
      () => new Promise<never>(() => undefined),
      () => {
        throw new Error('auth down');
      },
    ];
    for (const resolver of resolvers) {
      const started = Date.now();
      const job = await withIsolationScope(async () => {
        getIsolationScope().setUserResolver(resolver);
        return queue.add('a', { n: 1 });
      });
      expect(Date.now() - started).toBeLessThan(1000);
      expect((await queue.getJob(String(job.id)))?.opts).not.toHaveProperty('x_user');
    }
  });

  it('is applied once: wrapping again changes nothing', async () => {
    const queue = new Queue(queueName('twice'), { connection: backends.connection });
    track(queue);
    const add = withUser(queue).add;
    expect(withUser(queue).add).toBe(add);
  });
});

describe('withJobScope', () => {
  it('names UnrecoverableError (one event, tagged) and never captures BullMQ’s control flow', async () => {
    const marker = randomUUID();
    const name = queueName('flow-control');
    const queue = track(withUser(new Queue(name, { connection: backends.connection })));
    const processor = withJobScope(async (job: Job, token?: string) => {
      if (job.name === 'delay' && job.attemptsStarted === 1) {
        await job.moveToDelayed(Date.now() + 20, token);
        throw new DelayedError();
      }
      throw job.name === 'fatal'
        ? new UnrecoverableError(`fatal ${marker}`)
        : new Error(`after delay ${marker}`);
    });
    track(new Worker(name, processor, { connection: backends.connection }));
    const [fatal, delayed] = await asBob(() =>
      Promise.all([queue.add('fatal', {}, { attempts: 3 }), queue.add('delay', {})]),
    );
    expect(await settledJob(queue, fatal)).toBe('failed');
    expect(await settledJob(queue, delayed)).toBe('failed');
    const events = await eventsAbout(backends.inbox, marker);
    const byName = Object.fromEntries(events.map((e) => [e.transaction, e]));
    expect(events).toHaveLength(2);
    expect(byName[`job ${name}/fatal`]?.tags).toMatchObject({ 'bullmq.unrecoverable': 'true' });
    expect(byName[`job ${name}/delay`]?.tags?.['bullmq.unrecoverable']).toBeUndefined();
    for (const event of events) expect(event.user).toEqual(storedBob);
  });

  it('passes the abort signal only to a processor that declares it, as BullMQ does', () => {
    expect(withJobScope(async (_job: Job) => 1).length).toBe(1);
    expect(
      withJobScope(async (_job: Job, _token?: string, _signal?: AbortSignal) => 1).length,
    ).toBe(3);
  });
});
