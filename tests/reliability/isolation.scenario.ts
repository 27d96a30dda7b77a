// Isolation at scale: 10,000 overlapping requests from 1,000 users, mixed success / error / async
// paths, on each sample app — zero events with another request's user. The app answers /whoami
// with the user @x would send and /report with an event id, and each /boom/async error is counted
// per user.
import { join } from 'node:path';
import { type Started, startAppProcess, startInboxProcess } from '@x/test-kit/processes';
import jsonwebtoken from 'jsonwebtoken';
import { encode } from 'next-auth/jwt';
import { afterAll, describe, expect, it } from 'vitest';
import { load, ms, percentile, record, root, sleep } from './harness';

const SECRET = 'x-demo-secret';
const USERS = 1000;
const REQUESTS = 10_000;

const apps = {
  koa: join(root, 'apps/koa-demo/dist/server.js'),
  nest: join(root, 'apps/nest-demo/dist/main.js'),
  next: join(root, 'apps/next-demo/server.mjs'),
};

const started: Started[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

async function tokensFor(which: keyof typeof apps): Promise<string[]> {
  return Promise.all(
    Array.from({ length: USERS }, (_, u) => {
      const claims = {
        sub: `user-${u}`,
        username: `name-${u}`,
        email: `u${u}@example.com`,
        subscription: `plan-${u % 7}`,
      };
      if (which === 'next')
        return encode({ secret: SECRET, token: { ...claims, name: claims.username } });
      return jsonwebtoken.sign(claims, SECRET);
    }),
  );
}

describe('isolation at scale', () => {
  it.each(['koa', 'nest', 'next'] as const)(
    '%s: 10,000 overlapping requests, 1,000 users',
    async (which) => {
      const inbox = await startInboxProcess(['--no-geo']);
      started.push(inbox);
      const app = await startAppProcess(apps[which], { X_DSN: inbox.dsn });
      started.push(app);
      const tokens = await tokensFor(which);
      const kinds = ['/whoami', '/boom/async?delay=', '/report', '/boom'];
      const wrongWhoami: string[] = [];
      const reports = new Map<string, string>(); // event id -> user
      const run = await load({
        url: app.url,
        durationMs: 240_000,
        concurrency: 64,
        maxRequests: REQUESTS,
        next: (i) => {
          const u = (i * 7919) % USERS;
          const kind = kinds[i % kinds.length] ?? '/whoami';
          // Errors name their user in the URL, so a stored event can be checked against its request.
          const path =
            kind === '/boom/async?delay='
              ? `${kind}${i % 25}&u=user-${u}`
              : kind === '/boom'
                ? `/boom?u=user-${u}`
                : kind;
          return {
            path,
            method: kind === '/report' ? 'POST' : 'GET',
            headers: { authorization: `Bearer ${tokens[u]}` },
          };
        },
      });
      // The load helper does not keep bodies: check /whoami and /report answers in a second, smaller pass.
      const check: number[] = [];
      for (let batch = 0; batch < 2000; batch += 100) {
        // 100 at a time: a connection storm of 2,000 would test the kernel's accept queue, not @x.
        const statuses = await Promise.all(
          Array.from({ length: 100 }, async (_, k) => {
            const i = batch + k;
            const user = `user-${(i * 104729) % USERS}`;
            const token = tokens[(i * 104729) % USERS];
            const isReport = i % 2 === 0;
            const res = await fetch(`${app.url}${isReport ? '/report' : '/whoami'}`, {
              method: isReport ? 'POST' : 'GET',
              headers: { authorization: `Bearer ${token}` },
            });
            const body = (await res.json()) as { eventId?: string; user?: { id?: string } };
            if (isReport && body.eventId) reports.set(body.eventId, user);
            if (!isReport && body.user?.id !== user)
              wrongWhoami.push(`${user} saw ${body.user?.id}`);
            return res.status;
          }),
        );
        check.push(...statuses);
      }
      const thrown = run.log.filter((l) => l.path.startsWith('/boom') && l.status === 500).length;
      const expectedEvents =
        thrown +
        run.log.filter((l) => l.path === '/report' && l.status === 200).length +
        reports.size;
      // Wait for the inbox to hold them all.
      const deadline = Date.now() + 120_000;
      let stored = 0;
      while (Date.now() < deadline) {
        stored = ((await (await fetch(`${inbox.url}/api/health`)).json()) as { events: number })
          .events;
        if (stored >= expectedEvents) break;
        await sleep(500);
      }
      // Every checked report event carries exactly its request's user.
      let wrongReports = 0;
      for (const [id, user] of reports) {
        const res = await fetch(`${inbox.url}/api/events/${id}`);
        const detail = (await res.json()) as { user_key?: string };
        if (detail.user_key !== `id:${user}`) wrongReports++;
      }
      // Every stored error event carries the user its request named; every event's fields belong together.
      let mismatched = 0;
      let foreign = 0;
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page = (await (
          await fetch(`${inbox.url}/api/events?limit=500${cursor ? `&cursor=${cursor}` : ''}`)
        ).json()) as {
          data: { id: string; title: string; user: Record<string, unknown> | null }[];
          next_cursor: string | null;
        };
        for (const e of page.data) {
          const n = String(e.user?.id ?? '').replace('user-', '');
          const data = e.user?.data as { subscription?: string } | undefined;
          if (e.user?.username !== `name-${n}` || data?.subscription !== `plan-${Number(n) % 7}`)
            mismatched++;
          if (e.title === 'Error: boom') ids.push(e.id);
        }
        cursor = page.next_cursor;
      } while (cursor);
      for (let i = 0; i < ids.length; i += 16) {
        await Promise.all(
          ids.slice(i, i + 16).map(async (id) => {
            const { event } = (await (await fetch(`${inbox.url}/api/events/${id}`)).json()) as {
              event: { user?: { id?: string }; request?: { query_string?: string } };
            };
            const named = /(?:^|&)u=(user-\d+)/.exec(event.request?.query_string ?? '')?.[1];
            if (!named || named !== event.user?.id) foreign++;
          }),
        );
      }
      const ok =
        wrongWhoami.length === 0 &&
        wrongReports === 0 &&
        mismatched === 0 &&
        foreign === 0 &&
        ids.length === thrown &&
        stored === expectedEvents &&
        check.every((s) => s === 200);
      record({
        name: `isolation at scale (${which})`,
        group: 'Isolation',
        tried: `${which}-demo: ${REQUESTS} requests, 64 in flight, ${USERS} users (signed tokens), /whoami, /report, /boom, /boom/async; then 2,000 checked /whoami and /report answers`,
        figures: {
          requests: run.requests + check.length,
          'errors thrown': thrown,
          'events expected': expectedEvents,
          'events stored': stored,
          'error events checked against their request': ids.length,
          'events with a foreign user': foreign + mismatched + wrongReports,
          '/whoami answers with a foreign user': wrongWhoami.length,
          'app p99': ms(percentile(run.latencies, 99)),
        },
        ok,
      });
      await app.stop();
      expect(ok).toBe(true);
    },
  );
});
