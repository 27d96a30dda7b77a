// `dataCollection`, compared with the real @sentry/node 11: one real HTTP request on 127.0.0.1
// (sensitive and plain cookies, credential and plain headers, a forwarded client IP, a query
// string with a token, a search term and an email) is handled by a server both SDKs watch — Sentry
// through its own http, requestData and contextLines integrations, @x through its request kernel
// — and each row of SETTINGS captures the same error with the same settings in both. What lands
// in the event is compared field by field: `request.url` (without its query: Sentry writes the
// filtered query into the URL too, Relay splits it off), `request.query_string`,
// `request.cookies`, `request.headers`, the context lines of each frame in the fixture file, and
// the user's email, IP and the geo a backend derives from that IP. Where @x differs on purpose
// the row says why and what @x sends instead, and both the value and the difference are asserted.
// The README's "Data collection" table is checked against the defaults both SDKs really use.
import { readFileSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILTERED } from '../src/dataCollectionFilter';
import {
  type NamedData,
  SEND_DEFAULT_PII_COLLECTION,
  X_DATA_COLLECTION_DEFAULTS,
} from '../src/dataCollectionResolve';
import { requestUrl, runRequest } from '../src/internal';
import * as x from '../src/node';
import { envelopeText, resetCarrier } from './helpers';

const fixtureFile = join(__dirname, 'fixtures', 'dataCollection', 'checkout.cjs');
const fixture = createRequire(__filename)(fixtureFile) as { checkout(): unknown };

type SentryDataCollection = NonNullable<Sentry.NodeOptions['dataCollection']>;
type XSettings = Pick<x.ClientOptions, 'sendDefaultPii' | 'dataCollection' | 'contextLines'>;

const PATH = '/orders/42?token=abc123&q=shoes&email=ann%40example.com';
const CLIENT_IP = '203.0.113.7';
const HEADERS = {
  cookie: 'session=s3ss10n; csrf_token=c5rf; theme=dark; lang=en; connect.sid=s1d',
  authorization: 'Bearer t0k3n',
  'x-api-key': 'k3y',
  'user-agent': 'TableTest/1.0',
  'x-custom': 'custom-value',
  'x-forwarded-for': CLIENT_IP,
};
const LOGIN = { id: 'u-1', username: 'ann', email: 'ann@example.com' };
const SET_USER = { id: 'u-2', email: 'set@example.com' };

/** One event as the table compares it. */
interface Observed {
  url: string | undefined;
  query: string | undefined;
  cookies: unknown;
  headers: Record<string, string> | undefined;
  frames: { line: number | undefined; pre: number; context: boolean; post: number }[];
  user: { id: unknown; email: unknown; ip: unknown; geo: boolean };
}
type Field = keyof Observed;
const FIELDS: Field[] = ['url', 'query', 'cookies', 'headers', 'frames', 'user'];

/** What the request was, as the server saw it. */
interface Raw {
  headers: IncomingHttpHeaders;
  query: string;
}

/** A deliberate difference: why, and what @x sends, from what Sentry sent and the raw request. */
interface Difference {
  why: string;
  x: (sentry: Observed, raw: Raw) => unknown;
}

interface Row {
  name: string;
  x: XSettings;
  /** Sentry's `dataCollection`; `undefined`: not given. */
  sentry: SentryDataCollection | undefined;
  /** The user: @x's login resolver (Sentry has no such source), or `setUser` in both SDKs. */
  user?: 'login' | 'setUser';
  differs?: Partial<Record<Field, Difference>>;
}

const ALL_ON = {
  userInfo: true,
  cookies: true,
  httpHeaders: true,
  urlQueryParams: true,
  frameContextLines: 5,
} as const;

