// The inbox under abuse: slow-loris uploads, deeply nested JSON, huge items, random envelopes and
// wrong lengths, all while real events arrive. It must keep serving and lose nothing stored.
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { type Started, startInboxProcess } from '@x/test-kit/processes';
import { afterAll, describe, expect, it } from 'vitest';
import { ms, percentile, record, sleep } from './harness';

let inbox: Started & { dsn: string };
afterAll(() => inbox?.stop());

const key = () => new URL(inbox.dsn).username;
const endpoint = () => `${inbox.url}/api/1/envelope/?sentry_key=${key()}`;

function envelope(eventId: string, payload: string): string {
  return `${JSON.stringify({ event_id: eventId })}\n${JSON.stringify({ type: 'event' })}\n${payload}`;
}

const hex = (n: number) => n.toString(16).padStart(32, '0');

async function storedCount(): Promise<number> {
  return ((await (await fetch(`${inbox.url}/api/health`)).json()) as { events: number }).events;
}

describe('the inbox under abuse', () => {
  it('keeps serving and loses nothing while slow-loris, deep, huge and random input arrives', async () => {
    inbox = await startInboxProcess(['--no-geo']);
    // 1. Good events first: they must survive everything below.
    for (let i = 0; i < 50; i++) {
      const res = await fetch(endpoint(), {
        method: 'POST',
        body: envelope(hex(i + 1), JSON.stringify({ message: `good ${i}`, user: { id: `u${i}` } })),
      });
      expect(res.status).toBe(200);
    }
    // 2. 200 slow-loris connections: headers sent, then one body byte every second.
    const sockets = Array.from({ length: 200 }, () => {
      const { hostname, port } = new URL(inbox.url);
      const socket = connect(Number(port), hostname);
      socket.on('error', () => undefined);
      socket.write(
        `POST /api/1/envelope/?sentry_key=${key()} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n`,
      );
      return socket;
    });
    const drip = setInterval(() => {
      for (const s of sockets) if (!s.destroyed) s.write('{');
    }, 1000);
    // 3. Hostile bodies, while the slow connections hang on.
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const hostile: [string, BodyInit, Record<string, string>][] = [
      ['deep JSON', envelope(hex(1001), deep), {}],
      ['deep JSON in an object', envelope(hex(1002), `{"extra":${deep}}`), {}],
      [
        'huge item (5 MiB)',
        envelope(hex(1003), JSON.stringify({ message: 'x'.repeat(5 * 1024 * 1024) })),
        {},
      ],
      [
        'wrong length',
        `${JSON.stringify({ event_id: hex(1004) })}\n{"type":"event","length":999999}\n{}`,
        {},
      ],
      [
        'random bytes',
        new Uint8Array(Array.from({ length: 65536 }, () => Math.floor(Math.random() * 256))),
        {},
      ],
      [
        'gzip bomb (256 MiB of zeros)',
        gzipSync(Buffer.alloc(256 * 1024 * 1024)),
        { 'content-encoding': 'gzip' },
      ],
    ];
    const statuses: Record<string, number> = {};
    const latencies: number[] = [];
    for (const [name, body, headers] of hostile) {
      const res = await fetch(endpoint(), { method: 'POST', body, headers });
      statuses[name] = res.status;
      await res.arrayBuffer();
      // The API stays fast in between.
      const t = performance.now();
      await fetch(`${inbox.url}/api/issues`).then((r) => r.arrayBuffer());
      latencies.push(performance.now() - t);
    }
    // 4. New good events still go in.
    for (let i = 50; i < 100; i++) {
      await fetch(endpoint(), {
        method: 'POST',
        body: envelope(hex(i + 1), JSON.stringify({ message: `good ${i}` })),
      });
    }
    await sleep(500);
    const stored = await storedCount();
    // A hostile body the inbox accepted (a deep `extra` is a valid event) must be stored safely and readable.
    const accepted = Object.values(statuses).filter((s) => s === 200).length;
    const readable = await Promise.all(
      [`/api/events/${hex(1002)}`, `/events/${hex(1002)}`].map(
        async (path) => (await fetch(`${inbox.url}${path}`)).status,
      ),
    );
    clearInterval(drip);
    for (const s of sockets) s.destroy();
    const no5xx = Object.values(statuses).every((s) => s < 500);
    const ok =
      stored === 100 + accepted &&
      no5xx &&
      statuses['huge item (5 MiB)'] === 413 &&
      statuses['gzip bomb (256 MiB of zeros)'] === 413 &&
      readable.every((s) => s === 200 || accepted === 0);
    record({
      name: 'inbox under abuse',
      group: 'Hostile input',
      tried:
        '50 events, then 200 slow-loris uploads held open, deep JSON (100k levels), a 5 MiB item, a wrong length, 64 KiB of random bytes and a 256 MiB gzip bomb, then 50 more events',
      figures: {
        ...Object.fromEntries(Object.entries(statuses).map(([k, v]) => [k, `HTTP ${v}`])),
        'API p99 meanwhile': ms(percentile(latencies, 99)),
        'events stored': `${stored} (100 good + ${accepted} hostile but valid)`,
        'the accepted deep event via API / UI': readable.map((s) => `HTTP ${s}`).join(' / '),
      },
      ok,
    });
    expect(ok).toBe(true);
  });
});
