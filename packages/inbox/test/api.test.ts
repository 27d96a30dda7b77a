// Grouping, users affected, the JSON API's shapes and paging, and what survives a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDetail, EventSummary, IssueDetail, IssueSummary, Page } from '../src/index';
import {
  expectValidEvent,
  get,
  newEventId,
  post,
  sendEvent,
  startTestInbox,
  type TestInbox,
} from './helpers';

function crash(type: string, fn: string, user: Record<string, unknown> | undefined, extra = {}) {
  return {
    event_id: newEventId(),
    platform: 'node',
    sdk: { name: 'x', version: '1', settings: { infer_ip: 'never' } },
    exception: {
      values: [
        {
          type,
          value: `${type} at ${Math.random()}`,
          stacktrace: {
            frames: [
              { function: 'runMain', module: 'node:internal', in_app: false, lineno: 1 },
              {
                function: fn,
                module: 'app.orders',
                filename: '/srv/app/orders.js',
                in_app: true,
                lineno: 10,
              },
            ],
          },
          mechanism: { type: 'onerror', handled: false },
        },
      ],
    },
    ...(user ? { user } : {}),
    ...extra,
  };
}

let inbox: TestInbox;
const ids: Record<string, string> = {};
beforeAll(async () => {
  inbox = await startTestInbox();
  // Issue A: TypeError in checkout — 4 events, 3 distinct users, one anonymous.
  ids.a1 = (
    await sendEvent(inbox, crash('TypeError', 'checkout', { id: 'u1' }, { release: 'r1' }))
  ).id;
  ids.a2 = (
    await sendEvent(inbox, crash('TypeError', 'checkout', { id: 'u1', email: 'x@y.z' }))
  ).id;
  ids.a3 = (await sendEvent(inbox, crash('TypeError', 'checkout', { email: 'e@x.dev' }))).id;
  ids.a4 = (await sendEvent(inbox, crash('TypeError', 'checkout', { username: 'zed' }))).id;
  ids.a5 = (
    await sendEvent(
      inbox,
      crash('TypeError', 'checkout', undefined, {
        release: 'r2',
        server_name: 'web-2',
        level: 'fatal',
      }),
    )
  ).id;
  // Issue B: same type, another in-app function.
  ids.b1 = (await sendEvent(inbox, crash('TypeError', 'refund', { id: 'u1' }))).id;
  // Issue C and D: fingerprints override the stack.
  ids.c1 = (
    await sendEvent(inbox, crash('RangeError', 'a', { id: 'u2' }, { fingerprint: ['db-down'] }))
  ).id;
  ids.c2 = (
    await sendEvent(inbox, crash('SyntaxError', 'b', { id: 'u3' }, { fingerprint: ['db-down'] }))
  ).id;
  // Issue E: messages group by their template.
  ids.e1 = (await sendEvent(inbox, { message: 'Disk full', level: 'warning' })).id;
  ids.e2 = (await sendEvent(inbox, { message: 'Disk full', level: 'warning' })).id;
});
afterAll(() => inbox.dispose());

const issueOf = async (id: string) => (await get<EventDetail>(inbox, `/api/events/${id}`)).issue_id;

describe('grouping and users affected', () => {
  it('groups by exception type + in-app frames, fingerprint, or message', async () => {
    const [a1, a2, a3, a4, a5, b1, c1, c2, e1, e2] = await Promise.all(
      ['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'c1', 'c2', 'e1', 'e2'].map((k) =>
        issueOf(ids[k] as string),
      ),
    );
    expect(new Set([a1, a2, a3, a4, a5]).size).toBe(1);
    expect(new Set([a1, b1, c1, e1]).size).toBe(4);
    expect(c2).toBe(c1);
    expect(e2).toBe(e1);
  });

  it('counts distinct user keys per issue and keeps the latest release/server/level', async () => {
    const issue = await get<IssueDetail>(inbox, `/api/issues/${await issueOf(ids.a1 as string)}`);
    expect(issue).toMatchObject({
      title: expect.stringMatching(/^TypeError: TypeError at /),
      culprit: 'app.orders in checkout',
      level: 'fatal',
      event_count: 5,
      user_count: 3,
      release: 'r2',
      server_name: 'web-2',
      last_event_id: ids.a5,
    });
    expect(issue.users.map((u) => [u.user_key, u.event_count])).toEqual([
      ['id:u1', 2],
      ['username:zed', 1],
      ['email:e@x.dev', 1],
    ]);
    expect(issue.users[0]?.user).toEqual({ id: 'u1', email: 'x@y.z', sentry_user: 'id:u1' });
    expect(Date.parse(issue.first_seen)).toBeLessThanOrEqual(Date.parse(issue.last_seen));
  });
});

