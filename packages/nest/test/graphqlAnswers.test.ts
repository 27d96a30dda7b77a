// An SDK must never change an app's answers: every GraphQL request below gets the same HTTP
// status and the same body, byte for byte, from the same app built with and without XModule, and
// Nest logs the same errors.
import 'reflect-metadata';
import type { LoggerService } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flush } from '../src/index.js';
import { bearer, type GraphqlApp, type Platform, startGraphqlApp } from './graphqlApp.js';
import { startTestInbox, storedEvents } from './helpers.js';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(() => inbox.dispose());

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Sent as a GET request (the query in the URL) instead of a POST. */
  get?: boolean;
}

const CASES: Case[] = [
  { name: 'a String resolver that throws', query: 'query Boom { boom }' },
  { name: 'a non-null String that throws', query: '{ mustBoom }' },
  { name: 'an object resolver that throws', query: '{ crashUser { id username } }' },
  { name: 'a guard’s ForbiddenException', query: 'query F { forbidden { id username } }' },
  {
    name: 'a GraphQLError with BAD_USER_INPUT',
    query: 'query B($v: String) { badInput(value: $v) }',
    variables: { v: 'secret-value' },
  },
  { name: 'a GraphQLError without a code', query: '{ plainGraphqlError }' },
  { name: 'malformed query text', query: '{ boom ' },
  { name: 'an unknown field', query: '{ nope }' },
  { name: 'a successful whoami', query: 'query W { whoami { id username email } }' },
  { name: 'a field resolver that throws', query: '{ whoami { id secret badge } }' },
  { name: 'an error a resolver’s own filter answers', query: 'query R { filtered }' },
  { name: 'a mutation that throws', query: 'mutation Pay { pay(amount: 5) }' },
  {
    name: 'parallel resolvers, one throwing',
    query: '{ a: slow(tag: "a") b: slow(tag: "b", fail: true) }',
  },
  { name: 'a GET query that throws', query: 'query Boom { boom }', get: true },
  {
    name: 'a GET mutation (refused by Apollo)',
    query: 'mutation Pay { pay(amount: 1) }',
    get: true,
  },
];

/** The raw answer: status, content type and body text. */
async function send(target: GraphqlApp, c: Case) {
  const headers: Record<string, string> = { authorization: bearer('answers') };
  let res: Response;
  if (c.get) {
    const params = new URLSearchParams({ query: c.query });
    if (c.variables) params.set('variables', JSON.stringify(c.variables));
    // Apollo's CSRF prevention lets a GET through with this header.
    headers['apollo-require-preflight'] = 'true';
    res = await fetch(`${target.url}/graphql?${params}`, { headers });
  } else {
    headers['content-type'] = 'application/json';
    res = await fetch(`${target.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: c.query, variables: c.variables }),
    });
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: await res.text(),
  };
}

/** What Nest logs as errors (its exception handler logs what no filter answered). */
const logged: string[] = [];
const recorder: LoggerService = {
  log: () => undefined,
  warn: () => undefined,
  error: (message: unknown) => {
    logged.push(message instanceof Error ? `${message.name}: ${message.message}` : String(message));
  },
};

describe.each(['express', 'fastify'] as Platform[])('GraphQL answers on %s', (platform) => {
  let plain: GraphqlApp;
  let withX: GraphqlApp;
  beforeAll(async () => {
    plain = await startGraphqlApp(platform, undefined, recorder);
    withX = await startGraphqlApp(
      platform,
      {
        dsn: inbox.dsn,
        sendDefaultPii: true,
        sendClientReports: false,
      },
      recorder,
    );
  });
  afterAll(async () => {
    await plain.app.close();
    await withX.app.close();
  });

  it.each(CASES)('$name: the same status, body and Nest error log with XModule', async (c) => {
    logged.length = 0;
    const expected = await send(plain, c);
    const expectedLog = logged.splice(0);
    const actual = await send(withX, c);
    expect(actual).toEqual(expected);
    expect(logged).toEqual(expectedLog);
  });

  it('the errors behind those answers were captured (so XModule did see them)', async () => {
    expect(await flush(5000)).toBe(true);
    const titles = (await storedEvents(inbox)).map((e) => e.title);
    expect(titles).toEqual(expect.arrayContaining(['Error: boom', 'Error: payment of 5 failed']));
  });
});
