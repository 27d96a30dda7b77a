// What a GraphQL operation's events carry through XModule, on Express and on Fastify: the
// request's user and IP, `transaction` named after the operation, `contexts.graphql` with the
// failing field's path — never the variables or the query text — and client errors not captured.
import 'reflect-metadata';
import type { FullEvent } from '@x/test-kit/inbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flush } from '../src/index.js';
import { bearer, type GraphqlApp, type Platform, startGraphqlApp } from './graphqlApp.js';
import { type StoredEvent, startTestInbox, storedEvent, storedEvents } from './helpers.js';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(() => inbox.dispose());

describe.each(['express', 'fastify'] as Platform[])('GraphQL events on %s', (platform) => {
  let target: GraphqlApp;
  let before = 0;
  beforeAll(async () => {
    target = await startGraphqlApp(platform, {
      dsn: inbox.dsn,
      sendDefaultPii: true,
      sendClientReports: false,
    });
    before = (await storedEvents(inbox)).length;
  });
  afterAll(() => target.app.close());
  afterEach(async () => {
    before = (await storedEvents(inbox)).length;
  });

  async function newEvents(): Promise<StoredEvent[]> {
    expect(await flush(5000)).toBe(true);
    return (await storedEvents(inbox)).slice(before);
  }
  const full = (event: StoredEvent | undefined) => storedEvent(inbox, event?.id ?? '');
  const graphqlOf = (event: FullEvent | undefined) =>
    (event?.contexts as { graphql?: { path?: unknown } } | undefined)?.graphql;

  it('query Boom: one event, the Bearer token’s user and IP, transaction and contexts.graphql, no variables', async () => {
    const query =
      'query Boom($note: String) { boom(note: $note) other: boom(note: "literal-456") }';
    const res = await target.post(query, { variables: { note: 'variable-123' }, sub: 'u1' });
    expect(res.status).toBe(200);
    const events = await newEvents();
    // Two fields threw two errors: two events, each with its own path.
    expect(events.map((e) => [e.title, e.user_key])).toEqual([
      ['Error: boom', 'id:u1'],
      ['Error: boom', 'id:u1'],
    ]);
    expect(events[0]?.user).toMatchObject({
      id: 'u1',
      username: 'name-u1',
      email: 'u1@example.com',
      ip_address: '127.0.0.1',
    });
    const stored = await Promise.all(events.map(full));
    expect(stored.map((e) => e.transaction)).toEqual(['query Boom', 'query Boom']);
    const contexts = stored.map((e) => graphqlOf(e));
    expect(contexts).toEqual(
      expect.arrayContaining([
        { operation_type: 'query', operation_name: 'Boom', path: ['boom'] },
        { operation_type: 'query', operation_name: 'Boom', path: ['other'] },
      ]),
    );
    for (const event of stored) {
      const json = JSON.stringify(event);
      expect(json).not.toContain('variable-123');
      expect(json).not.toContain('literal-456');
    }
  });

  it('client errors are not captured: ForbiddenException, BAD_USER_INPUT, parse and validation errors', async () => {
    await target.post('query F { forbidden { id } }', { sub: 'u2' });
    await target.post('query B { badInput(value: "x") }', { sub: 'u2' });
    await target.post('{ boom ', { sub: 'u2' });
    await target.post('{ nope }', { sub: 'u2' });
    await target.post('query Last { plainGraphqlError }', { sub: 'u2' });
    const events = await newEvents();
    // A GraphQLError without a code is a server error (500): the only event.
    expect(events.map((e) => [e.title, e.user_key])).toEqual([
      ['GraphQLError: plain graphql error', 'id:u2'],
    ]);
    expect((await full(events[0])).transaction).toBe('query Last');
  });

  it('a field resolver’s error: one event with its path (with and without parameter decorators)', async () => {
    const res = await target.post('query Me { whoami { id secret badge } }', { sub: 'u3' });
    expect(res.body).toMatchObject({ data: { whoami: { id: 'u3', secret: null, badge: null } } });
    const events = await newEvents();
    expect(events.map((e) => [e.title, e.user_key]).sort()).toEqual([
      ['Error: badge unavailable', 'id:u3'],
      ['Error: secret of u3 unavailable', 'id:u3'],
    ]);
    const stored = await Promise.all(events.map(full));
    const byPath = stored.map((e) => [e.transaction, graphqlOf(e)?.path]);
    expect(byPath).toEqual(
      expect.arrayContaining([
        ['query Me', ['whoami', 'secret']],
        ['query Me', ['whoami', 'badge']],
      ]),
    );
  });

  it('an anonymous operation is named by its root fields; a mutation by its name', async () => {
    await target.post('{ a: boom plainGraphqlError }', { sub: 'u4' });
    await target.post('mutation Pay($amount: Int!) { pay(amount: $amount) }', {
      variables: { amount: 7 },
      sub: 'u4',
    });
    const stored = await Promise.all((await newEvents()).map(full));
    expect(stored.map((e) => e.transaction).sort()).toEqual([
      'mutation Pay',
      'query boom,plainGraphqlError',
      'query boom,plainGraphqlError',
    ]);
    const pay = stored.find((e) => e.transaction === 'mutation Pay');
    expect(graphqlOf(pay)).toEqual({
      operation_type: 'mutation',
      operation_name: 'Pay',
      path: ['pay'],
    });
  });

  it('an error thrown in a guard on a resolver is captured once, named after the operation', async () => {
    await target.post('query G { guardCrash }', { sub: 'u5' });
    const events = await newEvents();
    // The resolver's own guard ran after the class's GqlAuthGuard: the user is known.
    expect(events.map((e) => [e.title, e.user_key])).toEqual([
      ['Error: graphql guard crashed', 'id:u5'],
    ]);
    const stored = await full(events[0]);
    expect(stored.transaction).toBe('query G');
    expect(graphqlOf(stored)).toMatchObject({
      path: ['guardCrash'],
    });
  });

  it('an error a resolver’s own filter answers is still captured, once, with the user', async () => {
    const res = await target.post('query R { filtered }', { sub: 'u8' });
    expect(res.body).toMatchObject({ errors: [{ message: 'handled by the resolver’s filter' }] });
    const events = await newEvents();
    expect(events.map((e) => [e.title, e.user_key])).toEqual([['Error: filtered boom', 'id:u8']]);
    expect((await full(events[0])).transaction).toBe('query R');
  });

  it('captureMessage and getEventUser in a resolver: the request’s user, the operation’s name', async () => {
    const res = await target.post('query Report { report eventUser { id email } }', { sub: 'u6' });
    const data = (res.body as { data: { report: string; eventUser: unknown } }).data;
    expect(data.eventUser).toEqual({ id: 'u6', email: 'u6@example.com' });
    const events = await newEvents();
    expect(events.map((e) => [e.id, e.user_key])).toEqual([[data.report, 'id:u6']]);
    const stored = await full(events[0]);
    expect(stored.transaction).toBe('query Report');
    expect(graphqlOf(stored)).toEqual({
      operation_type: 'query',
      operation_name: 'Report',
    });
  });

  it('a GET request: the event’s URL keeps neither the query text nor the variables', async () => {
    const params = new URLSearchParams({
      query: 'query Boom($note: String) { boom(note: $note) }',
      variables: JSON.stringify({ note: 'get-variable-789' }),
      operationName: 'Boom',
    });
    const res = await fetch(`${target.url}/graphql?${params}`, {
      headers: { authorization: bearer('u7'), 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(200);
    const events = await newEvents();
    expect(events.map((e) => [e.title, e.user_key])).toEqual([['Error: boom', 'id:u7']]);
    const stored = await full(events[0]);
    expect(stored.transaction).toBe('query Boom');
    expect(stored.request?.url).toMatch(/\/graphql$/);
    expect(stored.request).toMatchObject({ query_string: 'operationName=Boom' });
    const json = JSON.stringify(stored);
    expect(json).not.toContain('get-variable-789');
    expect(json).not.toContain('$note');
  });
});
