import type { DiscardReason } from './clientReports';
import { type Clock, systemClock, type TimerHandle } from './clock';
import { debugWarn } from './debug';
import type { SerializedEnvelope } from './envelope';
import type { DataCategory } from './event';
import { postEnvelope } from './postEnvelope';
import { RateLimits } from './rateLimits';
import type { Spool, SpoolEntry } from './spool';

/** Delivers envelopes. `send` never throws and never waits on the network. */
export interface Transport {
  /** Queues an envelope for delivery. */
  send(envelope: SerializedEnvelope): void;
  /** Resolves `true` once everything queued was delivered or spooled, `false` on timeout. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Like `flush`, then spools what is left (if there is a spool) and stops. */
  close?(timeoutMs?: number): Promise<boolean>;
  /** `true` while the backend has asked not to receive `category` (rate limit). */
  isRateLimited?(category: DataCategory): boolean;
}

/** What a transport factory gets from the client. */
export interface TransportOptions {
  /** The envelope endpoint (with auth in the query for browsers). */
  url: string;
  /** Request headers (`X-Sentry-Auth`, `User-Agent`, …). */
  headers: Record<string, string>;
  /** Envelopes held in memory while the backend is slow or down. @default 10000 */
  maxQueueSize?: number | undefined;
  /**
   * Bytes held in memory (the other bound; whichever is reached first drops the oldest). An
   * envelope's text counts its length, as Sentry's SDKs count it. @default 32 MiB
   */
  maxQueueBytes?: number | undefined;
  /** Where envelopes wait across outages and restarts. */
  spool?: Spool | undefined;
  /** Called for every envelope the transport gives up on. */
  recordDropped?:
    | ((reason: DiscardReason, category: DataCategory, quantity?: number) => void)
    | undefined;
  /** Parallel requests while few envelopes wait. @default 8 */
  concurrency?: number | undefined;
  /**
   * Parallel requests while a backlog waits (more than 50 envelopes queued) and the backend
   * answers (never while retrying after a failure, so an outage is probed as gently): on a busy server
   * each request waits for event-loop turns, so delivery is latency-bound and more requests in
   * flight keep it up with the errors thrown.
   * @default 32, or `concurrency` when that is set
   */
  maxConcurrency?: number | undefined;
  /** Per-request timeout. @default 10000 */
  requestTimeoutMs?: number | undefined;
  /** Attempts per in-memory envelope before it is dropped. @default 10 */
  maxRetries?: number | undefined;
  /** Bodies larger than this are gzipped (where `CompressionStream` exists). @default 32768 */
  compressThreshold?: number | undefined;
  /** Use `fetch`'s `keepalive` for small bodies (browsers, so events survive page unload). */
  keepalive?: boolean | undefined;
  /** The `fetch` to use. @default the runtime's (`node:http` under Node), else globalThis.fetch */
  fetch?: typeof fetch | undefined;
  /**
   * The time and timers behind every time decision: backoff, rate-limit expiry, the
   * per-request timeout and the `flush`/`close` deadline. The backoff timer is `unref`'d when
   * its handle has `unref()`. Tests inject a manual clock to run outages in virtual time.
   * @default the runtime's `Date.now`, `setTimeout` and `clearTimeout`
   */
  clock?: Clock | undefined;
}

interface Item {
  envelope: SerializedEnvelope;
  attempts: number;
  spoolEntry?: SpoolEntry | undefined;
}

type Outcome = 'sent' | 'dropped' | 'retry';

const DEFAULT_MAX_QUEUE = 10_000;
const DEFAULT_MAX_QUEUE_BYTES = 32 * 1024 * 1024;
/** Queued envelopes above which the transport sends with `maxConcurrency` requests. */
export const BACKLOG_THRESHOLD = 50;
const BASE_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/**
 * The HTTP transport on `fetch` (undici on Node): a bounded queue (oldest
 * dropped first), a concurrency limit, per-request timeouts, Sentry rate
 * limits, and exponential backoff with jitter on network errors and 5xx —
 * pausing the whole queue, since the next request would fail the same way.
 * With a spool, failed envelopes (and new ones while the backend is down) go
 * to disk and are drained, oldest first, once it answers again.
 */
export function createHttpTransport(options: TransportOptions): Transport {
  return new HttpTransport(options);
}

