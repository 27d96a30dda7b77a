// The demo contract's background jobs: an app with `POST /jobs/boom` and a worker of its own, on a
// real Redis. Every failed attempt is stored with the user who added the job, its job context and
// its `job …` transaction, however the requests overlap.
import { startAppProcess, startInboxProcess } from '@x/test-kit/processes';
import { startRedis } from '@x/test-kit/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../accounts.js';
import { bearer, type Running, tokenFor } from './helpers.js';

const TRANSACTION = 'job demo-jobs/boom';
/** The contract's count; the runs on other Node versions (X_PACKED_SKIP) take a tenth. */
const JOBS = process.env.X_PACKED_SKIP === '1' ? 90 : 900;

interface JobEvent {
  id: string;
  user: { id?: string } | null;
  transaction: string | null;
  event: {
    transaction?: string;
    request?: unknown;
    contexts?: { job?: { queue?: string; id?: string; name?: string; attempt?: number } };
  };
}

export function describeJobs(name: string, entry: string): void {
  describe(`${name}: background jobs carry the user who added them`, () => {
    const running = {} as Running;
    let stopRedis: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const redis = await startRedis();
      stopRedis = redis.stop;
      running.inbox = await startInboxProcess();
      running.app = await startAppProcess(entry, {
        X_DSN: running.inbox.dsn,
        REDIS_URL: redis.url,
      });
    }, 60_000);
    afterAll(async () => {
      await running.app?.stop();
      await running.inbox?.stop();
      await stopRedis?.();
    });

    itAnswersAccepted(running);
    itKeepsEachJobsUser(running);
    itReportsEveryAttempt(running);
  });
  if (process.env.X_PACKED_SKIP !== '1') describeWithoutRedis(name, entry);
}

/** Adds one job as `token`'s user; the job's id. */
async function addJob(app: string, token: string, query = ''): Promise<string> {
  const res = await fetch(`${app}/jobs/boom${query}`, { method: 'POST', headers: bearer(token) });
  expect(res.status).toBe(202);
  const { jobId } = (await res.json()) as { jobId: unknown };
  expect(jobId).toEqual(expect.any(String));
  return jobId as string;
}

