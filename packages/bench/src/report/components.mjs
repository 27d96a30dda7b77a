// The sections that measure one part on its own: captureException in-process, the inbox's ingest,
// the browser bundle, and each adapter's memory over many requests.
import { fmt, fmtSummary, summarize } from '../lib/stats.mjs';
import { kb, median, pct, pick, summaryCell, table } from './format.mjs';

const CAPTURE_NAMES = {
  x: '@x/core',
  'x-no-frames': '@x/core without the frame step (source maps, context lines)',
  sentry: '@sentry/node',
};

export function captureSection(capture, settings) {
  const rows = Object.keys(CAPTURE_NAMES)
    .map((sdk) => [sdk, pick(capture, { sdk })])
    .filter(([, trials]) => trials.length > 0)
    .map(([sdk, trials]) => [
      CAPTURE_NAMES[sdk],
      summaryCell(trials, 'callerUs', 1),
      summaryCell(trials, 'totalUs', 1),
      fmt(trials[0]?.bytesPerEvent ?? Number.NaN),
    ]);
  const x = pick(capture, { sdk: 'x' });
  const caller = median(x, 'callerUs');
  return {
    lines: [
      '## captureException, in-process',
      '',
      `${fmt(settings.captureEvents)} captures per round, each in its own isolation scope with a user and request data, a fresh \`Error\` each (made before the clock starts), through to envelope bytes handed to a counting transport. "Caller" is the time \`captureException\` takes on the caller's path; "until queued" also counts the event building that runs afterwards (microtasks), until the transport has every envelope. Sentry: default integrations without \`Dedupe\`, its 64-event processing buffer raised so every event is built.`,
      '',
      ...table(
        ['SDK'],
        ['caller (µs/event)', 'until queued (µs/event)', 'envelope bytes/event'],
        rows,
      ),
      '',
    ],
    targets: [
      [
        'captureException ≤ 20 µs/event (median, caller path)',
        `${caller.toFixed(1)} µs (until queued ${median(x, 'totalUs').toFixed(1)} µs)`,
        caller <= 20,
      ],
    ],
  };
}

export function inboxSection(inbox) {
  const ingest = summarize(inbox.map((r) => r.eventsPerSecond));
  const row = [
    fmtSummary(ingest),
    summaryCell(inbox, 'p50', 2),
    summaryCell(inbox, 'p99', 2),
    fmtSummary(summarize(inbox.map((r) => r.bytesPer10k / 1e6)), 1, ' MB'),
  ];
  return {
    lines: [
      '## Inbox ingest',
      '',
      "wrk POSTs envelopes like the SDK's (unique event id each, 1,000 users, 50 issues, 10-frame stack, user IP → geo lookup) over 10 connections to a fresh inbox (SQLite file, geo on, as `x-inbox` runs); every envelope is stored before it is answered.",
      '',
      ...table([], ['events/s', 'p50 (ms)', 'p99 (ms)', 'database bytes per 10k events'], [row]),
      '',
    ],
    targets: [
      ['inbox ingest ≥ 5,000 events/s', `${fmt(ingest.median)} events/s`, ingest.median >= 5000],
    ],
  };
}

export function bundleSection(size) {
  return {
    lines: [
      '## Browser bundle',
      '',
      'init + setUser + captureException, bundled by esbuild with the same settings (ESM, browser, minified, tree-shaken), gzip -9 (`packages/next/bench/size.mjs`).',
      '',
      ...table(
        ['entry'],
        ['min', 'gzip'],
        [
          ['@x/next/client', kb(size.x.min), kb(size.x.gzip)],
          ['@sentry/browser', kb(size.sentry.min), kb(size.sentry.gzip)],
        ],
      ),
      '',
    ],
    targets: [['browser entry ≤ 8 KB gzip', kb(size.x.gzip), size.x.gzip <= 8000]],
  };
}

const megabytes = (a, b) => `${(a / 1e6).toFixed(1)} → ${(b / 1e6).toFixed(1)} MB`;

export function memorySection(memory) {
  const rows = memory.map((r) => [
    `@x/${r.framework}`,
    r.scenario,
    `${fmt(r.first)} → ${fmt(r.total)}`,
    megabytes(r.rss1, r.rss2),
    pct(r.rssGrowth),
    megabytes(r.heap1, r.heap2),
    pct(r.heapGrowth),
  ]);
  const growth = (scenario, key) =>
    Math.max(...memory.filter((r) => r.scenario === scenario).map((r) => r[key]));
  const helloHeap = growth('hello', 'heapGrowth');
  const downHeap = growth('sink down', 'heapGrowth');
  return {
    lines: [
      '## Memory',
      '',
      'RSS and V8 heap used after a full GC, one server per row, after a first and after a total count of requests (count-bounded runs use autocannon, 50 connections). "sink down": every request throws and the DSN points at a closed port, so events are retried with backoff and dropped at the queue\'s bound (1,000).',
      '',
      ...table(['adapter', 'scenario', 'requests'], ['RSS', 'growth', 'heap', 'growth'], rows),
      '',
    ],
    targets: [
      [
        'memory growth 20k → 200k requests < 10 % (heap after GC, hello path; RSS shown too)',
        `heap ≤ ${pct(helloHeap)}, RSS ≤ ${pct(growth('hello', 'rssGrowth'))}`,
        helloHeap < 0.1,
      ],
      [
        'memory bounded while the sink is down (heap growth < 10 %)',
        `heap ≤ ${pct(downHeap)}, RSS ≤ ${pct(growth('sink down', 'rssGrowth'))}`,
        downHeap < 0.1,
      ],
    ],
  };
}
