// --forward: accepted envelopes go on to an upstream DSN (here a second real inbox, and an HTTP
// server on 127.0.0.1 that answers as a test says) on @x/core's transport: retries with backoff,
// the upstream's rate limits, no retry of a 413, a queue bounded in bytes — without slowing
// ingest down. Retry and rate-limit tests run on a manual clock (virtual time): minutes of
// backoff and Retry-After take milliseconds, and the times the upstream saw are exact.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parseEnvelope } from '../src/envelope';
import type { EventDetail, InboxOptions } from '../src/index';
import {
  envelope,
  eventEnvelope,
  get,
  newEventId,
  post,
  startTestInbox,
  type TestInbox,
} from './helpers';
import { type VirtualTime, virtualTime } from './virtualTime';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(() => Promise.all(cleanup.map((fn) => fn())));

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What the upstream saw of one request. */
interface UpstreamRequest {
  /** Virtual time of arrival. */
  time: number;
  headers: IncomingHttpHeaders;
  path: string;
  /** The body, gunzipped when it came compressed. */
  body: string;
}

interface UpstreamAnswer {
  status: number;
  headers?: Record<string, string>;
}

/** A real HTTP server playing the upstream Sentry; `answer` decides each response (may wait). */
async function startUpstream(
  vt: VirtualTime | undefined,
  answer: (index: number) => UpstreamAnswer | Promise<UpstreamAnswer> = () => ({ status: 200 }),
) {
  const requests: UpstreamRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const index = requests.length;
      requests.push({
        time: vt?.clock.now() ?? Date.now(),
        headers: req.headers,
        path: req.url ?? '',
        body: body.toString(),
      });
      const { status, headers = {} } = await answer(index);
      res.writeHead(status, headers).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    dsn: `http://upkey@127.0.0.1:${port}/42`,
    /** The `message` (or transaction name) of each request's first item, in arrival order. */
    messages: () =>
      requests.map((r) => {
        const item = parseEnvelope(Buffer.from(r.body)).items[0];
        const payload = JSON.parse(item?.payload.toString() ?? '{}') as Record<string, unknown>;
        return payload.message ?? payload.transaction;
      }),
  };
}

/** A local inbox forwarding to `dsn` on virtual time. */
async function forwardingInbox(
  vt: VirtualTime,
  dsn: string,
  forwardOptions: InboxOptions['forwardOptions'] = {},
): Promise<TestInbox> {
  const local = await startTestInbox({
    forward: dsn,
    forwardOptions: { clock: vt.clock, fetch: vt.fetch, ...forwardOptions },
  });
  cleanup.push(() => local.dispose());
  return local;
}

/** Posts an event (an exception when `error`, else a message) and lets the forwarder act on it. */
async function send(vt: VirtualTime, local: TestInbox, message: string, error = false) {
  const event = error
    ? { exception: { values: [{ type: 'Error', value: message }] }, message }
    : { message };
  expect((await post(local, eventEnvelope({ event_id: newEventId(), ...event }))).status).toBe(200);
  await vt.settle();
}

const SECOND = 1000;