/** The full stored events of `transaction` whose job is one of `ids`, once `count` are there. */
async function jobEvents(inbox: string, ids: Set<string>, count: number): Promise<JobEvent[]> {
  const deadline = Date.now() + 60_000;
  let mine: { id: string }[] = [];
  while (Date.now() < deadline) {
    const listed = await listTransaction(inbox);
    const details = await detailsOf(inbox, listed);
    const ofIds = details.filter((e) => ids.has(String(e.event.contexts?.job?.id)));
    mine = ofIds;
    if (ofIds.length >= count) return ofIds;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${mine.length} of ${count} job events stored within a minute`);
}

/** Every event summary of the demo's job transaction (all pages). */
async function listTransaction(inbox: string): Promise<{ id: string }[]> {
  const all: { id: string }[] = [];
  let cursor = '';
  do {
    const url = `${inbox}/api/events?transaction=${encodeURIComponent(TRANSACTION)}&limit=1000${cursor}`;
    const page = (await (await fetch(url)).json()) as {
      data: { id: string }[];
      next_cursor?: string | null;
    };
    all.push(...page.data);
    cursor = page.next_cursor ? `&cursor=${encodeURIComponent(page.next_cursor)}` : '';
  } while (cursor);
  return all;
}

const detailCache = new Map<string, JobEvent>();
/** The stored events behind `summaries`, 50 requests at a time (each fetched once). */
async function detailsOf(inbox: string, summaries: { id: string }[]): Promise<JobEvent[]> {
  const missing = summaries.filter((s) => !detailCache.has(`${inbox}/${s.id}`));
  for (let i = 0; i < missing.length; i += 50) {
    await Promise.all(
      missing.slice(i, i + 50).map(async ({ id }) => {
        const res = await fetch(`${inbox}/api/events/${id}`);
        detailCache.set(`${inbox}/${id}`, (await res.json()) as JobEvent);
      }),
    );
  }
  return summaries.map((s) => detailCache.get(`${inbox}/${s.id}`) as JobEvent);
}

function itAnswersAccepted(running: Running): void {
  it('POST /jobs/boom answers 202 { jobId } for a signed-in user, 401 without one', async () => {
    const { app } = running;
    expect((await fetch(`${app.url}/jobs/boom`, { method: 'POST' })).status).toBe(401);
    const jobId = await addJob(app.url, await tokenFor(app.url, 'alice'));
    expect(jobId).toMatch(/^\d+$/);
  });
}

function itKeepsEachJobsUser(running: Running): void {
  it(`${JOBS} jobs added by 3 users in overlapping requests: each event has its job's user`, async () => {
    const { app, inbox } = running;
    const tokens = await Promise.all(accounts.map((a) => tokenFor(app.url, a.username)));
    const userOf = new Map<string, string>();
    // 30 requests in flight at a time, the users interleaved.
    for (let i = 0; i < JOBS; i += 30) {
      await Promise.all(
        Array.from({ length: Math.min(30, JOBS - i) }, async (_, k) => {
          const n = i + k;
          const jobId = await addJob(app.url, tokens[n % 3] ?? '');
          userOf.set(jobId, accounts[n % 3]?.id ?? '');
        }),
      );
    }
    expect(userOf.size).toBe(JOBS);

    const events = await jobEvents(inbox.url, new Set(userOf.keys()), JOBS);
    expect(events).toHaveLength(JOBS); // one attempt each: one event each
    const counts: Record<string, number> = {};
    for (const e of events) {
      const job = e.event.contexts?.job;
      expect(e.user?.id).toBe(userOf.get(String(job?.id)));
      expect(e.transaction).toBe(TRANSACTION);
      expect(job).toMatchObject({ queue: 'demo-jobs', name: 'boom', attempt: 1, attempts: 1 });
      expect(e.event.request).toBeUndefined();
      counts[e.user?.id ?? 'none'] = (counts[e.user?.id ?? 'none'] ?? 0) + 1;
    }
    expect(counts).toEqual(Object.fromEntries(accounts.map((a) => [a.id, JOBS / 3])));
  }, 180_000);
}

function itReportsEveryAttempt(running: Running): void {
  it('a job with 3 attempts that always fails is 3 events, each with its user', async () => {
    const { app, inbox } = running;
    const jobId = await addJob(app.url, await tokenFor(app.url, 'carol'), '?attempts=3');
    const events = await jobEvents(inbox.url, new Set([jobId]), 3);
    expect(events.map((e) => e.event.contexts?.job?.attempt).sort()).toEqual([1, 2, 3]);
    expect(events.map((e) => e.user?.id)).toEqual(['u-carol', 'u-carol', 'u-carol']);
  }, 60_000);
}

function describeWithoutRedis(name: string, entry: string): void {
  describe(`${name}: without Redis`, () => {
    const running = {} as Running;
    beforeAll(async () => {
      running.inbox = await startInboxProcess();
      // A port nothing listens on: the app must start, say so once, and serve the rest.
      running.app = await startAppProcess(entry, {
        X_DSN: running.inbox.dsn,
        REDIS_URL: 'redis://127.0.0.1:9',
      });
    }, 60_000);
    afterAll(async () => {
      await running.app?.stop();
      await running.inbox?.stop();
    });

    it('says in one line that the jobs part is off, answers 503 there and works elsewhere', async () => {
      const { app } = running;
      const lines = app.output.join('').split('\n');
      expect(lines.filter((l) => l.includes('jobs off'))).toHaveLength(1);
      const token = await tokenFor(app.url, 'bob');
      const res = await fetch(`${app.url}/jobs/boom`, { method: 'POST', headers: bearer(token) });
      expect(res.status).toBe(503);
      expect((await fetch(`${app.url}/boom`, { headers: bearer(token) })).status).toBe(500);
    });
  });
}