// The deliberate differences, each said once.
const X_DEFAULT_COOKIES: Difference = {
  why: "@x's default collects no cookies (nothing personal on its own); v11's collects them",
  x: () => undefined,
};
const X_DEFAULT_HEADERS: Difference = {
  why: "@x's default leaves headers with sensitive names out (v11: [Filtered]), IP headers too without userInfo",
  x: (sentry) =>
    Object.fromEntries(
      Object.entries(sentry.headers ?? {}).filter(
        ([name, value]) => value !== FILTERED && name !== 'x-forwarded-for',
      ),
    ),
};
const X_DEFAULT_USER: Difference = {
  why: "@x's default collects no client IP (userInfo off), so no geo is derived; v11's does",
  x: (sentry) => ({ ...sentry.user, ip: undefined, geo: false }),
};
const X_DEFAULT_FRAMES: Difference = {
  why: "@x's default context is 7 lines (its contextLines, v10's number); v11's is 5",
  x: (sentry) => sentry.frames.map((frame) => ({ ...frame, pre: 7, post: 7 })),
};
const PII_COOKIES: Difference = {
  why: 'sendDefaultPii: true keeps its meaning: the Cookie header as sent, no request.cookies',
  x: () => undefined,
};
const PII_HEADERS: Difference = {
  why: 'sendDefaultPii: true keeps its meaning: every header as sent, nothing [Filtered]',
  x: (_sentry, raw) => raw.headers,
};
const PII_QUERY: Difference = {
  why: 'sendDefaultPii: true keeps its meaning: the query string as sent',
  x: (_sentry, raw) => raw.query,
};
const LOGIN_EMAIL: Difference = {
  why: "the login's email comes from @x's resolver, a source the SDK collects from under userInfo; Sentry has no login source",
  x: (sentry) => ({ ...sentry.user, id: LOGIN.id, email: LOGIN.email }),
};
const LOGIN_ID: Difference = {
  why: "the login's id is always sent (the app chose it by installing the adapter); Sentry has no login source",
  x: (sentry) => ({ ...sentry.user, id: LOGIN.id }),
};
const X_DEFAULTS = {
  cookies: X_DEFAULT_COOKIES,
  headers: X_DEFAULT_HEADERS,
  user: X_DEFAULT_USER,
  frames: X_DEFAULT_FRAMES,
};

