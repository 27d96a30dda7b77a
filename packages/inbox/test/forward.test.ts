// --forward: accepted envelopes go on to an upstream DSN (here a second real inbox, and a
// flaky HTTP server on 127.0.0.1), with retries, without slowing ingest down.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventDetail } from '../src/index';
import { envelope, get, newEventId, post, startTestInbox, type TestInbox } from './helpers';

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

describe('forwarding', () => {
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

  it('retries with backoff on 503 and rewrites the envelope dsn to the upstream one', async () => {
    const requests: { auth: string | undefined; body: string }[] = [];
    const flaky = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        requests.push({
          auth: req.headers['x-sentry-auth'] as string,
          body: Buffer.concat(chunks).toString(),
        });
        res.statusCode = requests.length < 3 ? 503 : 200;
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => flaky.close(resolve)));
    const port = (flaky.address() as AddressInfo).port;
    const local = await startTestInbox({
      forward: `http://flakykey@127.0.0.1:${port}/42`,
      forwardRetry: { retries: 3, backoffMs: 20 },
    });
    cleanup.push(() => local.dispose());

    const started = Date.now();
    const answer = await post(
      local,
      envelope({ dsn: local.dsn }, [{ type: 'event' }, { message: 'retry me' }]),
    );
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await local.forwarder?.flush(5000)).toBe(true);

    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(requests[0]?.auth).toBe(
      'Sentry sentry_version=7, sentry_key=flakykey, sentry_client=x-inbox/0.1.0',
    );
    expect(JSON.parse(requests[0]?.body.split('\n')[0] ?? '')).toEqual({
      dsn: `http://flakykey@127.0.0.1:${port}/42`,
    });
    expect(local.forwarder?.stats).toEqual({ sent: 1, failed: 0, dropped: 0 });
  });

  it('gives up after the retries when the upstream is down, and ingest is unaffected', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const local = await startTestInbox({
      forward: `http://k@127.0.0.1:${port}/1`,
      forwardRetry: { retries: 2, backoffMs: 10 },
    });
    cleanup.push(() => local.dispose());
    const answer = await post(local, envelope({}, [{ type: 'event' }, { message: 'nowhere' }]));
    expect(answer.status).toBe(200);
    await local.forwarder?.flush(5000);
    expect(local.forwarder?.stats).toEqual({ sent: 0, failed: 1, dropped: 0 });
    expect(local.logs).toEqual([
      `@x/inbox: could not forward to http://127.0.0.1:${port}/api/1/envelope/`,
    ]);
  });

  it('refuses a bad --forward DSN at startup with a hint', async () => {
    await expect(startTestInbox({ forward: 'not a dsn' })).rejects.toThrow(
      '@x/inbox: --forward "not a dsn" is not a DSN (https://<key>@<host>/<project>)',
    );
  });
});