class HttpTransport implements Transport {
  private readonly clock: Clock;
  private readonly queue: Item[] = [];
  private readonly rateLimits = new RateLimits();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly idleWaiters = new Set<() => void>();
  private inFlight = 0;
  private queuedBytes = 0;
  private failures = 0;
  private backoffUntil = 0;
  private backoffTimer: TimerHandle | undefined;
  private draining = false;
  /** `false` only after a drain found the spool empty and nothing was written since. */
  private spoolDirty = true;
  private closed = false;

  constructor(private readonly options: TransportOptions) {
    this.clock = options.clock ?? systemClock;
    if (options.spool) this.drainSpool();
  }

  send(envelope: SerializedEnvelope): void {
    if (this.closed) {
      this.drop('internal_sdk_error', envelope);
      return;
    }
    if (envelope.categories.some((c) => this.isRateLimited(c))) {
      this.drop('ratelimit_backoff', envelope);
      return;
    }
    if (this.options.spool && this.isBackingOff()) {
      void this.spool(envelope);
      return;
    }
    this.enqueue({ envelope, attempts: 0 });
    this.pump();
  }

  isRateLimited(category: DataCategory): boolean {
    return this.rateLimits.isLimited(category, this.clock.now());
  }

  async flush(timeoutMs = 2000): Promise<boolean> {
    if (this.isIdle()) return true;
    return new Promise<boolean>((resolve) => {
      const done = (result: boolean) => {
        this.clock.clearTimeout(timer);
        this.idleWaiters.delete(onIdle);
        resolve(result);
      };
      const onIdle = () => done(true);
      const timer = this.clock.setTimeout(() => done(false), timeoutMs);
      this.idleWaiters.add(onIdle);
    });
  }

  async close(timeoutMs = 2000): Promise<boolean> {
    let ok = await this.flush(timeoutMs);
    this.closed = true;
    this.clock.clearTimeout(this.backoffTimer);
    if (!ok && this.options.spool) {
      // Whatever is still in memory goes to disk: delivered after the restart.
      const left = this.queue.splice(0);
      this.queuedBytes = 0;
      await Promise.all(left.map((item) => this.spool(item.envelope)));
      ok = true;
    }
    return ok;
  }

  private enqueue(item: Item, front = false): void {
    const max = this.options.maxQueueSize ?? DEFAULT_MAX_QUEUE;
    const maxBytes = this.options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    if (this.queue.length >= max && item.envelope.categories.every((c) => c === 'internal')) {
      debugWarn('queue full: client report dropped (it never evicts an event)');
      return;
    }
    if (front) this.queue.unshift(item);
    else this.queue.push(item);
    this.queuedBytes += item.envelope.body.length;
    while (this.queue.length > max || (this.queuedBytes > maxBytes && this.queue.length > 1)) {
      const oldest = this.queue.shift();
      if (!oldest) break;
      this.queuedBytes -= oldest.envelope.body.length;
      this.drop('queue_overflow', oldest.envelope);
    }
  }

  private pump(): void {
    const base = this.options.concurrency ?? 8;
    const max = this.options.maxConcurrency ?? this.options.concurrency ?? 32;
    while (
      !this.closed &&
      this.inFlight <
        (this.queue.length > BACKLOG_THRESHOLD && this.failures === 0
          ? Math.max(base, max)
          : base) &&
      !this.isBackingOff()
    ) {
      const item = this.queue.shift();
      if (!item) break;
      this.queuedBytes -= item.envelope.body.length;
      this.inFlight++;
      this.track(
        this.deliver(item).finally(() => {
          this.inFlight--;
          this.pump();
        }),
      );
    }
    if (this.isBackingOff()) {
      // Timers may fire a little before the wall clock says the backoff ended: re-arm.
      if (this.queue.length > 0 || this.spoolDirty)
        this.schedulePump(this.backoffUntil - this.clock.now() + 5);
    } else if (this.queue.length === 0) {
      this.drainSpool();
    }
    this.notifyIdle();
  }

  /** Sends one item and decides what happens to it. */
  private async deliver(item: Item): Promise<Outcome> {
    const outcome = await this.attempt(item.envelope);
    if (outcome === 'retry') {
      item.attempts++;
      this.startBackoff();
      if (item.spoolEntry) return outcome; // stays on disk, drained later
      if (this.options.spool) {
        // The backend is down: everything waiting in memory goes to disk now.
        const waiting = this.queue.splice(0);
        this.queuedBytes = 0;
        await Promise.all([item, ...waiting].map((i) => this.spool(i.envelope)));
      } else if (item.attempts >= (this.options.maxRetries ?? 10))
        this.drop('network_error', item.envelope);
      else this.enqueue(item, true);
      return outcome;
    }
    this.failures = 0;
    if (item.spoolEntry) await this.options.spool?.remove(item.spoolEntry).catch(() => undefined);
    return outcome;
  }

