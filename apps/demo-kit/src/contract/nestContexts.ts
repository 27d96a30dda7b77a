// nest-demo's part of the demo contract beyond HTTP routes: its GraphQL endpoint, its socket.io
// gateway and its TCP microservice (a process of its own), each with a `boom` stored with the
// caller's user and a `whoami`, and none mixing users under load. The large counts run on the
// Node the test command runs on; the runs on other Node versions (X_PACKED_SKIP) use smaller ones.
import { startAppProcess, startInboxProcess } from '@x/test-kit/processes';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../accounts.js';
import { bearer, type Running, type StoredEvent, tokenFor } from './helpers.js';

const small = process.env.X_PACKED_SKIP === '1';
const COUNTS = small
  ? { graphql: 60, socket: 60, rpc: 30 }
  : { graphql: 600, socket: 600, rpc: 300 };

export function describeNestContexts(name: string, entry: string): void {
  describe(`${name}: GraphQL, the socket.io gateway and the microservice`, () => {
    const running = {} as Running & { tokens: string[] };
    beforeAll(async () => {
      running.inbox = await startInboxProcess();
      running.app = await startAppProcess(entry, { X_DSN: running.inbox.dsn });
      running.tokens = await Promise.all(
        accounts.map((a) => tokenFor(running.app.url, a.username)),
      );
    }, 60_000);
    afterAll(async () => {
      await running.app?.stop();
      await running.inbox?.stop();
    });

    itAnswersGraphQL(running);
    itAnswersOnTheGateway(running);
    itCallsTheMicroservice(running);
    itKeepsUsersApartInEveryContext(running);
  });
}

type Ctx = Running & { tokens: string[] };
const alice = () => accounts[0] as (typeof accounts)[number];

