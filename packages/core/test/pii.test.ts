import { describe, expect, it } from 'vitest';
import {
  type ClientOptions,
  captureException,
  captureMessage,
  flush,
  init,
  setUser,
  withIsolationScope,
} from '../src/node';
import { useSharedSink } from './sink';

const sink = useSharedSink();

interface SentEvent {
  user: Record<string, unknown>;
  request: { env?: Record<string, string>; headers: Record<string, string> };
  sdk: { settings: unknown };
}

const CLIENT_IP = '203.0.113.99';
const FORWARDED_IP = '198.51.100.23';
const SECRETS = [
  'SECRETCOOKIE',
  'SECRETTOKEN',
  'PROXYSECRET',
  'SETCOOKIESECRET',
  CLIENT_IP,
  FORWARDED_IP,
  'auth-email@example.com',
];

/** Captures one error in a request with cookies, auth headers, a forwarded IP and an auth user. */
async function captureInRequest(
  options: ClientOptions,
  explicit?: Parameters<typeof setUser>[0],
  clientIp = CLIENT_IP,
  webHeaders = false,
) {
  init({ dsn: sink.dsn, ...options });
  const headers = {
    cookie: 'session=SECRETCOOKIE',
    Authorization: 'Bearer SECRETTOKEN',
    'proxy-authorization': 'Basic PROXYSECRET',
    'set-cookie': ['a=SETCOOKIESECRET'],
    'x-forwarded-for': `${FORWARDED_IP}, 10.0.0.1`,
    'user-agent': 'TestAgent/1.0',
  };
  await withIsolationScope(async (scope) => {
    scope.setRequest({
      method: 'post',
      url: 'http://shop.test/pay?step=2',
      // Next and Edge hand over Web `Headers`: kept as they are, read when the event is built.
      headers: webHeaders
        ? new Headers(Object.entries(headers).map(([k, v]) => [k, String(v)]))
        : headers,
      clientIp: () => clientIp,
    });
    scope.setUserResolver(() => ({
      id: 'auth-1',
      username: 'auth-name',
      email: 'auth-email@example.com',
    }));
    if (explicit !== undefined) setUser(explicit);
    // A stack outside this file: its context lines (source code around in-app frames) would
    // otherwise carry the secret literals written above.
    const error = new Error('boom');
    error.stack = 'Error: boom\n    at pay (/srv/shop/pay.js:1:1)';
    captureException(error);
  });
  expect(await flush(2000)).toBe(true);
  const [received] = sink.received;
  if (!received) throw new Error('nothing received');
  const event = sink.events()[0] as unknown as SentEvent;
  const bytes = Buffer.concat([
    received.wire,
    received.body,
    Buffer.from(JSON.stringify(received.headers)),
  ]).toString('latin1');
  return { event, bytes, received };
}