  private async attempt(envelope: SerializedEnvelope): Promise<Outcome> {
    const { body, encoding } = await this.encode(envelope.body);
    const keepalive = this.options.keepalive && body.length < 60_000;
    const outcome = await postEnvelope(this.options, this.clock, this.rateLimits, body, {
      encoding,
      keepalive,
    });
    if (outcome === 'sent' || outcome === 'retry') return outcome;
    this.drop(outcome, envelope);
    return 'dropped';
  }

  private async encode(
    body: SerializedEnvelope['body'],
  ): Promise<{ body: SerializedEnvelope['body']; encoding?: string }> {
    const threshold = this.options.compressThreshold ?? 32_768;
    if (body.length <= threshold || typeof CompressionStream !== 'function') return { body };
    try {
      const stream = new Blob([body as string | Uint8Array<ArrayBuffer>])
        .stream()
        .pipeThrough(new CompressionStream('gzip'));
      return { body: new Uint8Array(await new Response(stream).arrayBuffer()), encoding: 'gzip' };
    } catch {
      return { body };
    }
  }

  private startBackoff(): void {
    // Requests that were already in flight fail too: they do not count twice.
    if (this.isBackingOff()) return;
    this.failures++;
    const exp = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (this.failures - 1));
    const delay = exp / 2 + Math.random() * (exp / 2);
    const now = this.clock.now();
    this.backoffUntil = Math.max(this.backoffUntil, now + delay);
    this.schedulePump(this.backoffUntil - now);
  }

  private schedulePump(delayMs: number): void {
    this.clock.clearTimeout(this.backoffTimer);
    this.backoffTimer = this.clock.setTimeout(() => this.pump(), Math.max(0, delayMs));
    unref(this.backoffTimer);
  }

  private isBackingOff(): boolean {
    return this.backoffUntil > this.clock.now();
  }

  private spool(envelope: SerializedEnvelope): Promise<void> {
    const spool = this.options.spool;
    if (!spool) return Promise.resolve();
    this.spoolDirty = true;
    const write = spool
      .write(envelope)
      .then((evicted) => {
        if (evicted > 0)
          this.options.recordDropped?.(
            'cache_overflow',
            envelope.categories[0] ?? 'error',
            evicted,
          );
      })
      .catch((error) => {
        debugWarn('could not write to the spool; event dropped', error);
        this.drop('internal_sdk_error', envelope);
      });
    this.track(write);
    return write;
  }

  /** Sends spooled envelopes one by one, oldest first, while the backend answers. */
  private drainSpool(): void {
    const spool = this.options.spool;
    if (!spool || this.draining || this.closed || !this.spoolDirty) return;
    this.draining = true;
    this.spoolDirty = false;
    const run = async () => {
      for (const entry of await spool.list()) {
        if (this.closed || this.isBackingOff()) {
          this.spoolDirty = true;
          break;
        }
        const body = await spool.read(entry);
        if (!body) continue;
        const envelope = { body, categories: entry.categories };
        const outcome = await this.deliver({ envelope, attempts: 0, spoolEntry: entry });
        if (outcome === 'retry') {
          this.spoolDirty = true;
          break;
        }
      }
    };
    this.track(
      run()
        .catch((error) => debugWarn('spool drain failed', error))
        .finally(() => {
          this.draining = false;
        }),
    );
  }

  private track(promise: Promise<unknown>): void {
    this.pending.add(promise);
    promise.finally(() => {
      this.pending.delete(promise);
      this.notifyIdle();
    });
  }

  /** Idle: nothing in memory, nothing in flight, no spool write pending. A drain in progress does not count. */
  private isIdle(): boolean {
    if (this.queue.length > 0 || this.inFlight > 0) return false;
    if (!this.draining) return this.pending.size === 0;
    return this.pending.size <= 1;
  }

  private notifyIdle(): void {
    if (this.idleWaiters.size === 0 || !this.isIdle()) return;
    for (const waiter of [...this.idleWaiters]) waiter();
  }

  private drop(reason: DiscardReason, envelope: SerializedEnvelope): void {
    for (const category of envelope.categories) this.options.recordDropped?.(reason, category);
  }
}

function unref(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}
