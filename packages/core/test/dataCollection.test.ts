// `dataCollection` on its own: how the option resolves with and without `sendDefaultPii`, what a
// malformed value does (ignored with a debug line, never thrown), the filters' edge cases, and
// where userInfo reaches beyond the request: the span's user, pseudonyms and the IP rules, the
// browser's infer_ip, GraphQL variables. dataCollection.sentry.test.ts compares with Sentry.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DataCollection } from '../src/dataCollection';
import {
  FILTERED,
  filterCookies,
  filterNames,
  filterQueryString,
  graphqlVariablesToSend,
} from '../src/dataCollectionFilter';
import {
  resolveDataCollection,
  SEND_DEFAULT_PII_COLLECTION,
  X_DATA_COLLECTION_DEFAULTS,
} from '../src/dataCollectionResolve';
import { initBrowserClient, runRequest } from '../src/internal';
import * as x from '../src/node';
import { currentClient } from '../src/sdk';
import { annotateServerSpan } from '../src/spanUser';
import { envelopeText, resetCarrier } from './helpers';

const ALL: { behavior: true; sensitive: 'filter' } = { behavior: true, sensitive: 'filter' };
const CLIENT_IP = '203.0.113.77';
const LOGIN = { id: 'u-1', username: 'ann', email: 'ann@example.com' };
const REQUEST = {
  method: 'GET',
  url: 'http://shop.test/a?token=t&q=1',
  headers: {
    cookie: 'session=s; theme=dark',
    authorization: 'Bearer t',
    'x-forwarded-for': `${CLIENT_IP}, 10.0.0.1`,
    'user-agent': 'UA',
  },
};

let events: x.Event[] = [];
beforeEach(() => {
  resetCarrier();
  events = [];
});
afterEach(async () => {
  vi.restoreAllMocks();
  await x.close(1000);
});

function start(options: x.ClientOptions): void {
  x.init({
    dsn: 'http://public@127.0.0.1:9/1',
    sendClientReports: false,
    transport: () => ({
      send: (envelope) => {
        const [, , payload] = envelopeText(envelope.body).split('\n');
        events.push(JSON.parse(payload ?? 'null') as x.Event);
      },
      flush: async () => true,
    }),
    ...options,
  });
}

/** One message captured in {@link REQUEST} with the login user; the event as sent. */
async function captureInRequest(options: x.ClientOptions, explicit?: x.User): Promise<x.Event> {
  start(options);
  runRequest({ ...REQUEST, clientIp: () => CLIENT_IP, getUser: () => ({ ...LOGIN }) }, () => {
    if (explicit) x.setUser(explicit);
    x.captureMessage('m');
  });
  expect(await x.flush(2000)).toBe(true);
  const event = events.at(-1);
  if (!event) throw new Error('no event');
  return event;
}

