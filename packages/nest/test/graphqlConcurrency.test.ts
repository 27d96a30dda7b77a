// Overlapping GraphQL requests of several users — some with parallel resolvers in one operation,
// random awaits, half of the fields throwing — on Express and on Fastify: every event carries its
// own request's user, never another's.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flush } from '../src/index.js';
import { type GraphqlApp, type Platform, startGraphqlApp } from './graphqlApp.js';
import { startTestInbox, storedEvent, storedEvents } from './helpers.js';

// The root test runner repeats every suite on two more Node versions with X_PACKED_SKIP set:
// there a smaller count keeps the run short.
const REQUESTS = process.env.X_PACKED_SKIP ? 100 : 600;
const USERS = ['c0', 'c1', 'c2', 'c3', 'c4'];

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(() => inbox.dispose());

const SINGLE = 'query S($t: String!, $f: Boolean) { slow(tag: $t, fail: $f) }';
const PARALLEL = `query P($t1: String!, $f1: Boolean, $t2: String!, $f2: Boolean) {
  a: slow(tag: $t1, fail: $f1) b: slow(tag: $t2, fail: $f2) me: eventUser { id } report
}`;

/** One request: its user, the tags of the fields that throw, and what came back. */
async function overlap(target: GraphqlApp, i: number) {
  const sub = USERS[i % USERS.length] ?? 'c0';
  const parallel = i % 3 === 0;
  const fail = (n: number) => (i + n) % 2 === 0;
  const variables = parallel
    ? { t1: `r${i}a-${sub}`, f1: fail(0), t2: `r${i}b-${sub}`, f2: fail(1) }
    : { t: `r${i}-${sub}`, f: fail(0) };
  const { status, body } = await target.post(parallel ? PARALLEL : SINGLE, { variables, sub });
  const data = (body as { data?: { me?: { id?: string }; report?: string } }).data;
  const failing = parallel
    ? [fail(0) && variables.t1, fail(1) && variables.t2]
    : [fail(0) && variables.t];
  return {
    sub,
    status,
    me: parallel ? data?.me?.id : sub,
    report: data?.report,
    failing: failing.filter((tag): tag is string => typeof tag === 'string'),
  };
}

describe.each(['express', 'fastify'] as Platform[])('GraphQL concurrency on %s', (platform) => {
  let target: GraphqlApp;
  beforeAll(async () => {
    target = await startGraphqlApp(platform, {
      dsn: inbox.dsn,
      sendDefaultPii: true,
      sendClientReports: false,
    });
  });
  afterAll(() => target.app.close());

  it(`${REQUESTS} overlapping requests of ${USERS.length} users: every event carries its own request’s user`, async () => {
    const before = (await storedEvents(inbox)).length;
    const results = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) => overlap(target, i)),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    // getEventUser inside a resolver: the request's own user, too.
    expect(results.filter((r) => r.me !== r.sub)).toEqual([]);

    expect(await flush(10_000)).toBe(true);
    const events = (await storedEvents(inbox)).slice(before);
    const ownerOfTag = new Map(results.flatMap((r) => r.failing.map((tag) => [tag, r.sub])));
    const ownerOfReport = new Map(results.flatMap((r) => (r.report ? [[r.report, r.sub]] : [])));
    expect(events).toHaveLength(ownerOfTag.size + ownerOfReport.size);
    expect(ownerOfTag.size).toBeGreaterThan(REQUESTS / 3);

    const foreign = events.filter((event) => {
      const tag = /^Error: slow failed: (.+)$/.exec(event.title)?.[1];
      const owner = tag ? ownerOfTag.get(tag) : ownerOfReport.get(event.id);
      return event.user_key !== `id:${owner}`;
    });
    expect(foreign).toEqual([]);

    // A sample of full events: each named after its own operation (reports run in P only).
    const sample = events.slice(0, 30);
    const stored = await Promise.all(sample.map((e) => storedEvent(inbox, e.id)));
    expect(stored.map((e) => e.transaction)).toEqual(
      sample.map((e) => (/^Error: slow failed: r\d+-/.test(e.title) ? 'query S' : 'query P')),
    );
  }, 120_000);
});