/** POSTs a GraphQL query with the given Bearer token. */
async function graphql(app: string, token: string | undefined, query: string) {
  const res = await fetch(`${app}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? bearer(token) : {}) },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The stored events of `transaction` (oldest first), once `count` of them arrived. */
async function eventsOf(inboxUrl: string, transaction: string, count: number) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const url = `${inboxUrl}/api/events?limit=1000&transaction=${encodeURIComponent(transaction)}`;
    const page = (await (await fetch(url)).json()) as { data: StoredEvent[] };
    if (page.data.length >= count || Date.now() > deadline) return page.data.reverse();
    await new Promise((r) => setTimeout(r, 100));
  }
}

function connect(app: string, token: string): Promise<Socket> {
  const socket = io(app, { auth: { token }, transports: ['websocket'], forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

function itAnswersGraphQL(ctx: Ctx): void {
  it('POST /graphql `query Boom { boom }`: a GraphQL error answer, one event with the caller', async () => {
    const before = (await eventsOf(ctx.inbox.url, 'query Boom', 0)).length;
    const { status, body } = await graphql(ctx.app.url, ctx.tokens[0], 'query Boom { boom }');
    expect(status).toBe(200);
    expect(body).toMatchObject({ data: null, errors: [{ message: 'boom', path: ['boom'] }] });
    const events = (await eventsOf(ctx.inbox.url, 'query Boom', before + 1)).slice(before);
    expect(events.map((e) => [e.title, e.user_key])).toEqual([['Error: boom', `id:${alice().id}`]]);
  });

  it('`{ whoami { id username email } }` answers the user as the SDK sees it', async () => {
    const query = '{ whoami { id username email } }';
    const { body } = await graphql(ctx.app.url, ctx.tokens[0], query);
    const { id, username, email } = alice();
    expect(body).toEqual({ data: { whoami: { id, username, email } } });
    expect((await graphql(ctx.app.url, undefined, query)).body).toEqual({
      data: { whoami: { id: null, username: null, email: null } },
    });
  });
}

function itAnswersOnTheGateway(ctx: Ctx): void {
  it('socket.io with auth: { token }: `boom` stores one event with that user, `whoami` acks it', async () => {
    const before = (await eventsOf(ctx.inbox.url, 'ws boom', 0)).length;
    const socket = await connect(ctx.app.url, ctx.tokens[1] ?? '');
    try {
      const answer = await socket.timeout(5000).emitWithAck('whoami');
      const bob = accounts[1] as (typeof accounts)[number];
      expect(answer).toMatchObject({ user: { id: bob.id, username: bob.username } });
      const exception = new Promise((resolve) => socket.once('exception', resolve));
      socket.emit('boom');
      // What Nest's gateway answers without @x: its `exception` message.
      expect(await exception).toMatchObject({ status: 'error', message: 'Internal server error' });
      const events = (await eventsOf(ctx.inbox.url, 'ws boom', before + 1)).slice(before);
      expect(events.map((e) => [e.title, e.user_key])).toEqual([['Error: boom', `id:${bob.id}`]]);
    } finally {
      socket.disconnect();
    }
  });
}

function itCallsTheMicroservice(ctx: Ctx): void {
  it('GET /rpc/boom: the microservice (its own process) stores an event with the caller', async () => {
    const transaction = 'rpc {"cmd":"boom"}';
    const before = (await eventsOf(ctx.inbox.url, transaction, 0)).length;
    const res = await fetch(`${ctx.app.url}/rpc/boom`, { headers: bearer(ctx.tokens[2] ?? '') });
    expect(res.status).toBe(502);
    const events = (await eventsOf(ctx.inbox.url, transaction, before + 1)).slice(before);
    const carol = accounts[2] as (typeof accounts)[number];
    expect(events.map((e) => [e.title, e.user_key])).toEqual([
      ['Error: rpc boom', `id:${carol.id}`],
    ]);
    const whoami = await fetch(`${ctx.app.url}/rpc/whoami`, {
      headers: bearer(ctx.tokens[2] ?? ''),
    });
    expect(await whoami.json()).toMatchObject({ user: { id: carol.id, username: carol.username } });
  });
}

/** Each event's `demo.tag` (who sent it), read from the stored event. */
async function tagsOf(inboxUrl: string, events: StoredEvent[]): Promise<(string | undefined)[]> {
  const tags: (string | undefined)[] = [];
  for (let i = 0; i < events.length; i += 25) {
    const batch = events.slice(i, i + 25).map(async (e) => {
      const detail = (await (await fetch(`${inboxUrl}/api/events/${e.id}`)).json()) as {
        event?: { tags?: [string, string][] | Record<string, string> };
      };
      const tags = detail.event?.tags;
      // Stored as Sentry stores them: a list of [key, value] pairs.
      return Array.isArray(tags)
        ? tags.find(([key]) => key === 'demo.tag')?.[1]
        : tags?.['demo.tag'];
    });
    tags.push(...(await Promise.all(batch)));
  }
  return tags;
}

/** Every event of `transaction` tagged by this run carries the user its tag names. */
async function expectOwnUsers(
  ctx: Ctx,
  transaction: string,
  run: string,
  count: number,
  before: number,
) {
  const events = (await eventsOf(ctx.inbox.url, transaction, before + count)).slice(before);
  const tags = await tagsOf(ctx.inbox.url, events);
  const mine = events
    .map((event, i) => ({ key: event.user_key, tag: tags[i] }))
    .filter((e) => e.tag?.startsWith(`${run}:`));
  expect(mine).toHaveLength(count);
  const foreign = mine.filter((e) => e.key !== `id:${e.tag?.split(':')[1]}`);
  expect(foreign).toEqual([]);
}

function itKeepsUsersApartInEveryContext(ctx: Ctx): void {
  const ids = () => accounts.map((a) => a.id);

  it(`${COUNTS.graphql} overlapping GraphQL requests of 3 users: each answer and event is its own`, async () => {
    const run = `gql${Date.now().toString(36)}`;
    const before = (await eventsOf(ctx.inbox.url, 'query Boom', 0)).length;
    const results = await Promise.all(
      Array.from({ length: COUNTS.graphql }, async (_, i) => {
        const token = ctx.tokens[i % 3];
        if (i % 2 === 0) {
          const { body } = await graphql(ctx.app.url, token, '{ whoami { id } }');
          return (body.data as { whoami?: { id?: string } })?.whoami?.id === ids()[i % 3];
        }
        const tag = `${run}:${ids()[i % 3]}:${i}`;
        await graphql(ctx.app.url, token, `query Boom { boom(tag: ${JSON.stringify(tag)}) }`);
        return true;
      }),
    );
    expect(results.filter((ok) => !ok)).toEqual([]);
    await expectOwnUsers(ctx, 'query Boom', run, COUNTS.graphql / 2, before);
  }, 120_000);

  it(`${COUNTS.socket} interleaved socket messages of 3 users: each ack and event is its own`, async () => {
    const run = `ws${Date.now().toString(36)}`;
    const before = (await eventsOf(ctx.inbox.url, 'ws boom', 0)).length;
    const sockets = await Promise.all(ctx.tokens.map((t) => connect(ctx.app.url, t)));
    try {
      const results = await Promise.all(
        Array.from({ length: COUNTS.socket }, async (_, i) => {
          const socket = sockets[i % 3] as Socket;
          if (i % 2 === 0) {
            const answer = await socket.timeout(10_000).emitWithAck('whoami');
            return (answer as { user?: { id?: string } }).user?.id === ids()[i % 3];
          }
          socket.emit('boom', { tag: `${run}:${ids()[i % 3]}:${i}` });
          return true;
        }),
      );
      expect(results.filter((ok) => !ok)).toEqual([]);
      await expectOwnUsers(ctx, 'ws boom', run, COUNTS.socket / 2, before);
    } finally {
      for (const socket of sockets) socket.disconnect();
    }
  }, 120_000);

  it(`${COUNTS.rpc} overlapping RPC calls of 3 users: each answer and event is its own`, async () => {
    const run = `rpc${Date.now().toString(36)}`;
    const before = (await eventsOf(ctx.inbox.url, 'rpc {"cmd":"boom"}', 0)).length;
    const results = await Promise.all(
      Array.from({ length: COUNTS.rpc }, async (_, i) => {
        const headers = bearer(ctx.tokens[i % 3] ?? '');
        if (i % 2 === 0) {
          const res = await fetch(`${ctx.app.url}/rpc/whoami`, { headers });
          return ((await res.json()) as { user?: { id?: string } }).user?.id === ids()[i % 3];
        }
        const tag = encodeURIComponent(`${run}:${ids()[i % 3]}:${i}`);
        return (await fetch(`${ctx.app.url}/rpc/boom?tag=${tag}`, { headers })).status === 502;
      }),
    );
    expect(results.filter((ok) => !ok)).toEqual([]);
    await expectOwnUsers(ctx, 'rpc {"cmd":"boom"}', run, COUNTS.rpc / 2, before);
  }, 120_000);
}