/** The settings table: @x and Sentry given the same settings (or their counterparts). */
const SETTINGS: Row[] = [
  { name: 'unset', x: {}, sentry: undefined, differs: X_DEFAULTS },
  {
    name: 'sendDefaultPii: false',
    x: { sendDefaultPii: false },
    sentry: undefined,
    differs: X_DEFAULTS,
  },
  { name: 'dataCollection: {}', x: { dataCollection: {} }, sentry: {}, differs: X_DEFAULTS },
  { name: 'all true', x: { dataCollection: ALL_ON }, sentry: ALL_ON },
  {
    name: 'all false',
    x: {
      dataCollection: {
        userInfo: false,
        cookies: false,
        httpHeaders: false,
        urlQueryParams: false,
        frameContextLines: 0,
      },
    },
    sentry: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      urlQueryParams: false,
      frameContextLines: 0,
    },
  },
  {
    name: '{ allow } (a sensitive name stays [Filtered] even when allowed)',
    x: {
      dataCollection: {
        userInfo: true,
        cookies: { allow: ['theme', 'session'] },
        httpHeaders: { request: { allow: ['user-agent', 'x-custom', 'authorization'] } },
        urlQueryParams: { allow: ['q', 'token'] },
        frameContextLines: 3,
      },
    },
    sentry: {
      userInfo: true,
      cookies: { allow: ['theme', 'session'] },
      httpHeaders: { request: { allow: ['user-agent', 'x-custom', 'authorization'] } },
      urlQueryParams: { allow: ['q', 'token'] },
      frameContextLines: 3,
    },
  },
  {
    name: '{ deny }',
    x: {
      dataCollection: {
        userInfo: true,
        cookies: { deny: ['LANG'] },
        httpHeaders: { request: { deny: ['custom'] }, response: false },
        urlQueryParams: { deny: ['email'] },
        frameContextLines: 7,
      },
    },
    sentry: {
      userInfo: true,
      cookies: { deny: ['LANG'] },
      httpHeaders: { request: { deny: ['custom'] }, response: false },
      urlQueryParams: { deny: ['email'] },
      frameContextLines: 7,
    },
  },
  {
    name: 'httpHeaders, one behaviour for both directions: { deny }',
    x: { dataCollection: { ...ALL_ON, httpHeaders: { deny: ['x-custom', 'agent'] } } },
    sentry: { ...ALL_ON, httpHeaders: { deny: ['x-custom', 'agent'] } },
  },
  {
    name: 'httpHeaders, one behaviour for both directions: false',
    x: { dataCollection: { ...ALL_ON, httpHeaders: false } },
    sentry: { ...ALL_ON, httpHeaders: false },
  },
  {
    name: 'httpHeaders: { request: false, response: true }',
    x: { dataCollection: { ...ALL_ON, httpHeaders: { request: false, response: true } } },
    sentry: { ...ALL_ON, httpHeaders: { request: false, response: true } },
  },
  ...[0, 3, 5, 7].map(
    (lines): Row => ({
      name: `frameContextLines: ${lines}`,
      x: { dataCollection: { ...ALL_ON, frameContextLines: lines } },
      sentry: { ...ALL_ON, frameContextLines: lines },
    }),
  ),
  {
    name: 'frameContextLines wins over contextLines',
    x: { contextLines: 2, dataCollection: { ...ALL_ON, frameContextLines: 3 } },
    sentry: { ...ALL_ON, frameContextLines: 3 },
  },
  {
    name: 'one category given, the others at their defaults',
    x: { dataCollection: { cookies: { allow: ['theme'] } } },
    sentry: { cookies: { allow: ['theme'] } },
    differs: { headers: X_DEFAULT_HEADERS, user: X_DEFAULT_USER, frames: X_DEFAULT_FRAMES },
  },
  {
    name: 'sendDefaultPii: true',
    x: { sendDefaultPii: true },
    sentry: undefined,
    differs: {
      cookies: PII_COOKIES,
      headers: PII_HEADERS,
      query: PII_QUERY,
      frames: X_DEFAULT_FRAMES,
    },
  },
  {
    name: 'sendDefaultPii: true and dataCollection: the categories given win',
    x: {
      sendDefaultPii: true,
      dataCollection: { cookies: { allow: ['theme'] }, httpHeaders: true, urlQueryParams: true },
    },
    sentry: { cookies: { allow: ['theme'] }, httpHeaders: true, urlQueryParams: true },
    differs: { frames: X_DEFAULT_FRAMES },
  },
  {
    name: 'sendDefaultPii: true, dataCollection: { userInfo: false }',
    x: { sendDefaultPii: true, dataCollection: { ...ALL_ON, userInfo: false } },
    sentry: { ...ALL_ON, userInfo: false },
  },
  {
    name: 'userInfo: true, the login from the resolver',
    x: { dataCollection: { ...ALL_ON, userInfo: true } },
    sentry: { ...ALL_ON, userInfo: true },
    user: 'login',
    differs: { user: LOGIN_EMAIL },
  },
  {
    name: 'userInfo: false, the login from the resolver (its id and username still sent)',
    x: { dataCollection: { ...ALL_ON, userInfo: false } },
    sentry: { ...ALL_ON, userInfo: false },
    user: 'login',
    differs: { user: LOGIN_ID },
  },
  {
    name: 'userInfo: true, setUser in both',
    x: { dataCollection: { ...ALL_ON, userInfo: true } },
    sentry: { ...ALL_ON, userInfo: true },
    user: 'setUser',
  },
  {
    name: 'userInfo: false, setUser in both (what the app sets is always sent)',
    x: { dataCollection: { ...ALL_ON, userInfo: false } },
    sentry: { ...ALL_ON, userInfo: false },
    user: 'setUser',
  },
];

let port = 0;
let handle: (req: IncomingMessage) => void = () => undefined;
const server = createServer((req, res) => {
  handle(req);
  res.end('ok');
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await Sentry.close(2000);
  await x.close(1000);
  resetCarrier();
  await new Promise((resolve) => server.close(resolve));
});

/** One GET of {@link PATH} with {@link HEADERS}, from 127.0.0.1. */
function sendRequest(): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: PATH, headers: HEADERS }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

