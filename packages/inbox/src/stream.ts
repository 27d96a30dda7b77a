import type { ServerResponse } from 'node:http';
import { HttpError } from './httpError';
import { parseUint } from './params';
import type { Router } from './router';
import type { StreamFilter, StreamSource } from './streamQueries';

/** Options of {@link EventStream}. */
export interface EventStreamOptions {
  /** A comment line is sent this often, so proxies keep an idle stream open. @default 15000 */
  heartbeatMs?: number | undefined;
  /** Past this many bytes queued for a client, nothing more is read for it until it drains. @default 262144 */
  highWaterBytes?: number | undefined;
  /** A client that has not drained for this long is disconnected. @default 30000 */
  stallMs?: number | undefined;
  /** Told about a subscriber dropped on an error. */
  onError?: ((error: unknown) => void) | undefined;
}

interface Subscriber {
  res: ServerResponse;
  /** The newest sequence number this subscriber has been given (or skipped past, filtered out). */
  cursor: number;
  filter: StreamFilter;
  /** When it went over the high-water mark, while waiting for `drain`; else `undefined`. */
  stalledSince: number | undefined;
}

/** Events read per query: one page is what a subscriber can hold beyond its high-water mark. */
const PAGE = 200;
/** The reconnection delay EventSource clients are told (ms). */
const RETRY_MS = 1000;

/**
 * The push stream's subscribers. The database is the buffer: each subscriber is only a cursor (a
 * sequence number), and after every committed batch each one reads the events past its cursor
 * with its filters. So a reconnecting client gets its backlog and then live events from one
 * source, with no gap and no duplicate, and a slow client holds at most one page in memory
 * before it is paused (and dropped if it stays stalled). Nobody subscribed, nothing is done.
 */
export class EventStream {
  private readonly subscribers = new Set<Subscriber>();
  private readonly heartbeatMs: number;
  private readonly highWaterBytes: number;
  private readonly stallMs: number;
  private readonly onError: (error: unknown) => void;
  private timer: ReturnType<typeof setInterval> | undefined;
  private scheduled = false;
  private closed = false;

  /** A stream over `source` (the store's events, by sequence number). */
  constructor(
    private readonly source: StreamSource,
    options: EventStreamOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.highWaterBytes = options.highWaterBytes ?? 256 * 1024;
    this.stallMs = options.stallMs ?? 30_000;
    this.onError = options.onError ?? (() => {});
  }

  /** Whether anyone is subscribed (when not, a commit costs nothing here). */
  get listening(): boolean {
    return this.subscribers.size > 0;
  }

