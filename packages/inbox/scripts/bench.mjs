#!/usr/bin/env node
// Scale check: sends N events (default 100k; 1,000 issues, 5k users) to an inbox on a temp
// database through its ingest endpoint, then times the JSON API and the web UI's pages on it.
// Run after `pnpm build`:
//   node packages/inbox/scripts/bench.mjs [N] [issues]   (issues = 1: one issue with every event)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInbox } from '../dist/index.js';

const total = Number(process.argv[2] ?? 100_000);
const issueCount = Number(process.argv[3] ?? 1000);
const issueId = Math.min(250, issueCount);
const dir = mkdtempSync(join(tmpdir(), 'x-inbox-bench-'));
const dbPath = join(dir, 'inbox.db');
/** Envelopes in flight at once while filling the database. */
const CONCURRENCY = 64;

const seeding = await startInbox({ port: 0, dbPath, geo: false, log: () => {} });
const ingest = `${seeding.url}/api/1/envelope/?sentry_key=${new URL(seeding.dsn).username}`;

/** The i-th event as an envelope, as an SDK sends it. */
function envelope(i) {
  const eventId = randomUUID().replaceAll('-', '');
  const event = {
    event_id: eventId,
    platform: 'node',
    sdk: { name: 'bench', version: '1', settings: { infer_ip: 'never' } },
    exception: {
      values: [
        {
          type: `Error${i % issueCount}`,
          value: `failure ${i}`,
          stacktrace: {
            frames: [{ function: `handler${i % issueCount}`, module: 'app', in_app: true }],
          },
        },
      ],
    },
    user: { id: `u${i % 5000}`, ip_address: '8.8.8.8', plan: 'pro' },
    release: `bench-${i % 3}@1`,
    transaction: `GET /route${i % 40}/:id`,
  };
  return `${JSON.stringify({ event_id: eventId })}\n{"type":"event"}\n${JSON.stringify(event)}\n`;
}

const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < total) {
      const answer = await fetch(ingest, { method: 'POST', body: envelope(next++) });
      await answer.arrayBuffer();
      if (!answer.ok) throw new Error(`ingest answered ${answer.status}`);
    }
  }),
);
const insertMs = performance.now() - started;
await seeding.close(); // checkpoints the WAL: the timings below read a settled database file

const inbox = await startInbox({ port: 0, dbPath, geo: false, log: () => {} });

async function time(path, runs = 20) {
  await fetch(`${inbox.url}${path}`).then((r) => r.arrayBuffer());
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await fetch(`${inbox.url}${path}`).then((r) => r.arrayBuffer());
  return ((performance.now() - t0) / runs).toFixed(2);
}
const page = await (await fetch(`${inbox.url}/api/events?limit=1000`)).json();
const issuesPage2 = (await (await fetch(`${inbox.url}/api/issues`)).json()).next_cursor;
const issueEvents = await (await fetch(`${inbox.url}/api/events?issue=${issueId}`)).json();
const rows = [
  ['GET /api/events?limit=50', await time('/api/events?limit=50')],
  [
    'GET /api/events?limit=50&cursor=<page 2>',
    await time(`/api/events?limit=50&cursor=${page.next_cursor}`),
  ],
  ['GET /api/events?user=id:u42', await time('/api/events?user=id:u42')],
  [`GET /api/events?issue=${issueId}`, await time(`/api/events?issue=${issueId}`)],
  ['GET /api/events?since=<1 min ago>', await time(`/api/events?since=${Date.now() - 60_000}`)],
  [
    'GET /api/events?transaction=GET /route7/:id',
    await time('/api/events?transaction=GET%20%2Froute7%2F%3Aid'),
  ],
  [
    'GET /api/issues?transaction=GET /route7/:id',
    await time('/api/issues?transaction=GET%20%2Froute7%2F%3Aid'),
  ],
  ['GET /api/issues?transaction=<none>', await time('/api/issues?transaction=GET%20%2Fnone')],
  ['GET /api/issues?sort=users', await time('/api/issues?sort=users')],
  ['GET /api/issues?sort=last_seen', await time('/api/issues?sort=last_seen')],
  [`GET /api/issues/${issueId}`, await time(`/api/issues/${issueId}`)],
  ['GET /api/health', await time('/api/health')],
  ['UI GET /', await time('/')],
  ['UI GET /?sort=users', await time('/?sort=users')],
  ['UI GET /?cursor=<page 2>', await time(`/?cursor=${issuesPage2}`)],
  ['UI GET /?q=Error42', await time('/?q=Error42')],
  ['UI GET /?user=id:u42', await time('/?user=id:u42')],
  ['UI GET /?app=bench-1@1', await time('/?app=bench-1%401')],
  ['UI GET /?transaction=GET /route7/:id', await time('/?transaction=GET+%2Froute7%2F%3Aid')],
  [`UI GET /issues/${issueId}`, await time(`/issues/${issueId}`)],
  [
    `UI GET /issues/${issueId}?cursor=<page 2>`,
    await time(`/issues/${issueId}?cursor=${issueEvents.next_cursor}`),
  ],
  ['UI GET /events/<id>', await time(`/events/${page.data[500].id}`)],
  ['UI GET /users/id:u42', await time('/users/id:u42')],
  ['UI GET /settings', await time('/settings')],
];
await inbox.close();

console.log(
  `${total} events stored in ${(insertMs / 1000).toFixed(1)} s (HTTP ingest, processing, SQLite), ` +
    `${Math.round(total / (insertMs / 1000))} events/s; database ${(statSync(dbPath).size / 1e6).toFixed(0)} MB`,
);
for (const [name, ms] of rows) console.log(`${name.padEnd(48)} ${ms} ms`);
rmSync(dir, { recursive: true, force: true });
