// The browser client (`initBrowserClient`, what @x/next/client's initBrowser runs) and its fetch
// transport, against the real HTTP sink: what reaches the backend, Sentry's rate limits, the
// keepalive budget, and the client reports for what it gave up on. Where time matters (a rate
// limit running out, a retry that must not come) the transport runs on a manual clock, so no
// test waits in real time. The same client in headless Chromium:
// packages/next/test/browser.test.ts.
import { describe, expect, it } from 'vitest';
import { getCarrier } from '../src/carrier';
import { createFetchTransport } from '../src/fetchTransport';
import { initBrowserClient } from '../src/internal';
import { captureException, captureMessage, flush, getIsolationScope, setUser } from '../src/node';
import { useSharedSink } from './sink';
import { virtualTime } from './virtualTime';

const sink = useSharedSink();

/** Counts every request the sink sees, answered or not; `fn` gets this test's request index. */
function answer(fn: (index: number) => ReturnType<typeof sink.behaviour>): { count: number } {
  const seen = { count: 0 };
  sink.behaviour = () => fn(seen.count++);
  return seen;
}

function discarded() {
  return (
    sink.items('client_report') as {
      discarded_events: { reason: string; category: string; quantity: number }[];
    }[]
  ).flatMap((r) => r.discarded_events);
}

/** Virtual time on the shared sink, over the fetch the transport would use by default. */
const startVirtualTime = () => virtualTime(sink, getCarrier().runtime?.fetch as typeof fetch);

describe('initBrowserClient', () => {
  it('sends with the auth in the query (no preflight), with the user, infer_ip auto with PII', async () => {
    initBrowserClient({ dsn: sink.dsn, platform: 'javascript', sendDefaultPii: true });
    setUser({ id: 'u-1', email: 'a@example.com' });
    captureException(new Error('page boom'));
    expect(await flush(2000)).toBe(true);
    const [received] = sink.received;
    expect(received?.url).toMatch(/^\/api\/42\/envelope\/\?sentry_version=7&sentry_key=public&/);
    expect(received?.headers['x-sentry-auth']).toBeUndefined();
    expect(sink.events()[0]).toMatchObject({
      platform: 'javascript',
      user: { id: 'u-1', email: 'a@example.com' },
      sdk: { settings: { infer_ip: 'auto' } },
      exception: { values: [{ type: 'Error', value: 'page boom' }] },
    });
  });

  it('is the plain client: no request, no transaction, even when a scope carries one', async () => {
    initBrowserClient({ dsn: sink.dsn, platform: 'javascript', sendDefaultPii: true });
    getIsolationScope().setRequest({ method: 'GET', url: 'http://x/a', route: () => '/a' });
    captureMessage('m');
    await flush(2000);
    expect(sink.events()[0]?.request).toBeUndefined();
    expect(sink.events()[0]?.transaction).toBeUndefined();
  });
});

