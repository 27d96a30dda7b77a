// How @x/nest reads a GraphQL operation from graphql-js's own `info` (a real execution here), and
// what the GraphQL unit says about a resolver whose HTTP request @x's middleware never saw.
import 'reflect-metadata';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { buildSchema, type GraphQLResolveInfo, graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationOf, pathOf, withoutOperationParams } from '../src/graphqlOperation.js';
import { graphqlUnit } from '../src/graphqlUnit.js';

const schema = buildSchema(`
  type Query { a: String b: String user: User users: [User] }
  type Mutation { pay: String }
  type User { name: String }
`);

/** The `info` graphql-js hands the first resolver of `field` that runs for `source`. */
async function infoOf(source: string, field: 'a' | 'pay' | 'name'): Promise<GraphQLResolveInfo> {
  let seen: GraphQLResolveInfo | undefined;
  const record = (_args: unknown, _context: unknown, info: GraphQLResolveInfo) => {
    seen ??= info;
    return 'x';
  };
  const user = { name: field === 'name' ? record : 'n' };
  const rootValue = {
    a: field === 'a' ? record : 'a',
    b: 'b',
    pay: field === 'pay' ? record : 'p',
    user,
    users: [user, user],
  };
  const result = await graphql({ schema, source, rootValue });
  expect(result.errors).toBeUndefined();
  if (!seen) throw new Error(`no resolver of ${field} ran`);
  return seen;
}

describe('operationOf', () => {
  it('a named operation: its type and name', async () => {
    expect(operationOf(await infoOf('query Boom { a b }', 'a'))).toEqual({
      type: 'query',
      name: 'Boom',
      transaction: 'query Boom',
    });
    expect(operationOf(await infoOf('mutation Pay { pay }', 'pay'))?.transaction).toBe(
      'mutation Pay',
    );
  });

  it('an anonymous one: its root fields by name (not alias), once each, in order', async () => {
    const info = await infoOf('{ x: b a y: b }', 'a');
    expect(operationOf(info)).toEqual({
      type: 'query',
      name: undefined,
      transaction: 'query b,a',
    });
    // Root fields only through a fragment: the type alone.
    const spread = await infoOf('{ ...F } fragment F on Query { a }', 'a');
    expect(operationOf(spread)?.transaction).toBe('query');
  });

  it('not graphql-js’s info: undefined', () => {
    expect(operationOf(undefined)).toBeUndefined();
    expect(operationOf({ operation: { name: { value: 'X' } } })).toBeUndefined();
  });
});

describe('pathOf', () => {
  it('the response path, root first, aliases and list indexes included', async () => {
    expect(pathOf(await infoOf('{ user { name } }', 'name'))).toEqual(['user', 'name']);
    expect(pathOf(await infoOf('{ people: users { name } }', 'name'))).toEqual([
      'people',
      0,
      'name',
    ]);
    expect(pathOf(undefined)).toEqual([]);
  });
});

describe('withoutOperationParams', () => {
  it('drops the query text, variables and extensions of a GET; keeps the rest', () => {
    const url = 'http://h/graphql?query=%7Ba%7D&variables=%7B%22v%22%3A1%7D&extensions=e&x=1';
    expect(withoutOperationParams(url)).toBe('http://h/graphql?x=1');
    expect(withoutOperationParams('http://h/graphql?query=%7Ba%7D')).toBe('http://h/graphql');
    expect(withoutOperationParams('/graphql')).toBe('/graphql');
    expect(withoutOperationParams('/graphql?a=1&b=2')).toBe('/graphql?a=1&b=2');
  });
});

describe('graphqlUnit without @x’s request scope', () => {
  const request = {
    method: 'GET',
    url: '/graphql?query=%7Ba%7D&variables=%7B%22secret%22%3A1%7D',
    headers: { host: '127.0.0.1:4000' },
    ip: '203.0.113.9',
    user: { sub: 'u-1', username: 'ann' },
  };
  const hostFor = async (context: unknown) => {
    const host = new ExecutionContextHost([{}, {}, context, await infoOf('query Q { a }', 'a')]);
    host.setType('graphql');
    return host;
  };

  it('has no open scopes; describes the request (without the query text), user and operation', async () => {
    const host = await hostFor({ req: request });
    expect(graphqlUnit.scopesOf(host)).toBeUndefined();
    const description = graphqlUnit.describe(host, {});
    expect(description).toMatchObject({
      method: 'GET',
      url: 'http://127.0.0.1:4000/graphql',
      transaction: 'query Q',
    });
    expect(description.clientIp?.()).toBe('203.0.113.9');
    expect(await description.getUser?.()).toEqual({ id: 'u-1', username: 'ann' });
    const mapped = graphqlUnit.describe(host, { getUser: (req) => ({ id: `m-${req.method}` }) });
    expect(await mapped.getUser?.()).toEqual({ id: 'm-GET' });
  });

  it('a context without a request: the operation alone', async () => {
    const description = graphqlUnit.describe(await hostFor({}), {});
    expect(description).toMatchObject({ transaction: 'query Q', getUser: undefined });
  });

  it('answers nothing, so that Nest rethrows the error as it does without any filter', async () => {
    expect(graphqlUnit.answer(new Error('x'), await hostFor({ req: request }))).toBeUndefined();
  });
});