describe('forwarding', () => {
  let vt: VirtualTime;
  beforeEach(() => {
    vt = virtualTime();
  });

  it('sends every accepted envelope on to the upstream DSN', async () => {
    const upstream = await startTestInbox({ key: 'upstreamkey' });
    const upstreamDsn = upstream.dsn;
    expect(upstreamDsn).toBe(`http://upstreamkey@127.0.0.1:${upstream.port}/1`);
    const local: TestInbox = await startTestInbox({ forward: upstreamDsn });
    cleanup.push(
      () => local.dispose(),
      () => upstream.dispose(),
    );

    const id = newEventId();
    const body = envelope({ event_id: id, dsn: local.dsn }, [
      { type: 'event' },
      { event_id: id, message: 'forward me', user: { id: 'f1', ip_address: '8.8.8.8' } },
    ]);
    expect((await post(local, body)).status).toBe(200);
    const there = await until(async () => {
      const response = await fetch(`${upstream.url}/api/events/${id}`);
      return response.ok ? ((await response.json()) as EventDetail) : undefined;
    });
    const here = await get<EventDetail>(local, `/api/events/${id}`);
    expect(there.event.user).toEqual(here.event.user);
    expect(await get(local, '/api/health')).toMatchObject({
      forwarding: { sent: 1, failed: 0, dropped: 0 },
    });
  });

  it('sends a legacy store event as an envelope with the same id (gzipped when large)', async () => {
    const upstream = await startTestInbox({ key: 'upstreamkey' });
    const local = await startTestInbox({ forward: upstream.dsn });
    cleanup.push(
      () => local.dispose(),
      () => upstream.dispose(),
    );
    // Over core's 32 KiB compression threshold: the upstream inbox must gunzip it.
    const answer = await post(
      local,
      JSON.stringify({ message: 'legacy', extra: { big: 'x'.repeat(40_000) } }),
      { path: '/api/1/store/' },
    );
    expect(answer.status).toBe(200);
    const { id } = answer.body as { id: string };
    const there = await until(async () => {
      const response = await fetch(`${upstream.url}/api/events/${id}`);
      return response.ok ? ((await response.json()) as EventDetail) : undefined;
    });
    expect(there.event).toMatchObject({ logentry: { formatted: 'legacy' } });
    expect((there.event.extra as { big: string }).big).toHaveLength(40_000);
  });

  it('retries with backoff on 503 and rewrites the envelope dsn to the upstream one', async () => {
    const upstream = await startUpstream(vt, (i) => ({ status: i < 2 ? 503 : 200 }));
    const local = await forwardingInbox(vt, upstream.dsn, { maxRetries: 3 });

    const started = Date.now();
    const answer = await post(
      local,
      envelope({ dsn: local.dsn }, [{ type: 'event' }, { message: 'retry me' }]),
    );
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await vt.run(local.forwarder?.flush(60_000) ?? Promise.resolve(false))).toBe(true);

    const { requests } = upstream;
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(requests[0]?.headers['x-sentry-auth']).toBe(
      'Sentry sentry_version=7, sentry_key=upkey, sentry_client=x-inbox/0.1.0',
    );
    expect(requests[0]?.path).toBe('/api/42/envelope/');
    expect(JSON.parse(requests[0]?.body.split('\n')[0] ?? '')).toEqual({ dsn: upstream.dsn });
    // Core's backoff: 0.5–1 s, then 1–2 s (jitter), each plus the 5 ms re-arm.
    const [t0 = 0, t1 = 0, t2 = 0] = requests.map((r) => r.time);
    expect(t1 - t0).toBeGreaterThanOrEqual(500);
    expect(t1 - t0).toBeLessThanOrEqual(1005);
    expect(t2 - t1).toBeGreaterThanOrEqual(1000);
    expect(t2 - t1).toBeLessThanOrEqual(2005);
    expect(local.forwarder?.stats).toEqual({ sent: 1, failed: 0, dropped: 0 });
  });

  it('gives up after the retries when the upstream is down, and ingest is unaffected', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const local = await forwardingInbox(vt, `http://k@127.0.0.1:${port}/1`, { maxRetries: 2 });
    const answer = await post(local, envelope({}, [{ type: 'event' }, { message: 'nowhere' }]));
    expect(answer.status).toBe(200);
    expect(await vt.run(local.forwarder?.flush(60_000) ?? Promise.resolve(false))).toBe(true);
    expect(vt.started).toBe(3);
    expect(local.forwarder?.stats).toEqual({ sent: 0, failed: 1, dropped: 0 });
    expect(local.logs).toEqual([
      `@x/inbox: could not forward to http://127.0.0.1:${port}/api/1/envelope/`,
    ]);
  });

  it('drops a 413 without retrying it', async () => {
    const upstream = await startUpstream(vt, (i) => ({ status: i === 0 ? 413 : 200 }));
    const local = await forwardingInbox(vt, upstream.dsn);
    await send(vt, local, 'too large');
    await vt.advance(10 * 60 * SECOND);
    expect(upstream.messages()).toEqual(['too large']);
    expect(local.forwarder?.stats).toEqual({ sent: 0, failed: 1, dropped: 0 });
    expect(local.logs).toEqual([
      `@x/inbox: http://127.0.0.1:${upstream.port}/api/42/envelope/ refused an envelope with HTTP 413; not retried`,
    ]);
    await send(vt, local, 'fits');
    expect(upstream.messages()).toEqual(['too large', 'fits']);
    expect(local.forwarder?.stats).toEqual({ sent: 1, failed: 1, dropped: 0 });
  });

  it.each([
    ['Retry-After as an HTTP date, beyond 60 s', 120, (now: number) => new Date(now + 120_000)],
    ['Retry-After in seconds', 90, () => '90'],
    ['a bare 429 (60 s)', 60, () => undefined],
  ])('honours %s', async (_name, seconds, retryAfter) => {
    const upstream = await startUpstream(vt, (i) => {
      const value = i === 0 ? retryAfter(vt.clock.now()) : undefined;
      const headers: Record<string, string> =
        value === undefined
          ? {}
          : { 'retry-after': value instanceof Date ? value.toUTCString() : value };
      return { status: i === 0 ? 429 : 200, headers };
    });
    const local = await forwardingInbox(vt, upstream.dsn);
    const start = vt.clock.now();
    await send(vt, local, 'limited', true);
    expect(local.forwarder?.stats).toEqual({ sent: 0, failed: 0, dropped: 1 });

    // One second before the limit ends nothing is sent; at its end the next event goes.
    await vt.advance((seconds - 1) * SECOND);
    await send(vt, local, 'still limited', true);
    expect(upstream.messages()).toEqual(['limited']);
    expect(local.forwarder?.stats).toEqual({ sent: 0, failed: 0, dropped: 2 });
    await vt.advance(start + seconds * SECOND - vt.clock.now());
    await send(vt, local, 'free again', true);
    expect(upstream.messages()).toEqual(['limited', 'free again']);
    expect(local.forwarder?.stats).toEqual({ sent: 1, failed: 0, dropped: 2 });
    expect(local.logs.at(-1)).toBe(
      `@x/inbox: http://127.0.0.1:${upstream.port}/api/42/envelope/ is rate limiting: envelope not forwarded`,
    );
  });

  it('honours X-Sentry-Rate-Limits per category (error, default, transaction)', async () => {
    const upstream = await startUpstream(
      vt,
      (i): UpstreamAnswer => ({
        status: 200,
        headers: i === 0 ? { 'x-sentry-rate-limits': '30:error:organization' } : {},
      }),
    );
    const local = await forwardingInbox(vt, upstream.dsn);
    await send(vt, local, 'first error', true);
    await send(vt, local, 'second error', true); // limited: `error` for 30 s
    await send(vt, local, 'a message'); // `default`: not limited
    const transaction = envelope({}, [
      { type: 'transaction' },
      { type: 'transaction', transaction: 'GET /' },
    ]);
    expect((await post(local, transaction)).status).toBe(200);
    await vt.settle();
    await vt.advance(30 * SECOND);
    await send(vt, local, 'third error', true);
    expect(upstream.messages()).toEqual(['first error', 'a message', 'GET /', 'third error']);
    expect(local.forwarder?.stats).toEqual({ sent: 4, failed: 0, dropped: 1 });
  });

  it('bounds the queue in bytes, dropping the oldest, while ingest goes on', async () => {
    let release = () => {};
    const held = new Promise<UpstreamAnswer>((resolve) => {
      release = () => resolve({ status: 200 });
    });
    const upstream = await startUpstream(vt, (i) => (i === 0 ? held : { status: 200 }));
    const local = await forwardingInbox(vt, upstream.dsn, { maxQueueBytes: 25_000 });
    const padding = 'p'.repeat(10_000); // each envelope is a little over 10 kB
    const started = Date.now();
    for (const n of [1, 2, 3, 4, 5]) {
      const body = eventEnvelope({ event_id: newEventId(), message: `m${n}`, extra: { padding } });
      expect((await post(local, body)).status).toBe(200);
    }
    // The first is in flight and held; 2 and 3 were pushed out by 4 and 5 (two fit in 25 kB).
    expect(Date.now() - started).toBeLessThan(2000);
    expect(local.forwarder?.stats).toEqual({ sent: 0, failed: 0, dropped: 2 });
    expect(local.logs).toEqual([
      '@x/inbox: forward queue over 25000 bytes: oldest envelope dropped',
      '@x/inbox: forward queue over 25000 bytes: oldest envelope dropped',
    ]);
    release();
    expect(await vt.run(local.forwarder?.flush(60_000) ?? Promise.resolve(false))).toBe(true);
    expect(upstream.messages()).toEqual(['m1', 'm4', 'm5']);
    expect(local.forwarder?.stats).toEqual({ sent: 3, failed: 0, dropped: 2 });
  });

  it('refuses a bad --forward DSN at startup with a hint', async () => {
    await expect(startTestInbox({ forward: 'not a dsn' })).rejects.toThrow(
      '@x/inbox: --forward "not a dsn" is not a DSN: not a URL (expected {protocol}://{public_key}@{host}/{project_id})',
    );
  });

  it('never shows the secret key of the upstream DSN', async () => {
    for (const [dsn, shown] of [
      ['pub:s3cr3t@sentry.example/1', 'pub:***@sentry.example/1'],
      ['https://pub:s3cr3t@sentry.example/abc', 'https://pub:***@sentry.example/abc'],
      ['https://pub:s3/cr3t@sentry.example/1', 'https://pub:***@sentry.example/1'],
      ['ftp://pub:s3cr3t@sentry.example/1', 'ftp://pub:***@sentry.example/1'],
      ['https://pub:s3cr3t@sentry.example/', 'https://pub:***@sentry.example/'],
    ]) {
      const error = await startTestInbox({ forward: dsn }).then(
        () => new Error(`${dsn} was accepted`),
        (e: Error) => e,
      );
      expect(error.message).toContain(`--forward "${shown}" is not a DSN: `);
      expect(error.message).not.toMatch(/s3|cr3t/);
    }
    // A valid DSN with a secret: shown and sent on without it.
    const upstream = await startUpstream(undefined);
    const local = await startTestInbox({
      forward: `http://pub:s3cr3t@127.0.0.1:${upstream.port}/7`,
    });
    cleanup.push(() => local.dispose());
    expect(local.forwarder?.dsn).toBe(`http://pub@127.0.0.1:${upstream.port}/7`);
    const settings = await fetch(`${local.url}/settings`).then((r) => r.text());
    expect(settings).toContain(`http://pub@127.0.0.1:${upstream.port}/7`);
    expect(settings).not.toContain('s3cr3t');
    expect(
      (await post(local, envelope({ dsn: local.dsn }, [{ type: 'event' }, { message: 'x' }])))
        .status,
    ).toBe(200);
    expect(await local.forwarder?.flush(5000)).toBe(true);
    expect(upstream.requests[0]?.body).not.toContain('s3cr3t');
    expect(JSON.stringify(upstream.requests[0]?.headers)).not.toContain('s3cr3t');
  });
});
