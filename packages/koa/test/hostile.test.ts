// Hostile input on the request path: random, malformed, giant and spoofing headers, thousands of
// X-Forwarded-For entries, and auth users that are Proxies, throw, loop or weigh megabytes. The
// app with @x must answer exactly as the bare app, never crash, never leave an unhandled rejection,
// never believe a spoofed IP, and never send personal data without sendDefaultPii.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  expectNoPersonalData,
  expectSameAnswers,
  hostileUser,
  rawGet,
  recordingTransport,
  SPOOFED_IP,
  spoofedHeaders,
} from '@x/test-kit/hostile';
import Koa from 'koa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureMessage, close, flush, init, koaMiddleware } from '../src/index';

function buildApp(withX: boolean, proxy = false): Koa {
  const app = new Koa();
  app.silent = true;
  app.proxy = proxy;
  if (withX) app.use(koaMiddleware());
  app.use(async (ctx, next) => {
    ctx.state.user = hostileUser(ctx.get('x-user-kind') || undefined);
    await next();
  });
  app.use(async (ctx) => {
    if (ctx.path === '/boom') throw new Error('boom');
    if (ctx.path === '/message') captureMessage('hello');
    ctx.body = { ok: true, path: ctx.path };
  });
  return app;
}

async function listen(app: Koa): Promise<{ url: string; server: Server }> {
  // A large header limit lets the giant headers reach the app instead of Node's own 431.
  const server = createServer({ maxHeaderSize: 4 * 1024 * 1024 }, app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
beforeAll(() => process.on('unhandledRejection', onRejection));
afterAll(() => process.off('unhandledRejection', onRejection));
afterEach(() => close(500));

describe('@x/koa under hostile input', () => {
  it('answers exactly as the bare app, for any headers and any auth user', async () => {
    const recorder = recordingTransport();
    init({ dsn: 'http://k@127.0.0.1:9/1', transport: recorder.transport, sendDefaultPii: false });
    const bare = await listen(buildApp(false));
    const withX = await listen(buildApp(true));
    const booms = await expectSameAnswers(bare.url, withX.url, 150);
    bare.server.close();
    withX.server.close();
    expect(await flush(5000)).toBe(true);
    const events = recorder.events();
    expect(events.filter((e) => e.exception)).toHaveLength(booms);
    // No IP, cookie, auth header or auth email without sendDefaultPii; no spoofed IP ever.
    expectNoPersonalData(recorder);
    expect(rejections).toEqual([]);
  }, 120_000);

  it('spoofed IP headers are never believed without app.proxy, and only X-Forwarded-For with it', async () => {
    const recorder = recordingTransport();
    init({ dsn: 'http://k@127.0.0.1:9/1', transport: recorder.transport, sendDefaultPii: true });
    const plain = await listen(buildApp(true, false));
    const proxied = await listen(buildApp(true, true));
    await rawGet(plain.url, '/boom', { ...spoofedHeaders(), 'x-user-kind': 'plain' });
    await rawGet(proxied.url, '/boom', {
      ...spoofedHeaders(),
      'x-forwarded-for': '203.0.113.4',
      'x-user-kind': 'plain',
    });
    plain.server.close();
    proxied.server.close();
    await flush(5000);
    const [a, b] = recorder.events();
    expect(a?.user).toMatchObject({ id: 'plain-user', ip_address: '127.0.0.1' });
    expect(b?.user).toMatchObject({ id: 'plain-user', ip_address: '203.0.113.4' });
    expect(recorder.text()).not.toContain(`"ip_address":"${SPOOFED_IP}"`);
    expect(recorder.text()).not.toContain(`"REMOTE_ADDR":"${SPOOFED_IP}"`);
  });
});