describe('fetch transport', () => {
  it('429 + Retry-After: dropped, not retried; later events wait out the limit; reported', async () => {
    const seen = answer((i) =>
      i === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 200 },
    );
    const vt = startVirtualTime();
    initBrowserClient({
      dsn: sink.dsn,
      platform: 'javascript',
      transport: (options) =>
        createFetchTransport({ ...options, clock: vt.clock, fetch: vt.fetch }),
    });
    captureException(new Error('first'));
    await flush(2000);
    captureException(new Error('while limited'));
    captureMessage('while limited');
    await flush(2000);
    expect(seen.count).toBe(1); // nothing sent while limited, the 429'd one not retried
    await vt.advance(1000); // the 1 s of Retry-After, to the millisecond
    captureException(new Error('after'));
    expect(await flush(2000)).toBe(true);
    expect(
      sink.events().map((e) => (e.exception as { values: { value: string }[] }).values[0]?.value),
    ).toEqual(['after']);
    expect(discarded()).toEqual(
      expect.arrayContaining([
        { reason: 'ratelimit_backoff', category: 'error', quantity: 2 },
        { reason: 'ratelimit_backoff', category: 'default', quantity: 1 },
      ]),
    );
  });

  it('X-Sentry-Rate-Limits limits only the categories it names', async () => {
    answer((i) =>
      i === 0
        ? { status: 200, headers: { 'X-Sentry-Rate-Limits': '60:error:organization' } }
        : { status: 200 },
    );
    initBrowserClient({ dsn: sink.dsn, platform: 'javascript' });
    captureMessage('first');
    await flush(2000);
    captureException(new Error('limited'));
    captureMessage('still sent');
    await flush(2000);
    expect(
      sink.events().map((e) => (e.logentry as { formatted: string } | undefined)?.formatted),
    ).toEqual(['first', 'still sent']);
    expect(discarded()).toEqual([{ reason: 'ratelimit_backoff', category: 'error', quantity: 1 }]);
  });

  it('5xx and network errors: dropped as network_error, 4xx as send_error — never retried', async () => {
    const seen = answer(
      (i) => [{ status: 503 }, { status: 400 }, 'reset' as const][i] ?? { status: 200 },
    );
    const vt = startVirtualTime();
    const dropped: string[] = [];
    const transport = createFetchTransport({
      url: `http://127.0.0.1:${sink.port}/api/42/envelope/`,
      headers: {},
      clock: vt.clock,
      fetch: vt.fetch,
      recordDropped: (reason, category) => dropped.push(`${reason}:${category}`),
    });
    const body = new TextEncoder().encode('{}\n{"type":"event"}\n{}');
    for (let i = 0; i < 3; i++) {
      transport.send({ body, categories: ['error'] });
      expect(await transport.flush(2000)).toBe(true);
    }
    // A minute of the transport's time, every timer in it fired: a retry would have come (the
    // HTTP transport's longest backoff is 30 s).
    await vt.advance(60_000);
    expect(seen.count).toBe(3);
    expect(dropped).toEqual(['network_error:error', 'send_error:error', 'network_error:error']);
  });

  it('keepalive while the in-flight keepalive bodies stay within 60,000 bytes and 15 requests', async () => {
    // Each batch is sent in one turn, so its requests are all in flight when the transport
    // decides on the next one's keepalive: the sink needs no delay to hold them there.
    answer(() => ({ status: 200 }));
    const keepalive: boolean[] = [];
    const transport = createFetchTransport({
      url: `http://127.0.0.1:${sink.port}/api/42/envelope/`,
      headers: {},
      keepalive: true,
      fetch: (url, init) => {
        keepalive.push(init?.keepalive === true);
        return fetch(url, init);
      },
    });
    const envelope = (bytes: number) => ({
      body: new TextEncoder().encode(
        `{}\n{"type":"event","length":${bytes}}\n{"a":"${'x'.repeat(bytes - 8)}"}`,
      ),
      categories: ['error' as const],
    });
    for (let i = 0; i < 17; i++) transport.send(envelope(100));
    expect(await transport.flush(5000)).toBe(true);
    transport.send(envelope(50_000));
    transport.send(envelope(20_000)); // 70,000 bytes would be over the budget
    expect(await transport.flush(5000)).toBe(true);
    transport.send(envelope(20_000)); // the budget is free again
    expect(await transport.flush(5000)).toBe(true);
    expect(keepalive).toEqual([...Array(15).fill(true), false, false, true, false, true]);
  });

  it('more than `concurrency` requests in flight: the rest dropped as queue_overflow', async () => {
    // Sent in one turn: the first two are still in flight when the third comes.
    answer(() => ({ status: 200 }));
    const dropped: string[] = [];
    const transport = createFetchTransport({
      url: `http://127.0.0.1:${sink.port}/api/42/envelope/`,
      headers: {},
      concurrency: 2,
      recordDropped: (reason, category) => dropped.push(`${reason}:${category}`),
    });
    const body = new TextEncoder().encode('{}\n{"type":"event"}\n{}');
    for (let i = 0; i < 3; i++) transport.send({ body, categories: ['error'] });
    expect(await transport.flush(5000)).toBe(true);
    expect(dropped).toEqual(['queue_overflow:error']);
    expect(sink.received).toHaveLength(2);
  });
});
