// The search routes: a substring of the title or message on events, and one user's impact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMatch, UserDetail } from '../src/apiSearch';
import { InboxStore } from '../src/inboxStore';
import type { Page } from '../src/index';
import { openSqlite, type SqlValue } from '../src/sqlite';
import { get, newEventId, sendEvent, startTestInbox, type TestInbox } from './helpers';

function crash(type: string, value: string, user: Record<string, unknown>, extra = {}) {
  return {
    event_id: newEventId(),
    platform: 'node',
    release: 'shop@1.2.3',
    exception: {
      values: [
        {
          type,
          value,
          stacktrace: {
            frames: [{ function: 'pay', filename: '/srv/pay.js', in_app: true, lineno: 3 }],
          },
        },
      ],
    },
    user,
    ...extra,
  };
}

function message(text: string, user: Record<string, unknown>) {
  return { event_id: newEventId(), platform: 'node', message: text, user };
}

let inbox: TestInbox;
const ids: Record<string, string> = {};
beforeAll(async () => {
  inbox = await startTestInbox();
  ids.alicePay = (
    await sendEvent(inbox, crash('TypeError', 'card declined', { id: 'u-alice' }))
  ).id;
  ids.bobPay = (await sendEvent(inbox, crash('TypeError', 'card declined', { id: 'u-bob' }))).id;
  ids.aliceMsg = (
    await sendEvent(inbox, message('Payment RETRY for order 7', { id: 'u-alice' }))
  ).id;
  ids.percent = (await sendEvent(inbox, message('disk 100% full', { id: 'u-bob' }))).id;
  ids.underscore = (await sendEvent(inbox, message('bad user_id', { id: 'u-carol' }))).id;
  ids.aliceRange = (
    await sendEvent(inbox, crash('RangeError', 'too far', { id: 'u-alice' }, { release: 'r2' }))
  ).id;
});
afterAll(() => inbox.dispose());

const search = (query: string) =>
  get<Page<EventMatch>>(inbox, `/api/search/events?${query}`).then((page) =>
    page.data.map((event) => event.id),
  );

describe('GET /api/search/events', () => {
  it('finds a substring of the title, case-insensitively, newest first', async () => {
    expect(await search('q=DECLINED')).toEqual([ids.bobPay, ids.alicePay]);
  });

  it('finds a substring of the message', async () => {
    expect(await search('q=retry%20for')).toEqual([ids.aliceMsg]);
  });

  it('matches % and _ literally', async () => {
    expect(await search('q=100%25')).toEqual([ids.percent]);
    expect(await search('q=r_id')).toEqual([ids.underscore]);
    expect(await search('q=%25')).toEqual([ids.percent]);
    expect(await search('q=user%5Fid')).toEqual([ids.underscore]);
    expect(await search('q=s_r')).toEqual([]);
  });

  it('combines q with the user filter and carries the release', async () => {
    const page = await get<Page<EventMatch>>(
      inbox,
      '/api/search/events?user=id:u-alice&q=declined',
    );
    expect(page.data.map((e) => [e.id, e.user_key, e.release])).toEqual([
      [ids.alicePay, 'id:u-alice', 'shop@1.2.3'],
    ]);
    expect(await search('user=id:u-alice')).toEqual([ids.aliceRange, ids.aliceMsg, ids.alicePay]);
  });

  it('pages with a cursor', async () => {
    const first = await get<Page<EventMatch>>(inbox, '/api/search/events?limit=4');
    expect(first.data).toHaveLength(4);
    const next = await get<Page<EventMatch>>(
      inbox,
      `/api/search/events?limit=4&cursor=${first.next_cursor}`,
    );
    expect(next.next_cursor).toBeNull();
    expect([...first.data, ...next.data].map((e) => e.id).sort()).toEqual(
      Object.values(ids).sort(),
    );
  });

  it('refuses bad parameters with a 400', async () => {
    await get(inbox, '/api/search/events?limit=0', 400);
    await get(inbox, '/api/search/events?issue=x', 400);
    await get(inbox, '/api/search/events?trace_id=abc', 400);
    await get(inbox, '/api/search/events?cursor=nope', 400);
    await get(inbox, `/api/search/events?q=${'a'.repeat(201)}`, 400);
  });
});