  /** How many clients are subscribed. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Says a batch has committed; `before` is the newest sequence number before it. Each
   * subscriber reads what is new in the next turn of the event loop. A cursor past `before`
   * means its newest events were erased since (rowids are reused then): it goes back to
   * `before`, so the events that now take those numbers are not skipped.
   */
  committed(before: number): void {
    for (const sub of this.subscribers) if (sub.cursor > before) sub.cursor = before;
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const sub of this.subscribers) this.pump(sub);
    });
  }

  /**
   * Answers a request with the stream: the events after `after` (the newest stored one when
   * `undefined`; never past it), then each new one. Everything happens in this call, before any
   * other commit can run, so nothing falls between the backlog and the live events.
   */
  subscribe(res: ServerResponse, after: number | undefined, filter: StreamFilter): void {
    const latest = this.source.latestSeq();
    const cursor = after === undefined ? latest : Math.min(after, latest);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    // The id sets the client's cursor even before an event arrives.
    res.write(`retry: ${RETRY_MS}\nid: ${cursor}\nevent: ready\ndata: {"after":${cursor}}\n\n`);
    const sub: Subscriber = { res, cursor, filter, stalledSince: undefined };
    this.subscribers.add(sub);
    res.once('close', () => this.remove(sub));
    // A write racing a disconnect fails on a destroyed socket; 'close' does the cleanup.
    res.on('error', () => {});
    this.timer ??= setInterval(() => this.heartbeat(), this.heartbeatMs).unref();
    this.pump(sub);
  }

  /** Ends every subscriber's connection (they reconnect with their cursor). */
  disconnectAll(): void {
    for (const sub of [...this.subscribers]) sub.res.destroy();
  }

  /** Disconnects everyone and stops; later commits are ignored. */
  close(): void {
    this.closed = true;
    this.disconnectAll();
  }

  private remove(sub: Subscriber): void {
    this.subscribers.delete(sub);
    if (this.subscribers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Writes what is new for `sub`, a page at a time, while it stays under its high-water mark. */
  private pump(sub: Subscriber): void {
    if (this.closed || sub.stalledSince !== undefined || !this.subscribers.has(sub)) return;
    if (sub.res.destroyed) {
      this.remove(sub);
      return;
    }
    try {
      while (sub.res.writableLength < this.highWaterBytes) {
        const events = this.source.eventsAfter(sub.cursor, sub.filter, PAGE);
        let chunk = '';
        for (const event of events) chunk += `id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`;
        if (chunk) sub.res.write(chunk);
        if (events.length < PAGE) {
          // Nothing else matches up to the newest event: a filter that matches little does not
          // scan the same rows again at every commit.
          sub.cursor = Math.max(sub.cursor, events.at(-1)?.seq ?? 0, this.source.latestSeq());
          return;
        }
        sub.cursor = events.at(-1)?.seq ?? sub.cursor;
      }
    } catch (error) {
      this.onError(error);
      sub.res.destroy();
      return;
    }
    sub.stalledSince = Date.now();
    sub.res.once('drain', () => {
      sub.stalledSince = undefined;
      this.pump(sub);
    });
  }

  /** A comment to each subscriber; one stalled for longer than `stallMs` is dropped. */
  private heartbeat(): void {
    const now = Date.now();
    for (const sub of this.subscribers) {
      if (sub.res.destroyed) this.remove(sub);
      else if (sub.stalledSince === undefined) sub.res.write(': keep-alive\n\n');
      else if (now - sub.stalledSince > this.stallMs) sub.res.destroy();
    }
  }
}

/** The stream each router serves (see {@link streamOf}). */
const streams = new WeakMap<Router, EventStream>();

/**
 * The stream a router serves at `/api/stream` (an inbox's `router`): its subscriber count, and
 * `disconnectAll()`, which makes its clients reconnect and resume from their cursors.
 */
export function streamOf(router: Router): EventStream | undefined {
  return streams.get(router);
}

/** The longest filter value taken (a user key, a transaction, a level). */
const MAX_FILTER_LENGTH = 1000;

/**
 * Adds `GET /api/stream?after=&user=&transaction=&level=`: server-sent events, one per stored
 * event (`id:` its sequence number, `data:` a `StreamEvent` as JSON), first a `ready` event whose
 * `id` is where it starts. `Last-Event-ID` (what EventSource sends when it reconnects) wins over
 * `after`; without either it starts at the newest event. Comments (`: keep-alive`) keep it open.
 */
export function addStreamRoute(router: Router, stream: EventStream): void {
  streams.set(router, stream);
  router.get('/api/stream', ({ req, res, url }) => {
    const q = url.searchParams;
    const header = req.headers['last-event-id'];
    const raw = (typeof header === 'string' && header.trim()) || q.get('after');
    const after = raw === null || raw === '' ? undefined : parseUint(raw);
    if (raw && after === undefined) {
      throw new HttpError(400, 'after (or Last-Event-ID) must be a sequence number');
    }
    const filter: StreamFilter = {
      user: filterParam(q.get('user'), 'user'),
      transaction: filterParam(q.get('transaction'), 'transaction'),
      level: filterParam(q.get('level'), 'level'),
    };
    if (req.method === 'HEAD') {
      return { body: '', contentType: 'text/event-stream; charset=utf-8' };
    }
    stream.subscribe(res, after, filter);
    return undefined;
  });
}

function filterParam(raw: string | null, name: string): string | undefined {
  if (raw === null || raw === '') return undefined;
  if (raw.length > MAX_FILTER_LENGTH) {
    throw new HttpError(400, `${name} is longer than ${MAX_FILTER_LENGTH} characters`);
  }
  return raw;
}