function thrown(): Error {
  try {
    fixture.checkout();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the fixture did not throw');
}

async function startSentry(dataCollection: SentryDataCollection | undefined, into: x.Event[]) {
  await Sentry.close(2000);
  Sentry.init({
    dsn: 'http://public@127.0.0.1:9/42',
    defaultIntegrations: false,
    integrations: [
      Sentry.httpIntegration({ spans: false }),
      Sentry.requestDataIntegration(),
      Sentry.contextLinesIntegration(),
    ],
    ...(dataCollection ? { dataCollection } : {}),
    // Captured here, never sent.
    beforeSend: (event) => {
      into.push(event as unknown as x.Event);
      return null;
    },
    sendClientReports: false,
    enableRuntimeChannelInjection: false,
    // The test's own request carries no sentry-trace or baggage header.
    tracePropagationTargets: [],
  });
}

function startX(settings: XSettings, into: x.Event[]): void {
  x.init({
    dsn: 'http://public@127.0.0.1:9/43',
    sendClientReports: false,
    transport: () => ({
      send: (envelope) => {
        const [, , payload] = envelopeText(envelope.body).split('\n');
        into.push(JSON.parse(payload ?? 'null') as x.Event);
      },
      flush: async () => true,
    }),
    ...settings,
  });
}

/** Runs one row: the request, an error captured in it by each SDK; both events and the raw request. */
async function runRow(row: Row): Promise<{ sentry: x.Event; ours: x.Event; raw: Raw }> {
  const sentryEvents: x.Event[] = [];
  const ourEvents: x.Event[] = [];
  await startSentry(row.sentry, sentryEvents);
  startX(row.x, ourEvents);
  let raw: Raw | undefined;
  handle = (req) => {
    raw = { headers: { ...req.headers }, query: (req.url ?? '').split('?')[1] ?? '' };
    if (row.user === 'setUser') Sentry.setUser({ ...SET_USER });
    Sentry.captureException(thrown());
    runRequest(
      {
        method: req.method,
        url: requestUrl({ protocol: 'http', host: req.headers.host, path: req.url }),
        headers: req.headers,
        clientIp: () => x.clientIpFromHeaders(req.headers, 'loopback', req.socket.remoteAddress),
        getUser: row.user === 'login' ? () => ({ ...LOGIN }) : undefined,
      },
      () => {
        if (row.user === 'setUser') x.setUser({ ...SET_USER });
        x.captureException(thrown());
      },
    );
  };
  await sendRequest();
  expect(await Sentry.flush(2000)).toBe(true);
  expect(await x.flush(2000)).toBe(true);
  const [sentry] = sentryEvents;
  const [ours] = ourEvents;
  if (!sentry || !ours || !raw) throw new Error(`${row.name}: an event is missing`);
  return { sentry, ours, raw };
}

function observe(event: x.Event, sdk: 'sentry' | 'x'): Observed {
  const request = event.request ?? {};
  const [url, urlQuery] = (request.url ?? '').split('?');
  // Sentry writes the (filtered) query into the URL as well as into query_string.
  if (sdk === 'sentry') expect(urlQuery).toBe(request.query_string);
  else expect(urlQuery).toBeUndefined();
  const frames = (event.exception?.values?.at(-1)?.stacktrace?.frames ?? []).filter((frame) =>
    (frame.abs_path ?? frame.filename ?? '').endsWith('checkout.cjs'),
  );
  const user = event.user ?? {};
  return {
    url,
    query: request.query_string,
    cookies: request.cookies,
    headers: request.headers,
    frames: frames.map((frame) => ({
      line: frame.lineno,
      pre: frame.pre_context?.length ?? 0,
      context: frame.context_line !== undefined,
      post: frame.post_context?.length ?? 0,
    })),
    user: {
      id: user.id,
      email: user.email,
      ip: user.ip_address ?? undefined,
      // What a backend derives from the user's IP (Relay, @x/inbox): present exactly when it is.
      geo: typeof user.ip_address === 'string',
    },
  };
}

describe('dataCollection: @x against @sentry/node 11, field by field', () => {
  it.each(SETTINGS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const { sentry: sentryEvent, ours: ourEvent, raw } = await runRow(row);
    const sentry = observe(sentryEvent, 'sentry');
    const ours = observe(ourEvent, 'x');
    // The fixture's two frames reached both SDKs.
    expect(sentry.frames.map((f) => f.line)).toEqual([33, 25, 15]);
    for (const field of FIELDS) {
      const difference = row.differs?.[field];
      if (!difference) {
        expect(ours[field], `${field} (same as Sentry)`).toEqual(sentry[field]);
        continue;
      }
      expect(ours[field], `${field}: ${difference.why}`).toEqual(difference.x(sentry, raw));
      expect(ours[field], `${field} differs from Sentry: ${difference.why}`).not.toEqual(
        sentry[field],
      );
    }
  });

  it('the table covers what it claims: sensitive values filtered, plain ones kept', async () => {
    const { sentry, ours } = await runRow(SETTINGS[3] as Row);
    for (const event of [sentry, ours]) {
      expect(event.request?.cookies).toEqual({
        session: FILTERED,
        csrf_token: FILTERED,
        theme: 'dark',
        lang: 'en',
        'connect.sid': FILTERED,
      });
      expect(event.request?.headers).toMatchObject({
        cookie: FILTERED,
        authorization: FILTERED,
        'x-api-key': FILTERED,
        'user-agent': 'TableTest/1.0',
        'x-custom': 'custom-value',
        'x-forwarded-for': CLIENT_IP,
      });
      expect(event.request?.query_string).toBe(`token=${FILTERED}&q=shoes&email=ann%40example.com`);
      expect(event.user?.ip_address).toBe(CLIENT_IP);
    }
  });
});

