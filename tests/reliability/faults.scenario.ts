// Faults: the backend down, slow, rate limiting, resetting connections, restarted; the app
// stopped with SIGTERM and killed with SIGKILL; memory while the backend is down. The app under
// test is the built sample app as a real process; the backend is a real local HTTP server (or the
// real inbox). Figures: events sent vs stored, duplicates, the app's p99 during the fault.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Started, spawnNode, startAppProcess } from '@x/test-kit/processes';
import { afterAll, describe, expect, it } from 'vitest';
import { type Behaviour, type Sink, startSink } from '../../packages/core/test/sink';
import { load, ms, percentile, record, root, rssMiB, sleep } from './harness';
import { heapSamples, judgeMemory } from './memoryBound';

const APPS = {
  koa: join(root, 'apps/koa-demo/dist/server.js'),
  nest: join(root, 'apps/nest-demo/dist/main.js'),
  next: join(root, 'apps/next-demo/server.mjs'),
};

const started: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
});

async function app(
  which: keyof typeof APPS,
  dsn: string,
  env: Record<string, string> = {},
): Promise<Started> {
  const a = await startAppProcess(APPS[which], { X_DSN: dsn, ...env });
  started.push(a);
  return a;
}

/** Unique event ids the sink received, and how many arrived more than once. */
function received(sink: Sink): { unique: number; duplicates: number } {
  const ids = sink.events().map((e) => String(e.event_id));
  return { unique: new Set(ids).size, duplicates: ids.length - new Set(ids).size };
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate() && Date.now() < deadline) await sleep(200);
}

/** Mixed traffic: every other request throws. */
const mixed = (i: number) => ({ path: i % 2 === 0 ? '/boom' : '/whoami' });
const thrown = (r: Awaited<ReturnType<typeof load>>) =>
  r.log.filter((l) => l.path === '/boom' && l.status === 500).length;

