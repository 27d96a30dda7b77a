// A real HTTP server standing in for Sentry / the inbox: it records every
// envelope it receives (decompressed, parsed by Sentry's own parseEnvelope)
// and answers however a test tells it to.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { parseEnvelope } from '@sentry/core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { close } from '../src/node';
import { resetCarrier } from './helpers';

export interface Received {
  headers: IncomingMessage['headers'];
  url: string;
  /** The request body as sent (possibly gzipped). */
  wire: Buffer;
  /** The decompressed envelope bytes. */
  body: Buffer;
  envelope: ReturnType<typeof parseEnvelope>;
}

/** What the sink does with one request. */
export type Behaviour =
  | { status: number; headers?: Record<string, string>; delayMs?: number }
  | 'reset'
  | 'reset-mid-body'
  | 'hang';

export interface Sink {
  port: number;
  dsn: string;
  received: Received[];
  /**
   * Ids (header `x-test-request-id`, set by the tests' virtual-time fetch) of the requests the
   * sink held unanswered (`'hang'`): the virtual-time driver does not wait for those.
   */
  heldRequestIds: Set<string>;
  /** Decides the answer per request (default: 200). */
  behaviour: (req: IncomingMessage, index: number) => Behaviour;
  /** Event items received so far (payloads). */
  events(): Record<string, unknown>[];
  /** Items of a type received so far. */
  items(type: string): unknown[];
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Stops listening (connections are refused) until `listen()` again, on the same port. */
  stop(): Promise<void>;
  listen(): Promise<void>;
  close(): Promise<void>;
}

export async function startSink(port = 0): Promise<Sink> {
  let server: Server;
  const sockets = new Set<Socket>();
  let count = 0;
  const sink: Sink = {
    port,
    dsn: '',
    received: [],
    heldRequestIds: new Set(),
    behaviour: () => ({ status: 200 }),
    events: () =>
      sink.received.flatMap((r) =>
        r.envelope[1]
          .filter(([h]) => h.type === 'event')
          .map(([, p]) => p as Record<string, unknown>),
      ),
    items: (type) =>
      sink.received.flatMap((r) =>
        r.envelope[1].filter(([h]) => h.type === type).map(([, p]) => p),
      ),
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error('sink: timed out waiting');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
    listen: () =>
      new Promise<void>((resolve, reject) => {
        server = createServer(handle);
        server.on('connection', (socket) => {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
        });
        server.once('error', reject);
        server.listen(sink.port, '127.0.0.1', () => {
          sink.port = (server.address() as AddressInfo).port;
          sink.dsn = `http://public@127.0.0.1:${sink.port}/42`;
          resolve();
        });
      }),
    close: () => sink.stop(),
  };

  function handle(req: IncomingMessage, res: ServerResponse) {
    const index = count++;
    const behaviour = sink.behaviour(req, index);
    if (behaviour === 'reset') {
      req.socket.destroy();
      return;
    }
    if (behaviour === 'hang') {
      const id = req.headers['x-test-request-id'];
      if (typeof id === 'string') sink.heldRequestIds.add(id);
      return;
    }
    const chunks: Buffer[] = [];
    if (behaviour === 'reset-mid-body') {
      req.once('data', () => req.socket.destroy());
      return;
    }
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (behaviour.status >= 200 && behaviour.status < 300) {
        const wire = Buffer.concat(chunks);
        const encoding = req.headers['content-encoding'];
        const body =
          encoding === 'gzip'
            ? gunzipSync(wire)
            : encoding === 'deflate'
              ? inflateSync(wire)
              : wire;
        const envelope = parseEnvelope(body);
        // parseEnvelope leaves items that have a `length` as bytes: decode the JSON ones.
        envelope[1] = envelope[1].map(([header, payload]) => [
          header,
          payload instanceof Uint8Array
            ? JSON.parse(Buffer.from(payload).toString('utf8'))
            : payload,
        ]) as (typeof envelope)[1];
        sink.received.push({ headers: req.headers, url: req.url ?? '', wire, body, envelope });
      }
      const reply = () => {
        res.writeHead(behaviour.status, behaviour.headers ?? {});
        res.end(behaviour.status < 300 ? '{}' : '{"detail":"no"}');
      };
      if (behaviour.delayMs) setTimeout(reply, behaviour.delayMs);
      else reply();
    });
  }

  await sink.listen();
  return sink;
}

/**
 * One sink for a whole test file, reset before each test (with the SDK's global state), and the
 * client closed after each. Returns the sink (a forwarding handle: it is started in `beforeAll`).
 */
export function useSharedSink(closeTimeoutMs = 1000): Sink {
  let current: Sink | undefined;
  beforeAll(async () => {
    current = await startSink();
  });
  afterAll(() => current?.close());
  beforeEach(() => {
    resetCarrier();
    if (!current) return;
    current.received.length = 0;
    current.behaviour = () => ({ status: 200 });
  });
  afterEach(() => close(closeTimeoutMs));
  return new Proxy({} as Sink, {
    get: (_target, key) => Reflect.get(current as Sink, key),
    set: (_target, key, value) => Reflect.set(current as Sink, key, value),
  });
}