describe('GET /api/events', () => {
  it('lists newest first with the documented summary shape', async () => {
    const page = await get<Page<EventSummary>>(inbox, '/api/events?limit=1');
    expect(page.data).toHaveLength(1);
    const [latest] = page.data;
    expect(latest).toEqual({
      id: ids.e2,
      issue_id: await issueOf(ids.e1 as string),
      project_id: 1,
      received: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'warning',
      title: 'Disk full',
      user_key: null,
      user: null,
      transaction: null,
      trace_id: null,
    });
    expect(typeof page.next_cursor).toBe('string');
  });

  it('pages with cursors through everything exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: Page<EventSummary> = await get(inbox, `/api/events?limit=3&cursor=${cursor}`);
      seen.push(...page.data.map((e) => e.id));
      cursor = page.next_cursor;
    }
    expect(seen).toEqual(
      ['e2', 'e1', 'c2', 'c1', 'b1', 'a5', 'a4', 'a3', 'a2', 'a1'].map((k) => ids[k]),
    );
  });

  it('filters by issue, user and since', async () => {
    const issue = await issueOf(ids.a1 as string);
    const byIssue = await get<Page<EventSummary>>(inbox, `/api/events?issue=${issue}`);
    expect(byIssue.data.map((e) => e.id)).toEqual(
      ['a5', 'a4', 'a3', 'a2', 'a1'].map((k) => ids[k]),
    );
    const byUser = await get<Page<EventSummary>>(inbox, '/api/events?user=id:u1');
    expect(byUser.data.map((e) => e.id)).toEqual(['b1', 'a2', 'a1'].map((k) => ids[k]));
    const both = await get<Page<EventSummary>>(inbox, `/api/events?user=id:u1&issue=${issue}`);
    expect(both.data.map((e) => e.id)).toEqual(['a2', 'a1'].map((k) => ids[k]));
    const future = await get<Page<EventSummary>>(inbox, `/api/events?since=${Date.now() + 60_000}`);
    expect(future.data).toEqual([]);
    const iso = await get<Page<EventSummary>>(
      inbox,
      '/api/events?since=2000-01-01T00:00:00Z&limit=2',
    );
    expect(iso.data).toHaveLength(2);
  });

  it('rejects bad parameters with 400', async () => {
    expect(await get(inbox, '/api/events?limit=0', 400)).toEqual({
      detail: 'limit must be 1…1000',
    });
    expect(await get(inbox, '/api/events?cursor=%%%', 400)).toEqual({ detail: 'invalid cursor' });
    // Well-formed JSON with the wrong number of parts (would bind a missing value in SQL).
    const cursorOf = (position: unknown) =>
      Buffer.from(JSON.stringify(position)).toString('base64url');
    expect(await get(inbox, `/api/events?cursor=${cursorOf([])}`, 400)).toEqual({
      detail: 'invalid cursor',
    });
    expect(await get(inbox, `/api/issues?cursor=${cursorOf([5])}`, 400)).toEqual({
      detail: 'invalid cursor',
    });
    expect(await get(inbox, '/api/events?since=soon', 400)).toEqual({
      detail: 'since must be an ISO date or ms since the epoch',
    });
    expect(await get(inbox, '/api/events/ffffffffffffffffffffffffffffffff', 404)).toEqual({
      detail: 'event not found',
    });
  });
});

describe('GET /api/issues', () => {
  it('sorts by users, events, first and last seen, and pages', async () => {
    const byUsers = await get<Page<IssueSummary>>(inbox, '/api/issues?sort=users');
    expect(byUsers.data.map((i) => i.user_count)).toEqual([3, 2, 1, 0]);
    const byEvents = await get<Page<IssueSummary>>(inbox, '/api/issues?sort=events');
    expect(byEvents.data.map((i) => i.event_count)).toEqual([5, 2, 2, 1]);
    const byLast = await get<Page<IssueSummary>>(inbox, '/api/issues');
    expect(byLast.data[0]?.title).toBe('Disk full');
    const byFirst = await get<Page<IssueSummary>>(inbox, '/api/issues?sort=first_seen');
    expect(byFirst.data.at(-1)?.culprit).toBe('app.orders in checkout');

    const first = await get<Page<IssueSummary>>(inbox, '/api/issues?sort=events&limit=2');
    const second = await get<Page<IssueSummary>>(
      inbox,
      `/api/issues?sort=events&limit=2&cursor=${first.next_cursor}`,
    );
    expect([...first.data, ...second.data].map((i) => i.id)).toEqual(
      byEvents.data.map((i) => i.id),
    );
    expect(second.next_cursor).toBeNull();
    expect(await get(inbox, '/api/issues?sort=name', 400)).toEqual({
      detail: 'sort must be one of last_seen, first_seen, events, users',
    });
    expect(await get(inbox, '/api/issues/999', 404)).toEqual({ detail: 'issue not found' });
  });
});