describe('faults', () => {
  it('backend down for 30 s, then back', async () => {
    const sink = await startSink();
    const a = await app('koa', sink.dsn);
    const before = await load({
      url: a.url,
      durationMs: 5000,
      concurrency: 4,
      ratePerSec: 20,
      next: mixed,
    });
    await sink.stop();
    const during = await load({
      url: a.url,
      durationMs: 30_000,
      concurrency: 4,
      ratePerSec: 20,
      next: mixed,
    });
    await sink.listen();
    const total = thrown(before) + thrown(during);
    await waitFor(() => received(sink).unique >= total, 60_000);
    const got = received(sink);
    const p99Before = percentile(before.latencies, 99);
    const p99During = percentile(during.latencies, 99);
    const ok =
      got.unique === total && got.duplicates === 0 && p99During < Math.max(2 * p99Before, 50);
    record({
      name: 'backend down 30 s',
      group: 'Faults',
      tried:
        'koa-demo at 20 req/s (half throwing); the backend refuses connections for 30 s, then comes back',
      figures: {
        'errors thrown': total,
        'events stored': got.unique,
        duplicates: got.duplicates,
        'app p99 before': ms(p99Before),
        'app p99 during outage': ms(p99During),
      },
      ok,
    });
    await sink.close();
    expect(ok).toBe(true);
  });

  it('backend answering in 5 s', async () => {
    const sink = await startSink();
    const a = await app('koa', sink.dsn);
    sink.behaviour = () => ({ status: 200, delayMs: 5000 });
    const during = await load({
      url: a.url,
      durationMs: 20_000,
      concurrency: 4,
      ratePerSec: 20,
      next: mixed,
    });
    sink.behaviour = () => ({ status: 200 });
    const total = thrown(during);
    await waitFor(() => received(sink).unique >= total, 60_000);
    const got = received(sink);
    const ok =
      got.unique === total && got.duplicates === 0 && percentile(during.latencies, 99) < 50;
    record({
      name: 'backend slow',
      group: 'Faults',
      tried: 'koa-demo at 20 req/s; every backend answer takes 5 s for 20 s',
      figures: {
        'errors thrown': total,
        'events stored': got.unique,
        duplicates: got.duplicates,
        'app p99 during': ms(percentile(during.latencies, 99)),
      },
      ok,
    });
    await sink.close();
    expect(ok).toBe(true);
  });

  // [form, headers, how long one answer limits the SDK]
  const forms: [string, () => Record<string, string>, number][] = [
    ['X-Sentry-Rate-Limits', () => ({ 'X-Sentry-Rate-Limits': '8:error:organization' }), 8000],
    ['Retry-After seconds', () => ({ 'Retry-After': '8' }), 8000],
    [
      'Retry-After date',
      () => ({ 'Retry-After': new Date(Date.now() + 8000).toUTCString() }),
      8000,
    ],
    ['bare 429', () => ({}), 60_000],
  ];
  it.each(forms)(
    '429 storm: %s',
    async (form, headers, limitMs) => {
      const sink = await startSink();
      const a = await app('koa', sink.dsn);
      let limitedRequests = 0;
      let lastLimit = 0;
      const stormUntil = Date.now() + 10_000;
      sink.behaviour = (): Behaviour => {
        if (Date.now() < stormUntil) {
          limitedRequests++;
          lastLimit = Date.now();
          return { status: 429, headers: headers() };
        }
        return { status: 200 };
      };
      const run = await load({
        url: a.url,
        durationMs: 14_000,
        concurrency: 4,
        ratePerSec: 20,
        next: mixed,
      });
      // Under a limit on every category the SDK holds back its client report too (it obeys the
      // backend); let the limit run out, then stop: close() sends what is queued and the report.
      await sleep(Math.max(0, lastLimit + limitMs + 1000 - Date.now()));
      await a.stop();
      const total = thrown(run);
      const reported = sink
        .items('client_report')
        .flatMap(
          (r) =>
            (r as { discarded_events: { reason: string; category: string; quantity: number }[] })
              .discarded_events,
        )
        .filter((d) => d.category === 'error')
        .reduce((sum, d) => sum + d.quantity, 0);
      const got = received(sink);
      const ok = got.unique + reported === total && got.duplicates === 0 && limitedRequests <= 8;
      record({
        name: `429 storm (${form})`,
        group: 'Faults',
        tried: `koa-demo at 20 req/s for 14 s; the backend answers 429 with ${form} for the first 10 s; the app is stopped once the last limit ran out`,
        figures: {
          'errors thrown': total,
          'events stored': got.unique,
          'dropped and reported (client report)': reported,
          'requests to the backend while limited': limitedRequests,
          'app p99': ms(percentile(run.latencies, 99)),
        },
        ok,
        note: 'Rate-limited events are dropped by design (as Sentry asks) and counted in client reports: nothing is lost silently. A limit on every category holds back the client report as well; an app that exits inside such a window loses only those counts.',
      });
      await sink.close();
      expect(ok).toBe(true);
    },
    120_000,
  );

  it('connection resets mid-body', async () => {
    const sink = await startSink();
    const a = await app('koa', sink.dsn);
    let resets = 0;
    const until = Date.now() + 15_000;
    sink.behaviour = (_req, index) => {
      if (Date.now() < until && index % 3 === 0) {
        resets++;
        return 'reset-mid-body';
      }
      return { status: 200 };
    };
    const run = await load({
      url: a.url,
      durationMs: 15_000,
      concurrency: 4,
      ratePerSec: 20,
      next: mixed,
    });
    const total = thrown(run);
    await waitFor(() => received(sink).unique >= total, 60_000);
    const got = received(sink);
    const ok = got.unique === total && got.duplicates === 0;
    record({
      name: 'connection resets mid-body',
      group: 'Faults',
      tried: 'every third delivery has its connection reset after the first body chunk, for 15 s',
      figures: {
        'errors thrown': total,
        'events stored': got.unique,
        duplicates: got.duplicates,
        'resets done': resets,
      },
      ok,
    });
    await sink.close();
    expect(ok).toBe(true);
  });

  it('the inbox restarted mid-run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x-rel-inbox-'));
    const cli = join(root, 'packages/inbox/dist/cli.js');
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const startInbox = async () => {
      const i = await spawnNode(
        cli,
        ['--port', port, '--db', join(dir, 'inbox.db'), '--no-geo'],
        {},
        /DSN: (\S+)/,
      );
      started.push(i);
      return i;
    };
    let inbox = await startInbox();
    const a = await app('koa', inbox.url);
    const running = load({
      url: a.url,
      durationMs: 20_000,
      concurrency: 4,
      ratePerSec: 20,
      next: mixed,
    });
    await sleep(8000);
    await inbox.stop();
    await sleep(1000);
    inbox = await startInbox();
    const run = await running;
    const total = thrown(run);
    const api = `http://127.0.0.1:${port}/api/health`;
    let stored = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const health = (await (await fetch(api)).json()) as { events: number };
      stored = health.events;
      if (stored >= total) break;
      await sleep(500);
    }
    const ok = stored === total;
    record({
      name: 'inbox restarted mid-run',
      group: 'Faults',
      tried:
        'koa-demo reports to the real inbox; the inbox is stopped at 8 s and started again 1 s later on the same port and database',
      figures: { 'errors thrown': total, 'events stored (after restart)': stored },
      ok,
    });
    await inbox.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(ok).toBe(true);
  });

  it.each(['koa', 'nest', 'next'] as const)('SIGTERM with events in flight: %s', async (which) => {
    const sink = await startSink();
    sink.behaviour = () => ({ status: 200, delayMs: 100 });
    const a = await app(which, sink.dsn);
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => fetch(`${a.url}/boom`).then((r) => r.status)),
    );
    const total = responses.filter((s) => s === 500).length;
    await a.stop(); // SIGTERM right away: the adapter's shutdown idiom must deliver what is queued
    const got = received(sink);
    const ok = total === 40 && got.unique === total && got.duplicates === 0;
    record({
      name: `SIGTERM with events in flight (${which})`,
      group: 'Shutdown',
      tried: `${which}-demo: 40 errors, the backend answers in 100 ms, SIGTERM as soon as the responses are in`,
      figures: {
        'errors thrown': total,
        'events stored before exit': got.unique,
        duplicates: got.duplicates,
      },
      ok,
    });
    await sink.close();
    expect(ok).toBe(true);
  });

  it('SIGKILL during an outage with a spool: delivered after restart', async () => {
    const sink = await startSink();
    await sink.stop();
    const spool = mkdtempSync(join(tmpdir(), 'x-rel-spool-'));
    const first = await app('koa', sink.dsn, { X_SPOOL_DIR: spool });
    const responses = await Promise.all(
      Array.from({ length: 30 }, () => fetch(`${first.url}/boom`).then((r) => r.status)),
    );
    const total = responses.filter((s) => s === 500).length;
    await sleep(3000); // the first delivery fails, everything goes to disk
    first.child.kill('SIGKILL');
    await sink.listen();
    await app('koa', sink.dsn, { X_SPOOL_DIR: spool });
    await waitFor(() => received(sink).unique >= total, 60_000);
    const got = received(sink);
    const ok = got.unique === total && got.duplicates === 0;
    record({
      name: 'SIGKILL with a spool',
      group: 'Shutdown',
      tried:
        'koa-demo with X_SPOOL_DIR: 30 errors while the backend is down, SIGKILL, backend back, app restarted',
      figures: {
        'errors thrown': total,
        'events stored after restart': got.unique,
        duplicates: got.duplicates,
      },
      ok,
    });
    rmSync(spool, { recursive: true, force: true });
    await sink.close();
    expect(ok).toBe(true);
  });

  it('memory stays bounded while the backend is down for minutes under load', async () => {
    const sink = await startSink();
    await sink.stop();
    // The app forces a full GC every 10 s and reports its heap then (tests/reliability/heapProbe.cjs).
    const probe = join(root, 'tests/reliability/heapProbe.cjs');
    const a = await app('koa', sink.dsn, {
      NODE_OPTIONS: `--expose-gc --require ${JSON.stringify(probe)}`,
    });
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssMiB(a.child.pid)), 10_000);
    const run = await load({
      url: a.url,
      durationMs: 150_000,
      concurrency: 8,
      ratePerSec: 400,
      next: () => ({ path: '/boom' }),
    });
    clearInterval(sampler);
    samples.push(rssMiB(a.child.pid));
    // After the queue filled (the first minute), what the app keeps must stay flat: the heap after
    // a forced GC, and the maxima of RSS (which swings with the GC) window after window.
    const heap = heapSamples(a.output).filter((sample) => sample.atMs >= 60_000);
    const verdict = judgeMemory(
      heap.map((sample) => sample.heapMiB),
      samples.slice(6),
    );
    record({
      name: 'memory while the backend is down',
      group: 'Memory',
      tried: 'koa-demo at 400 errors/s for 150 s with the backend down (queue cap 1000 envelopes)',
      figures: {
        'errors thrown': thrown(run),
        'heap after a forced GC every 10 s from the second minute (MiB)': heap
          .map((sample) => sample.heapMiB)
          .join(', '),
        'heap growth (last third over first, medians)': `${verdict.heapGrowthPct.toFixed(1)} %`,
        'RSS samples every 10 s (MiB)': samples.join(', '),
        'RSS maxima per 30 s window from the second minute (MiB)': verdict.rssMaxima.join(', '),
        'RSS maxima growth (last window over first)': `${verdict.rssMaximaGrowthPct.toFixed(1)} %`,
        'app p99': ms(percentile(run.latencies, 99)),
      },
      ok: verdict.bounded,
    });
    await sink.close();
    expect(verdict.bounded).toBe(true);
  });
});
