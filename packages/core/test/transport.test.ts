import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ClientOptions,
  captureException,
  captureMessage,
  close,
  createHttpTransport,
  flush,
  init,
} from '../src/node';
import { resetCarrier } from './helpers';
import { type Sink, startSink } from './sink';

let sink: Sink;
let requests: number;
beforeEach(async () => {
  resetCarrier();
  sink = await startSink();
  requests = 0;
});
afterEach(async () => {
  await close(500);
  await sink.close();
});

/** Counts every request the sink sees (answered or not). */
function answer(fn: (index: number) => ReturnType<Sink['behaviour']>) {
  sink.behaviour = (_req, index) => {
    requests++;
    return fn(index);
  };
}

function messages(): string[] {
  return sink.events().map((e) => (e.logentry as { formatted: string }).formatted);
}

function start(options: Partial<ClientOptions> = {}) {
  return init({ dsn: sink.dsn, ...options });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('transport: answers', () => {
  it('413: dropped with a client report, never retried', async () => {
    answer((i) => (i === 0 ? { status: 413 } : { status: 200 }));
    start();
    captureMessage('too big');
    expect(await flush(3000)).toBe(true);
    await flush(3000);
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
    await flush(2000);
    expect(requests).toBe(1);
    captureException(new Error('limited'));
    captureMessage('a message is category default');
    await flush(2000);
    expect(requests).toBe(2);
    expect(messages()).toEqual(['a message is category default']);
    await sleep(2100);
    captureException(new Error('after expiry'));
    await flush(2000);
    expect(
      sink
        .events()
        .map((e) => (e.exception as { values: { value: string }[] } | undefined)?.values[0]?.value),
    ).toEqual([undefined, 'after expiry']);
  });

  it.each([
    ['Retry-After seconds', () => ({ 'Retry-After': '1' })],
    ['Retry-After HTTP date', () => ({ 'Retry-After': new Date(Date.now() + 2000).toUTCString() })],
  ])('%s on 429 limits every category', async (_name, headers) => {
    answer((i) => (i === 0 ? { status: 429, headers: headers() } : { status: 200 }));
    const client = start({ sendClientReports: true });
    captureMessage('rejected');
    await flush(2000);
    captureMessage('while limited');
    captureException(new Error('while limited'));
    await flush(1000);
    expect(requests).toBe(1);
    await sleep(2100);
    captureMessage('later');
    await client.flush(2000);
    expect(messages()).toEqual(['later']);
    expect(sink.items('client_report')).toEqual([
      {
        timestamp: expect.any(Number),
        discarded_events: expect.arrayContaining([
          { reason: 'ratelimit_backoff', category: 'default', quantity: 2 },
          { reason: 'ratelimit_backoff', category: 'error', quantity: 1 },
        ]),
      },
    ]);
  });

  it('a bare 429 limits everything for 60 s', async () => {
    answer(() => ({ status: 429 }));
    start({ sendClientReports: false });
    captureMessage('one');
    await flush(2000);
    for (let i = 0; i < 5; i++) captureMessage(`more ${i}`);
    await flush(1000);
    expect(requests).toBe(1);
  });

  it('500s and connection resets are retried with backoff, then delivered once', {
    timeout: 15_000,
  }, async () => {
    answer((i) => (i === 0 ? { status: 500 } : i === 1 ? 'reset' : { status: 200 }));
    start({ sendClientReports: false });
    const started = Date.now();
    captureMessage('persistent');
    expect(await flush(10_000)).toBe(true);
    expect(messages()).toEqual(['persistent']);
    expect(requests).toBe(3);
    // Two backoffs: at least 0.5 s + 1 s (jittered halves of 1 s and 2 s).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('a hanging backend hits the per-request timeout and the event is retried', async () => {
    answer((i) => (i === 0 ? 'hang' : { status: 200 }));
    start({
      sendClientReports: false,
      transport: (o) => createHttpTransport({ ...o, requestTimeoutMs: 300 }),
    });
    captureMessage('after a hang');
    expect(await flush(10_000)).toBe(true);
    expect(messages()).toEqual(['after a hang']);
    expect(requests).toBe(2);
  });

  it('flush resolves false on timeout while the backend is down', async () => {
    await sink.stop();
    start({ sendClientReports: false });
    captureMessage('stuck');
    const started = Date.now();
    expect(await flush(300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('the queue is bounded: the oldest are dropped and counted', async () => {
    // The first four requests hang (the concurrency limit), so sixteen wait for five slots.
    answer((i) => (i < 4 ? 'hang' : { status: 200 }));
    start({
      maxQueueSize: 5,
      transport: (o) => createHttpTransport({ ...o, concurrency: 4, requestTimeoutMs: 300 }),
    });
    for (let i = 0; i < 20; i++) captureMessage(`m${i}`);
    expect(await flush(10_000)).toBe(true);
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
      await sleep(1000);
    }
    await sink.listen();
    expect(await flush(45_000)).toBe(true);
    const received = messages();
    expect(received).toHaveLength(sent.length);
    expect(new Set(received)).toEqual(new Set(sent));
  }, 90_000);

  it('with spoolDir, events captured during an outage survive SIGKILL and are delivered once after restart', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'x-spool-'));
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
      expect(readdirSync(spoolDir).filter((f) => f.endsWith('.envelope'))).toHaveLength(50);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));

      await sink.listen();
      run('drain');
      await sink.waitFor(() => sink.events().length >= 50, 20_000);
      await sleep(300);
      const received = messages();
      expect(received).toHaveLength(50);
      expect(new Set(received)).toEqual(
        new Set(Array.from({ length: 50 }, (_, i) => `spooled ${i}`)),
      );
      expect(readdirSync(spoolDir).filter((f) => f.endsWith('.envelope'))).toEqual([]);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      rmSync(spoolDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('close() spools what could not be delivered', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'x-spool-'));
    try {
      answer(() => 'hang');
      start({
        spoolDir,
        sendClientReports: false,
        transport: (o) => createHttpTransport({ ...o, concurrency: 4, requestTimeoutMs: 5000 }),
      });
      for (let i = 0; i < 8; i++) captureMessage(`c${i}`);
      await sleep(100);
      // Four are in flight (hanging), four wait in memory: close must put the waiting ones on disk.
      expect(await close(300)).toBe(true);
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
    start({
      maxQueueBytes: 4000,
      transport: (o) => createHttpTransport({ ...o, concurrency: 4, requestTimeoutMs: 300 }),
    });
    for (let i = 0; i < 30; i++) captureMessage(`b${i}`);
    expect(await flush(10_000)).toBe(true);
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