describe('transaction filter (GET /api/events?transaction=, GET /api/issues?transaction=)', () => {
  const BOOM = 'GET /boom/:id';
  const USERS = 'GET /users/[id]';
  let routes: TestInbox;
  const ev: Record<string, EventDetail> = {};
  beforeAll(async () => {
    routes = await startTestInbox();
    // Issue X (checkout): twice on BOOM, then on USERS (its latest). Issue Y (refund): USERS.
    // Issue Z: no transaction. W: a route with LIKE wildcards.
    ev.x1 = await sendEvent(
      routes,
      crash('TypeError', 'checkout', undefined, { transaction: BOOM }),
    );
    ev.x2 = await sendEvent(
      routes,
      crash('TypeError', 'checkout', undefined, { transaction: BOOM }),
    );
    ev.x3 = await sendEvent(
      routes,
      crash('TypeError', 'checkout', undefined, { transaction: USERS }),
    );
    ev.y1 = await sendEvent(
      routes,
      crash('TypeError', 'refund', undefined, { transaction: USERS }),
    );
    ev.z1 = await sendEvent(routes, crash('TypeError', 'cancel', undefined));
    ev.w1 = await sendEvent(
      routes,
      crash('TypeError', 'odd', undefined, { transaction: 'GET /a_%' }),
    );
  });
  afterAll(() => routes.dispose());
  const q = (value: string) => encodeURIComponent(value);
  const eventIds = (page: Page<EventSummary>) => page.data.map((e) => e.id);

  it('lists the events of one transaction, newest first, with their transaction', async () => {
    const boom = await get<Page<EventSummary>>(routes, `/api/events?transaction=${q(BOOM)}`);
    expect(eventIds(boom)).toEqual([ev.x2?.id, ev.x1?.id]);
    expect(boom.data.map((e) => e.transaction)).toEqual([BOOM, BOOM]);
    const users = await get<Page<EventSummary>>(routes, `/api/events?transaction=${q(USERS)}`);
    expect(eventIds(users)).toEqual([ev.y1?.id, ev.x3?.id]);
    expect(ev.x1?.transaction).toBe(BOOM);
    expect(ev.z1?.transaction).toBeNull();
  });

  it('pages and combines with the issue filter; unknown or wildcard-like values match nothing else', async () => {
    const first = await get<Page<EventSummary>>(
      routes,
      `/api/events?transaction=${q(USERS)}&limit=1`,
    );
    const second = await get<Page<EventSummary>>(
      routes,
      `/api/events?transaction=${q(USERS)}&limit=1&cursor=${first.next_cursor}`,
    );
    expect([...eventIds(first), ...eventIds(second)]).toEqual([ev.y1?.id, ev.x3?.id]);
    expect(second.next_cursor).toBeNull();
    const inIssue = await get<Page<EventSummary>>(
      routes,
      `/api/events?transaction=${q(USERS)}&issue=${ev.x1?.issue_id}`,
    );
    expect(eventIds(inIssue)).toEqual([ev.x3?.id]);
    expect(
      (await get<Page<EventSummary>>(routes, '/api/events?transaction=GET%20%2Fnope')).data,
    ).toEqual([]);
    expect(
      (await get<Page<EventSummary>>(routes, '/api/events?transaction=GET%20%2Fab')).data,
    ).toEqual([]);
    expect(eventIds(await get(routes, `/api/events?transaction=${q('GET /a_%')}`))).toEqual([
      ev.w1?.id,
    ]);
    // Empty means no filter.
    expect((await get<Page<EventSummary>>(routes, '/api/events?transaction=')).data).toHaveLength(
      6,
    );
  });

  it("lists issues with an event of that transaction; an issue's transaction is its latest event's", async () => {
    const [x, y, z] = [ev.x1?.issue_id, ev.y1?.issue_id, ev.z1?.issue_id];
    expect(new Set([x, y, z]).size).toBe(3);
    const boom = await get<Page<IssueSummary>>(routes, `/api/issues?transaction=${q(BOOM)}`);
    expect(boom.data.map((i) => i.id)).toEqual([x]);
    expect(boom.data[0]?.transaction).toBe(USERS);
    const users = await get<Page<IssueSummary>>(
      routes,
      `/api/issues?transaction=${q(USERS)}&sort=events`,
    );
    expect(users.data.map((i) => [i.id, i.transaction])).toEqual([
      [x, USERS],
      [y, USERS],
    ]);
    const paged = await get<Page<IssueSummary>>(
      routes,
      `/api/issues?transaction=${q(USERS)}&sort=events&limit=1&cursor=${
        (
          await get<Page<IssueSummary>>(
            routes,
            `/api/issues?transaction=${q(USERS)}&sort=events&limit=1`,
          )
        ).next_cursor
      }`,
    );
    expect(paged.data.map((i) => i.id)).toEqual([y]);
    expect((await get<IssueDetail>(routes, `/api/issues/${z}`)).transaction).toBeNull();
    expect((await get<Page<IssueSummary>>(routes, '/api/issues?transaction=nope')).data).toEqual(
      [],
    );
    expect((await get<Page<IssueSummary>>(routes, '/api/issues?transaction=')).data).toHaveLength(
      4,
    );
  });
});