describe('resolution: dataCollection, sendDefaultPii and the defaults', () => {
  it("neither option, sendDefaultPii: false and dataCollection: {} are @x's defaults", () => {
    for (const options of [{}, { sendDefaultPii: false }, { dataCollection: {} }])
      expect(resolveDataCollection(options)).toEqual(X_DATA_COLLECTION_DEFAULTS);
    expect(X_DATA_COLLECTION_DEFAULTS).toMatchObject({
      userInfo: false,
      cookies: { behavior: false },
      graphQL: { variables: false },
      frameContextLines: 7,
    });
  });

  it('sendDefaultPii: true turns on everything it ever covered, as sent; not GraphQL variables', () => {
    expect(resolveDataCollection({ sendDefaultPii: true })).toEqual(SEND_DEFAULT_PII_COLLECTION);
    expect(SEND_DEFAULT_PII_COLLECTION).toMatchObject({
      userInfo: true,
      cookies: { behavior: true, sensitive: 'keep' },
      httpHeaders: { request: { behavior: true, sensitive: 'keep' } },
      urlQueryParams: { behavior: true, sensitive: 'keep' },
      graphQL: { variables: false },
    });
  });

  it('a category given in dataCollection wins over sendDefaultPii, either way', () => {
    const on = resolveDataCollection({
      sendDefaultPii: true,
      dataCollection: { userInfo: false, cookies: { allow: ['theme'] } },
    });
    expect(on.userInfo).toBe(false);
    expect(on.cookies).toEqual({ behavior: { allow: ['theme'] }, sensitive: 'filter' });
    // Not given: sendDefaultPii's.
    expect(on.httpHeaders).toEqual(SEND_DEFAULT_PII_COLLECTION.httpHeaders);
    const off = resolveDataCollection({ dataCollection: { userInfo: true, httpHeaders: true } });
    expect(off.userInfo).toBe(true);
    expect(off.httpHeaders).toEqual({ request: ALL, response: ALL });
    expect(off.cookies).toEqual(X_DATA_COLLECTION_DEFAULTS.cookies);
  });

  it('httpHeaders: one behaviour for both directions, or each; a direction left out keeps its default', () => {
    const single = resolveDataCollection({ dataCollection: { httpHeaders: { deny: ['a'] } } });
    expect(single.httpHeaders).toEqual({
      request: { behavior: { deny: ['a'] }, sensitive: 'filter' },
      response: { behavior: { deny: ['a'] }, sensitive: 'filter' },
    });
    const split = resolveDataCollection({ dataCollection: { httpHeaders: { response: false } } });
    expect(split.httpHeaders.request).toEqual(X_DATA_COLLECTION_DEFAULTS.httpHeaders.request);
    expect(split.httpHeaders.response).toEqual({ behavior: false, sensitive: 'filter' });
  });

  it('frameContextLines wins over contextLines, which wins over 7; negative is 0, fractions round down', () => {
    const lines = (options: x.ClientOptions) => resolveDataCollection(options).frameContextLines;
    expect(lines({ contextLines: 2 })).toBe(2);
    expect(lines({ contextLines: 2, dataCollection: { frameContextLines: 4 } })).toBe(4);
    expect(lines({ dataCollection: { frameContextLines: -3 } })).toBe(0);
    expect(lines({ dataCollection: { frameContextLines: 3.9 } })).toBe(3);
  });
});

describe('malformed values: ignored with a debug line, never thrown', () => {
  const malformed: [string, unknown][] = [
    ['a string', 'everything'],
    ['an array', [true]],
    ['userInfo: "yes"', { userInfo: 'yes' }],
    ['cookies: "all"', { cookies: 'all' }],
    ['cookies: {}', { cookies: {} }],
    ['cookies: { allow: "theme" }', { cookies: { allow: 'theme' } }],
    ['httpHeaders: 1', { httpHeaders: 1 }],
    ['httpHeaders: { request: "all" }', { httpHeaders: { request: 'all' } }],
    ['urlQueryParams: { only: [...] }', { urlQueryParams: { only: ['q'] } }],
    ['graphQL: true', { graphQL: true }],
    ['graphQL: { variables: "yes" }', { graphQL: { variables: 'yes' } }],
    ['frameContextLines: "7"', { frameContextLines: '7' }],
    ['frameContextLines: NaN', { frameContextLines: Number.NaN }],
    ['an unknown category', { everything: true }],
    ['a v11 category @x does not collect', { httpBodies: [] }],
  ];

  it.each(malformed)('%s: the defaults, a debug line', async (_name, value) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const dataCollection = value as DataCollection;
    expect(resolveDataCollection({ dataCollection, debug: true })).toEqual(
      X_DATA_COLLECTION_DEFAULTS,
    );
    const event = await captureInRequest({ dataCollection, debug: true });
    const defaults = await captureInRequest({});
    expect(event.request).toEqual(defaults.request);
    expect(event.user).toEqual(defaults.user);
    expect(warn.mock.calls.some(([line]) => String(line).includes('dataCollection'))).toBe(true);
  });

  it('terms that are not strings are dropped, the rest apply; with allow and deny, deny counts (as in v11)', () => {
    const terms = [1, 'theme', null] as unknown as string[];
    expect(
      resolveDataCollection({ dataCollection: { cookies: { allow: terms } } }).cookies,
    ).toEqual({ behavior: { allow: ['theme'] }, sensitive: 'filter' });
    const both = { allow: ['a'], deny: ['b'] } as unknown as DataCollection['cookies'];
    expect(resolveDataCollection({ dataCollection: { cookies: both } }).cookies.behavior).toEqual({
      deny: ['b'],
    });
  });

  it('a throwing getter is survived', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('no');
        },
        has: () => {
          throw new Error('no');
        },
      },
    ) as DataCollection;
    expect(resolveDataCollection({ dataCollection: hostile })).toEqual(X_DATA_COLLECTION_DEFAULTS);
  });
});