describe('privacy: sendDefaultPii', () => {
  it('off (default): no client IP, cookie, auth header, forwarded IP or auth email anywhere in the bytes', async () => {
    const { event, bytes } = await captureInRequest({});
    for (const secret of SECRETS) expect(bytes).not.toContain(secret);
    expect(event.user).toEqual({ id: 'auth-1', username: 'auth-name' });
    expect(event.request).toEqual({
      method: 'POST',
      url: 'http://shop.test/pay',
      query_string: 'step=2',
      headers: { 'user-agent': 'TestAgent/1.0' },
    });
    expect(event.sdk.settings).toEqual({ infer_ip: 'never' });
  });

  it('off, with Web Headers (Next, Edge): filtered the same when the event is built', async () => {
    const { event, bytes } = await captureInRequest({}, undefined, CLIENT_IP, true);
    for (const secret of SECRETS) expect(bytes).not.toContain(secret);
    expect(event.request.headers).toEqual({ 'user-agent': 'TestAgent/1.0' });
  });

  it('on, with Web Headers: the same headers as from a Node request', async () => {
    const node = (await captureInRequest({ sendDefaultPii: true })).event.request.headers;
    sink.received.length = 0;
    const web = await captureInRequest({ sendDefaultPii: true }, undefined, CLIENT_IP, true);
    expect(web.event.request.headers).toEqual(node);
  });

  it('on: the client IP, cookies, auth headers and the auth email are sent', async () => {
    const { event, bytes } = await captureInRequest({ sendDefaultPii: true });
    for (const secret of SECRETS) expect(bytes).toContain(secret);
    expect(event.user).toEqual({
      id: 'auth-1',
      username: 'auth-name',
      email: 'auth-email@example.com',
      ip_address: CLIENT_IP,
    });
    expect(event.request.env).toEqual({ REMOTE_ADDR: CLIENT_IP });
    expect(event.request.headers).toMatchObject({
      cookie: 'session=SECRETCOOKIE',
      authorization: 'Bearer SECRETTOKEN',
      'x-forwarded-for': `${FORWARDED_IP}, 10.0.0.1`,
    });
    // A server never asks the backend to use the connection's IP: it is the server's own.
    expect(event.sdk.settings).toEqual({ infer_ip: 'never' });
  });

  it('explicitly set user fields are always sent, and an explicit IP is never overwritten', async () => {
    const off = await captureInRequest(
      {},
      { email: 'explicit@example.com', ip_address: '192.0.2.5' },
    );
    // setUser replaces the login user: exactly what the app set.
    expect(off.event.user).toEqual({ email: 'explicit@example.com', ip_address: '192.0.2.5' });
    sink.received.length = 0;
    const on = await captureInRequest({ sendDefaultPii: true }, { ip_address: '192.0.2.5' });
    expect(on.event.user).toEqual({ ip_address: '192.0.2.5' });
    expect(on.event.request.env).toEqual({ REMOTE_ADDR: CLIENT_IP });
  });

  it('with sendDefaultPii the request IP is filled in after setUser(...) and setUser(null) too', async () => {
    const set = await captureInRequest({ sendDefaultPii: true }, { email: 'x@example.com' });
    expect(set.event.user).toEqual({ email: 'x@example.com', ip_address: CLIENT_IP });
    sink.received.length = 0;
    const cleared = await captureInRequest({ sendDefaultPii: true }, null);
    expect(cleared.event.user).toEqual({ ip_address: CLIENT_IP });
    sink.received.length = 0;
    const off = await captureInRequest({}, null);
    expect(off.event.user).toBeUndefined();
  });

  it('ip_address: null means no IP at all: none in user, none in REMOTE_ADDR', async () => {
    const { event, bytes } = await captureInRequest(
      { sendDefaultPii: true },
      {
        id: 'auth-1',
        ip_address: null,
      },
    );
    expect(bytes).not.toContain(CLIENT_IP);
    expect(event.user).toEqual({ id: 'auth-1' });
    expect(event.request.env).toBeUndefined();
    expect(event.sdk.settings).toEqual({ infer_ip: 'never' });
  });

  it('a server never sends {{auto}}', async () => {
    const off = await captureInRequest({}, { id: 'x', ip_address: '{{auto}}' });
    expect(off.event.user).toEqual({ id: 'x' });
    sink.received.length = 0;
    const on = await captureInRequest({ sendDefaultPii: true }, { ip_address: '{{auto}}' });
    expect(on.event.user.ip_address).toBe(CLIENT_IP);
  });

  it('an invalid or throwing client IP getter contributes nothing', async () => {
    const { event } = await captureInRequest({ sendDefaultPii: true }, undefined, 'not-an-ip');
    expect(event.user.ip_address).toBeUndefined();
    expect(event.request.env).toBeUndefined();
  });
});

describe('privacy: ipAnonymization', () => {
  it('truncate covers user.ip_address, REMOTE_ADDR and forwarding headers', async () => {
    const { event, bytes } = await captureInRequest({
      sendDefaultPii: true,
      ipAnonymization: 'truncate',
    });
    expect(event.user.ip_address).toBe('203.0.113.0');
    expect(event.request.env).toEqual({ REMOTE_ADDR: '203.0.113.0' });
    expect(event.request.headers['x-forwarded-for']).toBe('198.51.100.0, 10.0.0.0');
    expect(bytes).not.toContain(CLIENT_IP);
    expect(bytes).not.toContain(FORWARDED_IP);
  });

  it('truncate zeroes the last 80 bits of IPv6 and applies to explicit IPs too', async () => {
    const v6 = '2001:db8:85a3:1234:5678:8a2e:370:7334';
    const { event } = await captureInRequest(
      { sendDefaultPii: true, ipAnonymization: 'truncate' },
      undefined,
      v6,
    );
    expect(event.user.ip_address).toBe('2001:db8:85a3::');
    expect(event.request.env).toEqual({ REMOTE_ADDR: '2001:db8:85a3::' });
    sink.received.length = 0;
    const explicit = await captureInRequest(
      { ipAnonymization: 'truncate' },
      { ip_address: '192.0.2.77' },
    );
    expect(explicit.event.user.ip_address).toBe('192.0.2.0');
  });
});

describe('privacy: browsers', () => {
  it('infer_ip is auto only with sendDefaultPii; auth goes in the query string', async () => {
    init({ dsn: sink.dsn, platform: 'javascript', sendDefaultPii: true });
    captureMessage('with pii');
    await flush(2000);
    init({ dsn: sink.dsn, platform: 'javascript' });
    captureMessage('without pii');
    await flush(2000);
    const events = sink.events();
    expect(events.map((e) => [e.platform, (e.sdk as { settings: unknown }).settings])).toEqual([
      ['javascript', { infer_ip: 'auto' }],
      ['javascript', { infer_ip: 'never' }],
    ]);
    expect(sink.received[0]?.headers['x-sentry-auth']).toBeUndefined();
    expect(sink.received[0]?.url).toMatch(
      /^\/api\/42\/envelope\/\?sentry_version=7&sentry_key=public&sentry_client=/,
    );
  });

  it('inferIp overrides the default', async () => {
    init({ dsn: sink.dsn, inferIp: 'auto' });
    captureMessage('x');
    await flush(2000);
    expect(sink.events()[0]?.sdk).toMatchObject({ settings: { infer_ip: 'auto' } });
  });
});
