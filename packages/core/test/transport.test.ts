import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getCarrier, type RuntimeSupport } from '../src/carrier';
import {
  type ClientOptions,
  captureException,
  captureMessage,
  close,
  createHttpTransport,
  flush,
  init,
  type TransportOptions,
} from '../src/node';
import { resetCarrier } from './helpers';
import { type Sink, startSink } from './sink';
import { type VirtualTime, virtualTime } from './virtualTime';

// The transport runs on a manual clock (virtual time) against the real HTTP sink: between two
// timers the driver waits for the real requests, so a 30-second outage takes milliseconds and
// timers fire in the order they would in real time. Only the child-process test uses real time.

const runtime = getCarrier().runtime as RuntimeSupport;
const realFetch = runtime.fetch as typeof fetch;
const realCreateSpool = runtime.createSpool;

let sink: Sink;
let vt: VirtualTime;
let requests: number;
/** The virtual time at which the sink saw each request. */
let times: number[];
beforeEach(async () => {
  resetCarrier();
  sink = await startSink();
  vt = virtualTime(sink, realFetch);
  requests = 0;
  times = [];
  // `spoolDir` still goes through the runtime's file spool; its operations are counted.
  runtime.createSpool = (dir, maxBytes) =>
    vt.trackSpool((realCreateSpool as NonNullable<typeof realCreateSpool>)(dir, maxBytes));
});
afterEach(async () => {
  await vt.run(close(500));
  runtime.createSpool = realCreateSpool;
  await sink.close();
});

/** Counts every request the sink sees (answered or not) and when (virtual time) it came. */
function answer(fn: (index: number) => ReturnType<Sink['behaviour']>) {
  sink.behaviour = (_req, index) => {
    requests++;
    times.push(vt.clock.now());
    return fn(index);
  };
}

function messages(): string[] {
  return sink.events().map((e) => (e.logentry as { formatted: string }).formatted);
}