describe('filters', () => {
  it('query: names decoded to match, sent as encoded; order and duplicates kept; nothing left is no query', () => {
    const allowQ = { behavior: { allow: ['q'] }, sensitive: 'filter' } as const;
    expect(filterQueryString('acc%65ss_TOKEN=1&q=a+b&q=c&page', ALL)).toBe(
      `acc%65ss_TOKEN=${FILTERED}&q=a+b&q=c&page`,
    );
    expect(filterQueryString('q=1&page&my+key=2', allowQ)).toBe(
      `q=1&page=${FILTERED}&my+key=${FILTERED}`,
    );
    expect(filterQueryString('bad%zzname=1', ALL)).toBe('bad%zzname=1');
    expect(filterQueryString('', ALL)).toBeUndefined();
    expect(filterQueryString('q=1', { behavior: false, sensitive: 'filter' })).toBeUndefined();
    expect(filterQueryString('token=1', SEND_DEFAULT_PII_COLLECTION.urlQueryParams)).toBe(
      'token=1',
    );
  });

  it('cookies: trimmed, unquoted, decoded; the first of a name wins; nameless ones filtered', () => {
    expect(
      filterCookies(
        ' theme = dark ; quoted="a%20b"; theme=light; opaque; =; __proto__=x; __Host-id=1; pkce_verifier=v',
        ALL,
      ),
    ).toEqual({
      theme: 'dark',
      quoted: 'a b',
      '': FILTERED,
      '__Host-id': FILTERED,
      pkce_verifier: FILTERED,
    });
    expect(filterCookies('bad=%E0%A4%A', ALL)).toEqual({ bad: '%E0%A4%A' });
    expect(filterCookies(';', ALL)).toBeUndefined();
  });

  it('names filtered at any depth (GraphQL variables)', () => {
    expect(
      filterNames({ input: { email: 'a@b.c', password: 'p', tags: [{ apiKey: 'k', n: 1 }] } }),
    ).toEqual({
      input: { email: 'a@b.c', password: FILTERED, tags: [{ apiKey: FILTERED, n: 1 }] },
    });
  });
});

