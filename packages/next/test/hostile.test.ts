// Hostile input through the @x/next wrappers: random, giant and spoofing headers, long
// X-Forwarded-For chains, and getUser results that are Proxies, throw, loop or weigh megabytes.
// The wrapped handler must answer exactly as the bare one, and nothing spoofed or personal leaks.
import {
  expectNoPersonalData,
  hostileHeaders,
  hostileUser,
  recordingTransport,
  SPOOFED_IP,
  spoofedHeaders,
} from '@x/test-kit/hostile';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureMessage, close, flush, registerX, type User, withUser } from '../src/index';

async function handler(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path === '/boom') throw new Error('boom');
  if (path === '/message') captureMessage('hello');
  return Response.json({ ok: true, path });
}

async function answer(fn: (r: Request) => Promise<Response>, request: Request) {
  try {
    const res = await fn(request);
    return { status: res.status, body: await res.text() };
  } catch (error) {
    return { threw: String(error) };
  }
}

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
beforeAll(() => process.on('unhandledRejection', onRejection));
afterAll(() => process.off('unhandledRejection', onRejection));
afterEach(() => close(500));

function register(
  recorder: ReturnType<typeof recordingTransport>,
  sendDefaultPii: boolean,
  trustProxy?: number,
) {
  registerX({
    dsn: 'http://k@127.0.0.1:9/1',
    transport: recorder.transport,
    sendDefaultPii,
    trustProxy,
    getUser: (request) => hostileUser(request.headers.get('x-user-kind') ?? undefined) as User,
  });
}

describe('@x/next under hostile input', () => {
  it('a wrapped route handler answers exactly as the bare one, for any headers and any session', async () => {
    const recorder = recordingTransport();
    register(recorder, false);
    const route = withUser(handler);
    const wrapped = (request: Request) => route(request, {});
    let booms = 0;
    await fc.assert(
      fc.asyncProperty(
        hostileHeaders,
        fc.constantFrom('/ok', '/boom', '/message'),
        async (headers, path) => {
          const make = () => new Request(`http://app.test${path}`, { headers });
          expect(await answer(wrapped, make())).toEqual(await answer(handler, make()));
          if (path === '/boom') booms++;
        },
      ),
      { numRuns: 200 },
    );
    expect(await flush(5000)).toBe(true);
    const events = recorder.events();
    expect(events.filter((e) => e.exception)).toHaveLength(booms);
    expectNoPersonalData(recorder);
    expect(rejections).toEqual([]);
  }, 120_000);

  it('no spoofing header is believed without trustProxy; with a hop count only the appended entry is', async () => {
    const recorder = recordingTransport();
    register(recorder, true);
    const headers = { ...spoofedHeaders(), 'x-user-kind': 'plain' };
    await withUser(handler)(new Request('http://app.test/boom', { headers }), {}).catch(
      () => undefined,
    );
    register(recorder, true, 1);
    await withUser(handler)(
      new Request('http://app.test/boom', {
        headers: { ...headers, 'x-forwarded-for': `${SPOOFED_IP}, 203.0.113.4` },
      }),
      {},
    ).catch(() => undefined);
    await flush(5000);
    const [a, b] = recorder.events();
    expect(a?.user).toEqual({ id: 'plain-user', username: 'plain', email: 'plain@example.com' });
    expect(b?.user).toMatchObject({ id: 'plain-user', ip_address: '203.0.113.4' });
  });
});
