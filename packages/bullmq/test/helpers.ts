import { randomUUID } from 'node:crypto';
import { close, flush, init } from '@x/bullmq';
import { startTestInbox, storedEvent, storedEvents } from '@x/test-kit/inbox';
import { startRedis } from '@x/test-kit/redis';
import type { Job, Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

export { startTestInbox, storedEvent, storedEvents };

/** The propagation key every "service" of these tests shares. */
export const KEY = 'bullmq-test-propagation-key-0123456789';

/** A Redis and an inbox for one test file; `stop()` ends both. */
export async function startBackends() {
  const [redis, inbox] = await Promise.all([startRedis(), startTestInbox()]);
  return {
    inbox,
    /** BullMQ's `connection` option; workers need `maxRetriesPerRequest: null`. */
    connection: { url: redis.url, maxRetriesPerRequest: null },
    async stop() {
      await Promise.all([redis.stop(), inbox.dispose()]);
    },
  };
}

/** What a test opens and the file's hooks close: a queue, a worker, an app, a server. */
export interface Closable {
  close(): Promise<unknown> | unknown;
}

/**
 * A Redis and an inbox for the whole test file (started before its tests, stopped after), and
 * `track(…)`: what a test opened, closed after it. `x` says who starts @x: `'file'` — here, once,
 * on these backends with {@link KEY}, closed at the end; `'each'` — the tests themselves, closed
 * (after what they opened) after each; `'tests'` — the tests, and they close it.
 */
export function useBackends(x: 'file' | 'each' | 'tests') {
  let started: Awaited<ReturnType<typeof startBackends>> | undefined;
  const open: Closable[] = [];
  const backends = () => {
    if (!started) throw new Error('the backends start in beforeAll');
    return started;
  };
  beforeAll(async () => {
    started = await startBackends();
    if (x === 'file')
      init({ dsn: started.inbox.dsn, sendClientReports: false, propagationKey: KEY });
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
    if (x === 'each') await close(2000);
  });
  afterAll(async () => {
    if (x === 'file') await close(2000);
    await started?.stop();
  });
  return {
    get inbox() {
      return backends().inbox;
    },
    get connection() {
      return backends().connection;
    },
    /** Closes `closable` (and `more`) after the test; returns `closable`. */
    track<T extends Closable>(closable: T, ...more: Closable[]): T {
      open.push(closable, ...more);
      return closable;
    },
  };
}

/** The stamp a job's options carry (`x_user`), if any. */
export const stampOf = (job: { opts?: unknown } | undefined): unknown =>
  (job?.opts as Record<string, unknown> | undefined)?.x_user;

/** A queue name no other test uses. */
export const queueName = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

/** Resolves once the job is completed or failed for good (its last attempt), with that state. */
export async function settled(queue: Queue, id: string | undefined, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await queue.getJobState(String(id));
    if (state === 'completed' || state === 'failed') return state;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} did not settle within ${timeoutMs} ms`);
}

/** The job's state once settled. */
export async function settledJob(queue: Queue, job: Job | undefined) {
  return settled(queue, job?.id);
}

/** Every full event the inbox stored whose title mentions `marker`, oldest first. */
export async function eventsAbout(inbox: { url: string }, marker: string) {
  expect(await flush(5000)).toBe(true);
  const listed = (await storedEvents(inbox)).filter((e) => e.title.includes(marker));
  return Promise.all(listed.map((e) => storedEvent(inbox, e.id)));
}