describe('userInfo beyond the request', () => {
  it('the login: id and username always, the email and IP only under userInfo', async () => {
    const off = await captureInRequest({ dataCollection: { userInfo: false } });
    expect(off.user).toEqual({ id: 'u-1', username: 'ann' });
    expect(off.request?.env).toBeUndefined();
    const on = await captureInRequest({ dataCollection: { userInfo: true } });
    expect(on.user).toEqual({ ...LOGIN, ip_address: CLIENT_IP });
    expect(on.request?.env).toEqual({ REMOTE_ADDR: CLIENT_IP });
    expect(on.request?.headers?.['x-forwarded-for']).toBe(`${CLIENT_IP}, 10.0.0.1`);
  });

  it('pseudonyms, ipAnonymization, ip_address: null and {{auto}} apply under dataCollection as under sendDefaultPii', async () => {
    const key = 'k'.repeat(32);
    const dataCollection = { userInfo: true };
    const pseudonyms = await captureInRequest({ dataCollection, pseudonymizeUsers: { key } });
    const legacy = await captureInRequest({ sendDefaultPii: true, pseudonymizeUsers: { key } });
    expect(pseudonyms.user?.email).toMatch(/^px_[0-9a-f]{32}$/);
    expect(pseudonyms.user).toEqual(legacy.user);
    const truncated = await captureInRequest({ dataCollection, ipAnonymization: 'truncate' });
    expect(truncated.user?.ip_address).toBe('203.0.113.0');
    expect(truncated.request?.headers?.['x-forwarded-for']).toBe('203.0.113.0, 10.0.0.0');
    const never = await captureInRequest({ dataCollection }, { id: 'u-9', ip_address: null });
    expect(never.user).toEqual({ id: 'u-9' });
    expect(never.request?.env).toBeUndefined();
    expect(never.sdk?.settings).toEqual({ infer_ip: 'never' });
    const auto = await captureInRequest({ dataCollection }, { id: 'u-9', ip_address: '{{auto}}' });
    expect(auto.user).toEqual({ id: 'u-9', ip_address: CLIENT_IP });
    expect(auto.sdk?.settings).toEqual({ infer_ip: 'never' });
  });

  it("the server span gets the user's name, email and IP under userInfo only", async () => {
    const annotate = async (options: x.ClientOptions) => {
      start(options);
      const attributes: Record<string, string> = {};
      const span = {
        spanContext: () => ({ traceId: '1'.repeat(32), spanId: '2'.repeat(16) }),
        isRecording: () => true,
        setAttribute: (name: string, value: string) => {
          attributes[name] = value;
        },
      };
      await runRequest(
        { ...REQUEST, clientIp: () => CLIENT_IP, getUser: () => ({ ...LOGIN }) },
        (scopes) => annotateServerSpan(span, scopes, currentClient()),
      );
      return attributes;
    };
    expect(await annotate({ dataCollection: { userInfo: false }, sendDefaultPii: true })).toEqual({
      'user.id': 'u-1',
    });
    expect(await annotate({ dataCollection: { userInfo: true } })).toEqual({
      'user.id': 'u-1',
      'user.name': 'ann',
      'user.email': 'ann@example.com',
      'client.address': CLIENT_IP,
    });
  });

  it('a browser asks for infer_ip "auto" under userInfo, as under sendDefaultPii', async () => {
    const settings: unknown[] = [];
    for (const dataCollection of [{ userInfo: true }, { userInfo: false }]) {
      initBrowserClient({
        dsn: 'http://public@127.0.0.1:9/1',
        platform: 'javascript',
        sendClientReports: false,
        sendDefaultPii: true,
        dataCollection,
        transport: () => ({
          send: (envelope) => {
            const [, , payload] = envelopeText(envelope.body).split('\n');
            settings.push((JSON.parse(payload ?? '{}') as x.Event).sdk?.settings);
          },
          flush: async () => true,
        }),
      });
      x.captureMessage('m');
      expect(await x.flush(2000)).toBe(true);
    }
    expect(settings).toEqual([{ infer_ip: 'auto' }, { infer_ip: 'never' }]);
  });
});

describe('GraphQL variables', () => {
  it('only under dataCollection.graphQL.variables (not sendDefaultPii), sensitive names filtered', () => {
    const variables = { note: 'n', password: 'p' };
    expect(graphqlVariablesToSend(variables)).toBeUndefined(); // no client
    start({ sendDefaultPii: true });
    expect(graphqlVariablesToSend(variables)).toBeUndefined();
    start({ dataCollection: { graphQL: { variables: true } } });
    expect(graphqlVariablesToSend(variables)).toEqual({ note: 'n', password: FILTERED });
    expect(graphqlVariablesToSend([1])).toBeUndefined();
    expect(graphqlVariablesToSend({})).toBeUndefined();
  });

  it("@x/nest's contexts.graphql carries them", async () => {
    const { describeOperation, operationOf } = await import('../../nest/src/graphqlOperation');
    const info = {
      operation: { operation: 'query', name: { value: 'Boom' } },
      variableValues: { note: 'variable-123', token: 't' },
    };
    const contextOf = () => {
      const scope = new x.Scope();
      const operation = operationOf(info);
      // (@x/nest types its scopes with the built @x/core's declarations.)
      if (operation) describeOperation(scope as never, scope as never, operation, ['boom']);
      return scope.getScopeData().contexts.graphql;
    };
    start({});
    expect(contextOf()).toEqual({
      operation_type: 'query',
      operation_name: 'Boom',
      path: ['boom'],
    });
    start({ dataCollection: { graphQL: { variables: true, document: true } } });
    expect(contextOf()).toEqual({
      operation_type: 'query',
      operation_name: 'Boom',
      path: ['boom'],
      variables: { note: 'variable-123', token: FILTERED },
    });
  });
});
