// GET /api/stream on a real inbox (real SQLite, real HTTP): the backlog after a cursor, then live
// events, with no gap and no duplicate while several senders ingest; filters; the API's token;
// subscribers gone with their connection; heartbeats; a cursor past erased events.
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InboxStore } from '../src/inboxStore';
import type { EventSummary, Page } from '../src/index';
import { processEvent } from '../src/processEvent';
import { Router } from '../src/router';
import { addStreamRoute, EventStream, streamOf } from '../src/stream';
import { type StreamEvent, type StreamSource, storeStreamSource } from '../src/streamQueries';
import { type SseMessage, SseParser } from '../src/tail';
import { eventEnvelope, get, newEventId, post, startTestInbox, type TestInbox } from './helpers';

/** A stream opened with fetch: the messages so far, and a way to wait for more. */
interface OpenStream {
  ready: number;
  events: StreamEvent[];
  comments: number;
  waitFor(count: number, timeoutMs?: number): Promise<StreamEvent[]>;
  close(): void;
}

async function openStream(url: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const messages: SseMessage[] = [];
  const stream: OpenStream = {
    ready: Number.NaN,
    events: [],
    comments: 0,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (stream.events.length < count && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return stream.events;
    },
    close: () => abort.abort(),
  };
  let first: () => void = () => {};
  const gotReady = new Promise<void>((resolve) => {
    first = resolve;
  });
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        stream.comments += text.split('\n').filter((line) => line.startsWith(':')).length;
        for (const message of parser.push(text)) {
          messages.push(message);
          if (message.event === 'ready') {
            stream.ready = Number(message.id);
            first();
          } else {
            const event = JSON.parse(message.data) as StreamEvent;
            expect(message.id).toBe(String(event.seq));
            stream.events.push(event);
          }
        }
      }
    } catch {
      // closed
    }
  })();
  await gotReady;
  return stream;
}

async function send(inbox: TestInbox, event: Record<string, unknown> = {}): Promise<string> {
  const id = newEventId();
  const answer = await post(inbox, eventEnvelope({ event_id: id, message: 'm', ...event }));
  expect(answer.status).toBe(200);
  return id;
}