describe('stored form', () => {
  it('moves custom user keys under data, records dropped values in _meta, fits the schema', async () => {
    const detail = await sendEvent(inbox, {
      message: 'shapes',
      platform: 'node',
      user: {
        id: 12,
        email: 'x'.repeat(80),
        Email: 'custom@case.dev',
        data: { plan: 'free', seats: 3 },
        plan: 'pro',
        name: 'Ann',
        geo: { country_code: 'Germany', city: 'Berlin' },
      },
      breadcrumbs: [{ message: 'clicked', level: 'log', timestamp: 1 }],
      tags: { retries: 3, ok: true, route: '/x' },
      fingerprint: ['{{ default }}', 42],
      not_a_field: 'dropped',
      release: 7,
    });
    expectValidEvent(detail.event);
    const e = detail.event;
    expect(e.user).toEqual({
      id: '12',
      name: 'Ann',
      geo: { city: 'Berlin' },
      data: { plan: 'pro', seats: 3, Email: 'custom@case.dev' },
      sentry_user: 'id:12',
    });
    expect(e._meta).toEqual({
      not_a_field: {
        '': { err: [['invalid_attribute', { reason: 'unknown attribute' }]], val: 'dropped' },
      },
      user: {
        email: {
          '': {
            err: [['invalid_data', { reason: 'longer than 75 characters' }]],
            val: 'x'.repeat(80),
          },
        },
        geo: {
          country_code: {
            '': {
              err: [['invalid_data', { reason: 'expected a two-letter country code' }]],
              val: 'Germany',
            },
          },
        },
      },
    });
    expect(e.breadcrumbs).toEqual({
      values: [{ message: 'clicked', level: 'info', timestamp: 1 }],
    });
    expect(e.tags).toEqual({ retries: '3', ok: 'true', route: '/x' });
    expect(e.fingerprint).toEqual(['{{ default }}', '42']);
    expect(e.release).toBe('7');
    expect(e.logentry).toEqual({ formatted: 'shapes' });
  });

  it('keeps "__proto__" keys as plain data (no prototype pollution)', async () => {
    const id = newEventId();
    const raw = `{"event_id":"${id}","message":"proto","__proto__":{"polluted":1},"extra":{"__proto__":{"x":1}},"user":{"id":"p","__proto__":{"admin":true}}}`;
    const answer = await post(inbox, `{}\n{"type":"event"}\n${raw}\n`);
    expect(answer.status).toBe(200);
    const e = (await get<EventDetail>(inbox, `/api/events/${id}`)).event;
    expect(JSON.stringify(e.extra)).toBe('{"__proto__":{"x":1}}');
    expect(e.user).toEqual({ id: 'p', sentry_user: 'id:p' });
    expect(Object.keys(e._meta as object)).toEqual(['__proto__', 'user']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>)['']).toBeUndefined();
  });

  it('replaces a timestamp far in the future with the reception time', async () => {
    const e = (await sendEvent(inbox, { message: 'future', timestamp: 1e300 })).event;
    expect(e.timestamp).toBe(e.received);
    expect(e._meta).toEqual({
      timestamp: {
        '': {
          err: [['invalid_data', { reason: 'timestamp is too far in the future' }]],
          val: 1e300,
        },
      },
    });
  });

  it('accepts the legacy store endpoint (JSON event, key in the query)', async () => {
    const id = newEventId();
    const answer = await post(
      inbox,
      JSON.stringify({ event_id: id, message: 'legacy', user: { id: 'old' } }),
      {
        path: '/api/1/store/?sentry_key=xinboxdevkey',
        auth: null,
        headers: { 'Content-Type': 'application/json' },
      },
    );
    expect(answer).toMatchObject({ status: 200, body: { id } });
    const e = (await get<EventDetail>(inbox, `/api/events/${id}`)).event;
    expect([e.logentry, e.user]).toEqual([
      { formatted: 'legacy' },
      { id: 'old', sentry_user: 'id:old' },
    ]);
  });

  it('ignores a duplicate event id (the first one stays)', async () => {
    const id = newEventId();
    await sendEvent(inbox, { event_id: id, message: 'first' });
    const again = await sendEvent(inbox, { event_id: id, message: 'second' });
    expect(again.title).toBe('first');
  });
});