/** `init` with the HTTP transport on the virtual clock (and the counted real fetch). */
function start(options: Partial<ClientOptions> = {}, transport: Partial<TransportOptions> = {}) {
  return init({
    dsn: sink.dsn,
    ...options,
    transport: (o) => createHttpTransport({ ...o, ...transport, clock: vt.clock, fetch: vt.fetch }),
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('transport: answers', () => {
  it('413: dropped with a client report, never retried', async () => {
    answer((i) => (i === 0 ? { status: 413 } : { status: 200 }));
    start();
    captureMessage('too big');
    expect(await vt.run(flush(3000))).toBe(true);
    await vt.run(flush(3000));
    await vt.advance(60_000);
    expect(requests).toBe(2); // the event once, then the client report
    expect(sink.items('client_report')).toEqual([
      {
        timestamp: expect.any(Number),
        discarded_events: [{ reason: 'send_error', category: 'default', quantity: 1 }],
      },
    ]);
  });

  it('X-Sentry-Rate-Limits: the limited category is not sent until the limit expires; others are', async () => {
    answer((i) =>
      i === 0
        ? { status: 429, headers: { 'X-Sentry-Rate-Limits': '2:error:organization' } }
        : { status: 200 },
    );
    start({ sendClientReports: false });
    captureException(new Error('first'));
    await vt.run(flush(2000));
    expect(requests).toBe(1);
    captureException(new Error('limited'));
    captureMessage('a message is category default');
    await vt.run(flush(2000));
    expect(requests).toBe(2);
    expect(messages()).toEqual(['a message is category default']);
    await vt.advance(1999);
    captureException(new Error('a millisecond before expiry'));
    await vt.run(flush(2000));
    expect(requests).toBe(2);
    await vt.advance(1);
    captureException(new Error('after expiry'));
    await vt.run(flush(2000));
    expect(
      sink
        .events()
        .map((e) => (e.exception as { values: { value: string }[] } | undefined)?.values[0]?.value),
    ).toEqual([undefined, 'after expiry']);
  });

  it.each([
    ['Retry-After seconds', () => ({ 'Retry-After': '1' }), 1000],
    [
      'Retry-After HTTP date',
      // The virtual clock starts on a whole second, so the date is exactly 2 s ahead.
      () => ({ 'Retry-After': new Date(vt.clock.now() + 2000).toUTCString() }),
      2000,
    ],
  ])('%s on 429 limits every category', async (_name, headers, limitMs) => {
    answer((i) => (i === 0 ? { status: 429, headers: headers() } : { status: 200 }));
    const client = start({ sendClientReports: true });
    captureMessage('rejected');
    await vt.run(flush(2000));
    captureMessage('while limited');
    captureException(new Error('while limited'));
    await vt.run(flush(1000));
    expect(requests).toBe(1);
    await vt.advance(limitMs - 1);
    captureMessage('a millisecond before expiry');
    await vt.run(flush(1000));
    expect(requests).toBe(1);
    await vt.advance(1);
    captureMessage('later');
    await vt.run(client.flush(2000));
    expect(messages()).toEqual(['later']);
    expect(sink.items('client_report')).toEqual([
      {
        timestamp: expect.any(Number),
        discarded_events: expect.arrayContaining([
          { reason: 'ratelimit_backoff', category: 'default', quantity: 3 },
          { reason: 'ratelimit_backoff', category: 'error', quantity: 1 },
        ]),
      },
    ]);
  });

  it('a bare 429 limits everything for 60 s', async () => {
    answer(() => ({ status: 429 }));
    start({ sendClientReports: false });
    captureMessage('one');
    await vt.run(flush(2000));
    for (let i = 0; i < 5; i++) captureMessage(`more ${i}`);
    await vt.run(flush(1000));
    expect(requests).toBe(1);
    await vt.advance(59_999);
    captureMessage('a millisecond before the minute is up');
    await vt.run(flush(1000));
    expect(requests).toBe(1);
    await vt.advance(1);
    captureMessage('a minute later');
    await vt.run(flush(1000));
    expect(requests).toBe(2);
  });

  it('500s and connection resets are retried with backoff, then delivered once', async () => {
    answer((i) => (i === 0 ? { status: 500 } : i === 1 ? 'reset' : { status: 200 }));
    start({ sendClientReports: false });
    const started = vt.clock.now();
    captureMessage('persistent');
    expect(await vt.run(flush(10_000))).toBe(true);
    expect(messages()).toEqual(['persistent']);
    expect(requests).toBe(3);
    // Two backoffs: the jittered upper halves of 1 s and 2 s (+5 ms the pump re-arms late).
    const [first = 0, second = 0, third = 0] = times;
    expect(first).toBe(started);
    expect(second - first).toBeGreaterThanOrEqual(500);
    expect(second - first).toBeLessThanOrEqual(1005);
    expect(third - second).toBeGreaterThanOrEqual(1000);
    expect(third - second).toBeLessThanOrEqual(2005);
  });

  it('backoff pauses the whole queue: an event sent meanwhile waits for it too', async () => {
    answer((i) => (i === 0 ? { status: 503 } : { status: 200 }));
    start({ sendClientReports: false });
    captureMessage('first');
    await vt.settle();
    expect(requests).toBe(1);
    captureMessage('second');
    await vt.advance(499); // the shortest first backoff is 500 ms
    expect(requests).toBe(1);
    expect(await vt.run(flush(10_000))).toBe(true);
    expect([...messages()].sort()).toEqual(['first', 'second']);
    expect(requests).toBe(3);
    expect(times[1]).toBe(times[2]);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(500);
  });

  it('a hanging backend hits the per-request timeout and the event is retried', async () => {
    answer((i) => (i === 0 ? 'hang' : { status: 200 }));
    start({ sendClientReports: false }, { requestTimeoutMs: 300 });
    captureMessage('after a hang');
    expect(await vt.run(flush(10_000))).toBe(true);
    expect(messages()).toEqual(['after a hang']);
    expect(requests).toBe(2);
    // Aborted after 300 ms, then a backoff of at least 500 ms.
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(800);
  });

  it('flush resolves false on timeout while the backend is down', async () => {
    await sink.stop();
    start({ sendClientReports: false });
    captureMessage('stuck');
    const started = vt.clock.now();
    expect(await vt.run(flush(300))).toBe(false);
    expect(vt.clock.now() - started).toBeGreaterThan(0);
    expect(vt.clock.now() - started).toBeLessThanOrEqual(300);
  });

  it('the queue is bounded: the oldest are dropped and counted', async () => {
    // The first four requests hang (the concurrency limit), so sixteen wait for five slots.
    answer((i) => (i < 4 ? 'hang' : { status: 200 }));
    start({ maxQueueSize: 5 }, { concurrency: 4, requestTimeoutMs: 300 });
    for (let i = 0; i < 20; i++) captureMessage(`m${i}`);
    expect(await vt.run(flush(10_000))).toBe(true);
    // Up to four are sent in parallel, on separate connections: arrival order may differ.
    expect([...messages()].sort()).toEqual(['m15', 'm16', 'm17', 'm18', 'm19']);
    expect(sink.items('client_report')).toEqual([
      {
        timestamp: expect.any(Number),
        discarded_events: [{ reason: 'queue_overflow', category: 'default', quantity: 15 }],
      },
    ]);
  });
});

describe('transport: parallel requests', () => {
  it('8 at a time while few envelopes wait', async () => {
    answer(() => 'hang'); // every request held: what is in flight is what was started
    start({ sendClientReports: false });
    for (let i = 0; i < 20; i++) captureMessage(`few ${i}`);
    await vt.run(Promise.resolve());
    await vt.settle();
    expect(requests).toBe(8);
  });

  it('a backlog of more than 50 is sent 32 at a time', async () => {
    answer(() => 'hang');
    start({ sendClientReports: false });
    for (let i = 0; i < 200; i++) captureMessage(`backlog ${i}`);
    await vt.run(Promise.resolve());
    await vt.settle();
    expect(requests).toBe(32);
  });

  it('an explicit concurrency stays the limit under a backlog', async () => {
    answer(() => 'hang');
    start({ sendClientReports: false }, { concurrency: 2 });
    for (let i = 0; i < 200; i++) captureMessage(`limited ${i}`);
    await vt.run(Promise.resolve());
    await vt.settle();
    expect(requests).toBe(2);
  });
});

describe('transport: outages', () => {
  it('after a 30-second outage and recovery, every queued event arrives exactly once', async () => {
    await sink.stop();
    start({ sendClientReports: false });
    const sent: string[] = [];
    for (let second = 0; second < 30; second++) {
      for (let i = 0; i < 10; i++) {
        const id = `outage ${second}-${i}`;
        sent.push(id);
        captureMessage(id);
      }
      await vt.advance(1000);
    }
    // Backoff keeps the attempts down: rounds start at 0, >=0.5, 1.5, 3.5, 7.5, 15.5 s (the next
    // at >=30.5 s), each at most `concurrency` (8) requests.
    expect(vt.started).toBeGreaterThanOrEqual(6);
    expect(vt.started).toBeLessThanOrEqual(6 * 8);
    await sink.listen();
    expect(await vt.run(flush(45_000))).toBe(true);
    const received = messages();
    expect(received).toHaveLength(sent.length);
    expect(new Set(received)).toEqual(new Set(sent));
  });

  it('with spoolDir, events captured during an outage survive SIGKILL and are delivered once after restart', async () => {
    // Real processes and real time: the child runs the built SDK (dist), not this clock.
    const spoolDir = mkdtempSync(join(tmpdir(), 'x-spool-'));
    const spooled = () => readdirSync(spoolDir).filter((f) => f.endsWith('.envelope'));
    const children: ChildProcess[] = [];
    const run = (mode: string) => {
      const child = spawn(
        process.execPath,
        [join(__dirname, 'fixtures', 'spool-child.mjs'), mode, sink.dsn, spoolDir, '50'],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      children.push(child);
      return child;
    };
    try {
      await sink.stop();
      const first = run('capture');
      const output = await new Promise<string>((resolve) => {
        let text = '';
        first.stdout?.on('data', (chunk) => {
          text += chunk;
          if (text.includes('flushed')) resolve(text);
        });
      });
      expect(output.trim()).toBe('flushed true');
      expect(spooled()).toHaveLength(50);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));

      await sink.listen();
      run('drain');
      // The drain deletes each file once it was delivered: an empty spool means it is done.
      await sink.waitFor(() => sink.events().length >= 50 && spooled().length === 0, 20_000);
      await sleep(100); // a duplicate would be on its way now
      const received = messages();
      expect(received).toHaveLength(50);
      expect(new Set(received)).toEqual(
        new Set(Array.from({ length: 50 }, (_, i) => `spooled ${i}`)),
      );
      expect(spooled()).toEqual([]);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      rmSync(spoolDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('close() spools what could not be delivered', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'x-spool-'));
    try {
      answer(() => 'hang');
      start({ spoolDir, sendClientReports: false }, { concurrency: 4, requestTimeoutMs: 5000 });
      for (let i = 0; i < 8; i++) captureMessage(`c${i}`);
      await vt.settle();
      expect(requests).toBe(4);
      // Four are in flight (hanging), four wait in memory: close must put the waiting ones on disk.
      expect(await vt.run(close(300))).toBe(true);
      expect(
        readdirSync(spoolDir).filter((f) => f.endsWith('.envelope')).length,
      ).toBeGreaterThanOrEqual(4);
    } finally {
      rmSync(spoolDir, { recursive: true, force: true });
    }
  });
});

describe('transport: the byte bound', () => {
  it('maxQueueBytes drops the oldest once the queued bytes exceed it', async () => {
    answer((i) => (i < 4 ? 'hang' : { status: 200 }));
    start({ maxQueueBytes: 4000 }, { concurrency: 4, requestTimeoutMs: 300 });
    for (let i = 0; i < 30; i++) captureMessage(`b${i}`);
    expect(await vt.run(flush(10_000))).toBe(true);
    const kept = messages();
    // What fits in 4,000 bytes is kept: the newest (the four that hung were retried into a full
    // queue and dropped as the oldest).
    const bytes = sink.received
      .filter((r) => r.envelope[1][0]?.[0].type === 'event')
      .reduce((n, r) => n + r.body.length, 0);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(30);
    expect(bytes).toBeLessThanOrEqual(4000 + 1000);
    // Delivered in parallel, so in any order.
    expect([...kept].sort()).toEqual(
      Array.from({ length: kept.length }, (_, i) => `b${30 - kept.length + i}`).sort(),
    );
    const report = sink.items('client_report')[0] as { discarded_events: { quantity: number }[] };
    expect(report.discarded_events[0]?.quantity).toBe(30 - kept.length);
  });
});