/** A category's value as the README's "Data collection" table writes it. */
function cell(value: boolean | number | NamedData | undefined): string {
  if (typeof value !== 'object') return `\`${value}\``;
  if (value.behavior === false) return '`false`';
  if (value.sensitive === 'keep') return 'as sent';
  if (value.sensitive === 'omit') return '`true`, sensitive names left out';
  return `\`${JSON.stringify(value.behavior)}\``;
}

/** The README's "Data collection" table: category → its cells. */
function readmeTable(): Map<string, string[]> {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.split('\n### Data collection\n')[1]?.split('\n#')[0] ?? '';
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((text) => text.trim()),
    );
  return new Map(rows.map(([category = '', ...cells]) => [category.replaceAll('`', ''), cells]));
}

describe('the README table of categories', () => {
  it("states v11's defaults, @x's defaults and sendDefaultPii's meaning as the code has them", async () => {
    await Sentry.close(2000);
    Sentry.init({ dsn: 'http://public@127.0.0.1:9/42', defaultIntegrations: false });
    const v11 = (
      Sentry.getClient() as unknown as {
        getDataCollectionOptions(): {
          userInfo: boolean;
          cookies: boolean;
          httpHeaders: { request: boolean };
          urlQueryParams: boolean;
          graphQL: { variables: boolean };
          frameContextLines: number;
        };
      }
    ).getDataCollectionOptions();
    const on = (value: boolean): NamedData => ({ behavior: value, sensitive: 'filter' });
    const ours = X_DATA_COLLECTION_DEFAULTS;
    const pii = SEND_DEFAULT_PII_COLLECTION;
    const expected = new Map([
      ['userInfo', [cell(v11.userInfo), cell(ours.userInfo), cell(pii.userInfo)]],
      ['cookies', [cell(on(v11.cookies)), cell(ours.cookies), cell(pii.cookies)]],
      [
        'httpHeaders.request',
        [
          cell(on(v11.httpHeaders.request)),
          cell(ours.httpHeaders.request),
          cell(pii.httpHeaders.request),
        ],
      ],
      [
        'urlQueryParams',
        [cell(on(v11.urlQueryParams)), cell(ours.urlQueryParams), cell(pii.urlQueryParams)],
      ],
      [
        'graphQL.variables',
        [cell(v11.graphQL.variables), cell(ours.graphQL.variables), cell(pii.graphQL.variables)],
      ],
      [
        'frameContextLines',
        [cell(v11.frameContextLines), cell(ours.frameContextLines), cell(pii.frameContextLines)],
      ],
    ]);
    const table = readmeTable();
    expect([...table.keys()]).toEqual([...expected.keys()]);
    for (const [category, cells] of expected) {
      expect(table.get(category)?.slice(0, 3), category).toEqual(cells);
      expect(table.get(category)?.[3], `${category}: what @x collects`).toBeTruthy();
    }
  });
});