describe('GET /api/users/:userKey', () => {
  it("answers the user's totals, issues and events", async () => {
    const alice = await get<UserDetail>(inbox, '/api/users/id%3Au-alice');
    expect(alice).toMatchObject({
      user_key: 'id:u-alice',
      user: { id: 'u-alice', sentry_user: 'id:u-alice' },
      latest_event_id: ids.aliceRange,
      event_count: 3,
      issue_count: 3,
      next_cursor: null,
    });
    expect(alice.events.map((e) => e.id)).toEqual([ids.aliceRange, ids.aliceMsg, ids.alicePay]);
    expect(alice.events.map((e) => e.release)).toEqual(['r2', null, 'shop@1.2.3']);
    expect(alice.issues.map((i) => [i.title, i.user_events])).toEqual([
      ['RangeError: too far', 1],
      ['Payment RETRY for order 7', 1],
      ['TypeError: card declined', 1],
    ]);
    const declined = alice.issues[2];
    expect(declined?.user_count).toBe(2);
  });

  it('pages the events', async () => {
    const first = await get<UserDetail>(inbox, '/api/users/id:u-alice?limit=2');
    expect(first.events).toHaveLength(2);
    const next = await get<UserDetail>(
      inbox,
      `/api/users/id:u-alice?limit=2&cursor=${first.next_cursor}`,
    );
    expect(next.events.map((e) => e.id)).toEqual([ids.alicePay]);
  });

  it('answers 404 for a key no event has, 400 for bad paging', async () => {
    await get(inbox, '/api/users/id%3Anobody', 404);
    await get(inbox, '/api/users/id:u-alice?limit=5000', 400);
  });

  it('leaves DELETE on the same path to the erase route', async () => {
    const response = await fetch(`${inbox.url}/api/users/id%3Au-carol`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    await get(inbox, '/api/users/id%3Au-carol', 404);
  });
});

describe('query plans', () => {
  /** The SQL texts a store call compiles first (the store caches statements by text). */
  function newStatements(store: InboxStore, call: () => unknown): string[] {
    const cache = (store as unknown as { db: { statements: ReadonlyMap<string, unknown> } }).db
      .statements;
    const before = new Set(cache.keys());
    call();
    return [...cache.keys()].filter((sql) => !before.has(sql));
  }

  function plan(sql: string): string[] {
    const db = openSqlite(inbox.dbFile);
    try {
      const args = Array.from({ length: (sql.match(/\?/g) ?? []).length }, (): SqlValue => 1);
      return db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...args)
        .map((row) => String(row.detail));
    } finally {
      db.close();
    }
  }

  it("reads one user's events and issues through their indexes", () => {
    // A second store on the same file: its statement cache starts empty.
    const store = new InboxStore(inbox.dbFile);
    let statements: string[];
    try {
      statements = [
        ...newStatements(store, () =>
          store.searchEvents({ user: 'id:u-bob', text: 'x', limit: 1 }),
        ),
        ...newStatements(store, () => store.getUserDetail('id:u-bob', { limit: 1 })),
      ];
    } finally {
      store.close();
    }
    expect(statements.length).toBeGreaterThan(0);
    const plans = statements.flatMap(plan);
    expect(plans).toEqual(
      expect.arrayContaining([expect.stringMatching(/events_user \(user_key=\?\)/)]),
    );
    const scans = plans.filter((line) =>
      /^SCAN (events|issue_users|iu)\b(?! USING (COVERING )?INDEX)/.test(line),
    );
    expect(scans, plans.join(' | ')).toEqual([]);
  });
});