/** Every stored event id, oldest first (a fresh database: the i-th has sequence number i + 1). */
async function storedIds(inbox: TestInbox): Promise<string[]> {
  const page = await get<Page<EventSummary>>(inbox, '/api/events?limit=1000');
  return page.data.map((event) => event.id).reverse();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let inbox: TestInbox | undefined;
afterEach(async () => {
  await inbox?.dispose();
  inbox = undefined;
});

describe('GET /api/stream', () => {
  it('sends the backlog after ?after or Last-Event-ID, then live events, each with id: <seq>', async () => {
    inbox = await startTestInbox({ geo: false });
    const ids = [await send(inbox), await send(inbox), await send(inbox)];
    const all = await openStream(`${inbox.url}/api/stream?after=0`);
    // Last-Event-ID (what EventSource sends on reconnection) wins over ?after.
    const resumed = await openStream(`${inbox.url}/api/stream?after=0`, { 'Last-Event-ID': '2' });
    const live = await openStream(`${inbox.url}/api/stream`);
    expect([all.ready, resumed.ready, live.ready]).toEqual([0, 2, 3]);
    // The backlog comes at once, before anything new is stored.
    expect((await all.waitFor(3)).map((e) => e.id)).toEqual(ids);
    expect((await resumed.waitFor(1)).map((e) => e.seq)).toEqual([3]);
    ids.push(
      await send(inbox, {
        user: { id: 'u-1', username: 'ann', email: 'a@example.com', ip_address: '10.1.2.3' },
      }),
    );
    expect((await all.waitFor(4)).map((e) => e.id)).toEqual(ids);
    expect((await resumed.waitFor(2)).map((e) => e.seq)).toEqual([3, 4]);
    const [last] = await live.waitFor(1);
    expect(last).toMatchObject({
      seq: 4,
      id: ids[3],
      level: 'error',
      title: 'm',
      user_key: 'id:u-1',
      user: { id: 'u-1', username: 'ann', email: 'a@example.com', ip_address: '10.1.2.3' },
      transaction: null,
      release: null,
    });
    expect(last?.received).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(last?.issue_id).toBeGreaterThan(0);
    for (const s of [all, resumed, live]) s.close();
  });

  it('misses and repeats nothing while several senders ingest and clients come and go', async () => {
    inbox = await startTestInbox({ geo: false });
    const box = inbox;
    const subscribers: OpenStream[] = [];
    const senders = Array.from({ length: 6 }, async (_, s) => {
      for (let i = 0; i < 30; i++) {
        await send(box, { message: `s${s} e${i}`, user: { id: `u-${s}` } });
        if (Math.random() < 0.3) await sleep(Math.random() * 5);
      }
    });
    const joiners = (async () => {
      for (let i = 0; i < 6; i++) {
        await sleep(Math.random() * 40);
        subscribers.push(await openStream(`${box.url}/api/stream`));
      }
    })();
    await Promise.all([...senders, joiners]);
    const ids = await storedIds(box);
    expect(ids).toHaveLength(180);
    for (const sub of subscribers) {
      const want = ids.slice(sub.ready);
      const got = await sub.waitFor(want.length);
      expect(got.map((e) => e.id)).toEqual(want);
      expect(got.map((e) => e.seq)).toEqual(want.map((_, i) => sub.ready + i + 1));
      sub.close();
    }
  });

  it('filters by user key, transaction and level on the server', async () => {
    inbox = await startTestInbox({ geo: false });
    const byUser = await openStream(
      `${inbox.url}/api/stream?user=${encodeURIComponent('id:u-alice')}`,
    );
    const byRoute = await openStream(`${inbox.url}/api/stream?transaction=GET%20%2Fa`);
    const byLevel = await openStream(`${inbox.url}/api/stream?level=warning`);
    const alice = await send(inbox, { user: { id: 'u-alice' }, transaction: 'GET /b' });
    await send(inbox, { user: { id: 'u-bob' }, transaction: 'GET /b' });
    const routeA = await send(inbox, { user: { id: 'u-bob' }, transaction: 'GET /a' });
    const warning = await send(inbox, { level: 'warning' });
    const alice2 = await send(inbox, { user: { id: 'u-alice' }, level: 'warning' });
    await sleep(100);
    expect(byUser.events.map((e) => e.id)).toEqual([alice, alice2]);
    expect(byRoute.events.map((e) => e.id)).toEqual([routeA]);
    expect(byLevel.events.map((e) => e.id)).toEqual([warning, alice2]);
    for (const s of [byUser, byRoute, byLevel]) s.close();
    const bad = await fetch(`${inbox.url}/api/stream?after=x`);
    expect(bad.status).toBe(400);
  });

  it('needs the UI/API token when the API does, and forgets a client once it is gone', async () => {
    inbox = await startTestInbox({ geo: false, uiAuth: 'stream-token-1' });
    expect((await fetch(`${inbox.url}/api/stream`)).status).toBe(401);
    const streams = [];
    for (let i = 0; i < 5; i++) {
      streams.push(
        await openStream(`${inbox.url}/api/stream`, { Authorization: 'Bearer stream-token-1' }),
      );
    }
    const stream = streamOf(inbox.router);
    expect(stream?.subscriberCount).toBe(5);
    for (const s of streams) s.close();
    const deadline = Date.now() + 5000;
    while ((stream?.subscriberCount ?? 0) > 0 && Date.now() < deadline) await sleep(10);
    expect(stream?.subscriberCount).toBe(0);
    // Nobody listening: ingest still works and the stream is not touched.
    await send(inbox);
  });

  it('after the newest events were erased, gives the events that reuse their sequence numbers', async () => {
    inbox = await startTestInbox({ geo: false });
    await send(inbox, { user: { id: 'u-keep' } });
    await send(inbox, { user: { id: 'u-gone' } });
    const live = await openStream(`${inbox.url}/api/stream?after=0`);
    await live.waitFor(2);
    const erased = await fetch(`${inbox.url}/api/users/${encodeURIComponent('id:u-gone')}`, {
      method: 'DELETE',
    });
    expect(erased.status).toBe(200);
    const next = await send(inbox, { user: { id: 'u-new' } });
    const events = await live.waitFor(3);
    expect(events.map((e) => [e.seq, e.user_key])).toEqual([
      [1, 'id:u-keep'],
      [2, 'id:u-gone'],
      [2, 'id:u-new'],
    ]);
    expect(events[2]?.id).toBe(next);
    // A client that saw the erased sequence number 2 and reconnects starts at 1 (the newest).
    const again = await openStream(`${inbox.url}/api/stream?after=5`);
    expect(again.ready).toBe(2);
    live.close();
    again.close();
  });
});

describe('EventStream', () => {
  it('sends heartbeat comments while idle, and stops when closed', async () => {
    const store = new InboxStore(':memory:');
    const stream = new EventStream(storeStreamSource(store), { heartbeatMs: 20 });
    const router = new Router();
    addStreamRoute(router, stream);
    const server = createServer((req, res) => void router.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const open = await openStream(`http://127.0.0.1:${port}/api/stream`);
      await sleep(150);
      expect(open.comments).toBeGreaterThanOrEqual(3);
      const processed = processEvent(
        { message: 'direct' },
        { now: Date.now(), clientIp: undefined },
      );
      if (!processed) throw new Error('not processed');
      store.insertEvent(processed.event, processed.grouping, 1);
      stream.committed(0);
      expect((await open.waitFor(1)).map((e) => e.title)).toEqual(['direct']);
      stream.close();
      const deadline = Date.now() + 2000;
      while (stream.subscriberCount > 0 && Date.now() < deadline) await sleep(10);
      expect(stream.subscriberCount).toBe(0);
    } finally {
      server.closeAllConnections();
      server.close();
      store.close();
    }
  });

  it('pauses a client that does not read, then drops it: it never holds the backlog in memory', async () => {
    const total = 20_000;
    let read = 0;
    const source: StreamSource = {
      latestSeq: () => total,
      eventsAfter(after, _filter, limit) {
        const events: StreamEvent[] = [];
        for (let seq = after + 1; seq <= Math.min(total, after + limit); seq++) {
          events.push({
            seq,
            id: String(seq).padStart(32, '0'),
            received: new Date(0).toISOString(),
            level: 'error',
            title: 'x'.repeat(1000),
            user_key: null,
            user: null,
            transaction: null,
            release: null,
            issue_id: 1,
          });
        }
        read += events.length;
        return events;
      },
    };
    const stream = new EventStream(source, {
      heartbeatMs: 50,
      highWaterBytes: 64 * 1024,
      stallMs: 200,
    });
    const router = new Router();
    addStreamRoute(router, stream);
    const server = createServer((req, res) => void router.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // A client that asks for everything and never reads a byte.
    const socket = connect(port, '127.0.0.1');
    socket.pause();
    socket.write('GET /api/stream?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    try {
      const deadline = Date.now() + 10_000;
      while (stream.subscriberCount === 0 && Date.now() < deadline) await sleep(5);
      expect(stream.subscriberCount).toBe(1);
      while (stream.subscriberCount > 0 && Date.now() < deadline) await sleep(20);
      expect(stream.subscriberCount).toBe(0);
      // Read from the source only while the socket took it: far from the 20 MB of events.
      expect(read).toBeGreaterThan(0);
      expect(read).toBeLessThan(total / 2);
    } finally {
      socket.destroy();
      stream.close();
      server.closeAllConnections();
      server.close();
    }
  });
});
