import {
  type Clock,
  createHttpTransport,
  type DataCategory,
  DsnError,
  type Event,
  parseDsn,
  type Transport,
} from '@x/core';
import {
  authHeader,
  type DiscardReason,
  dsnToString,
  envelopeEndpoint,
  eventCategory,
  getCarrier,
} from '@x/core/internal';
import type { EnvelopeItem } from './envelope';
import { VERSION } from './version';

/** How forwarding sends (the `forwardOptions` of `startInbox`). */
export interface ForwardingOptions {
  /** Retries after the first attempt on network errors and 5xx, with doubling backoff. @default 3 */
  maxRetries?: number | undefined;
  /** Bytes of envelopes waiting in memory; beyond it the oldest are dropped (and counted). @default 16 MiB */
  maxQueueBytes?: number | undefined;
  /** Per-request timeout. @default 10000 */
  requestTimeoutMs?: number | undefined;
  /** Time and timers of backoff, rate limits and timeouts; tests pass a manual clock. @default the runtime's */
  clock?: Clock | undefined;
  /** The `fetch` that reaches the upstream. @default the one `@x/core` uses */
  fetch?: typeof fetch | undefined;
}

/** Options of {@link Forwarder}. */
export interface ForwarderOptions extends ForwardingOptions {
  /** The upstream DSN, e.g. `https://<key>@o0.ingest.sentry.io/<project>`. */
  dsn: string;
  /** Called with one line for every envelope that is not delivered. */
  onDrop?: ((reason: string) => void) | undefined;
}

/** What happened to forwarded envelopes (`GET /api/health`'s `forwarding`). */
export interface ForwardingStats {
  /** Accepted by the upstream (2xx). */
  sent: number;
  /** Refused by the upstream (413 and other 4xx but 429: not retried), or unreachable after the retries. */
  failed: number;
  /** Not sent: a rate limit of the upstream (429, `X-Sentry-Rate-Limits`) or the queue bound. */
  dropped: number;
}

const DEFAULT_MAX_QUEUE_BYTES = 16 * 1024 * 1024;

/**
 * Sends accepted envelopes on to an upstream Sentry-compatible DSN in the
 * background, on `@x/core`'s HTTP transport: one request at a time, a queue
 * bounded in bytes (oldest dropped first), retries with doubling backoff on
 * network errors and 5xx, the upstream's rate limits in every form
 * (`X-Sentry-Rate-Limits`, `Retry-After` in seconds or as an HTTP date, a bare
 * 429 = 60 s), no retry of a 413 or another 4xx. The envelope header's `dsn` is
 * rewritten to the upstream one. Ingest never waits for it.
 */
export class Forwarder {
  /** The upstream DSN without its secret key (what envelope headers are rewritten to). */
  readonly dsn: string;
  /** Counters since start. */
  readonly stats: ForwardingStats = { sent: 0, failed: 0, dropped: 0 };
  private readonly url: string;
  private readonly transport: Transport;
  private readonly onDrop: (reason: string) => void;
  /** The status of the latest answer that was not a 2xx (one request at a time: the one just dropped). */
  private lastStatus = 0;
  private closed = false;

  /** Throws when `options.dsn` is not a usable DSN; the message never shows its secret key. */
  constructor(options: ForwarderOptions) {
    const dsn = parseUpstream(options.dsn);
    this.dsn = dsnToString(dsn);
    this.url = envelopeEndpoint(dsn);
    this.onDrop = options.onDrop ?? (() => {});
    const maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    const doFetch = options.fetch ?? getCarrier().runtime?.fetch ?? globalThis.fetch;
    this.transport = createHttpTransport({
      url: this.url,
      headers: { 'X-Sentry-Auth': authHeader(dsn, `x-inbox/${VERSION}`) },
      concurrency: 1,
      maxQueueBytes,
      maxRetries: (options.maxRetries ?? 3) + 1,
      requestTimeoutMs: options.requestTimeoutMs,
      clock: options.clock,
      fetch: async (input, init) => {
        const response = await doFetch(input, init);
        if (response.ok) this.stats.sent++;
        else this.lastStatus = response.status;
        return response;
      },
      recordDropped: (reason) => this.dropped(reason, maxQueueBytes),
    });
  }

  /**
   * Queues an envelope (decompressed bytes); its header's `dsn`, when present, is
   * rewritten to the upstream one. `category` is what upstream rate limits apply
   * to ({@link forwardCategory}).
   */
  forwardEnvelope(body: Buffer, category: DataCategory = 'default'): void {
    this.send(rewriteDsn(body, this.dsn), category);
  }

  /** Queues a legacy store payload (one JSON event), sent as an envelope with an event item. */
  forwardEvent(event: Buffer, eventId: string, category: DataCategory = 'default'): void {
    const header = JSON.stringify({ event_id: eventId, dsn: this.dsn });
    const item = JSON.stringify({ type: 'event', length: event.length });
    this.send(Buffer.concat([Buffer.from(`${header}\n${item}\n`), event]), category);
  }

  /** Resolves `true` once the queue is empty, or `false` after `timeoutMs` (on the transport's clock). */
  flush(timeoutMs = 5000): Promise<boolean> {
    return this.transport.flush(timeoutMs);
  }

  /** Stops accepting envelopes; queued ones are dropped (not counted), a request in flight ends on its own. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.transport.close?.(0);
  }

  private send(body: Buffer, category: DataCategory): void {
    if (!this.closed) this.transport.send({ body, categories: [category] });
  }

  private dropped(reason: DiscardReason, maxQueueBytes: number): void {
    if (reason === 'send_error') {
      this.stats.failed++;
      this.onDrop(`${this.url} refused an envelope with HTTP ${this.lastStatus}; not retried`);
    } else if (reason === 'network_error') {
      this.stats.failed++;
      this.onDrop(`could not forward to ${this.url}`);
    } else if (reason === 'ratelimit_backoff') {
      this.stats.dropped++;
      this.onDrop(`${this.url} is rate limiting: envelope not forwarded`);
    } else if (reason === 'queue_overflow') {
      this.stats.dropped++;
      this.onDrop(`forward queue over ${maxQueueBytes} bytes: oldest envelope dropped`);
    } else {
      this.stats.dropped++;
      this.onDrop(`envelope not forwarded (${reason})`);
    }
  }
}

/** Item types whose rate-limit category is not `default`. */
const ITEM_CATEGORIES: Readonly<Record<string, DataCategory>> = {
  transaction: 'transaction',
  session: 'session',
  sessions: 'session',
  attachment: 'attachment',
  client_report: 'internal',
};

/**
 * The rate-limit category an envelope is forwarded under, as Relay counts its
 * main item: its first event's (`error` with an exception, else `default`),
 * else the first item's (`transaction`, `session`, `attachment`, `internal` for
 * client reports, `default` for other types).
 */
export function forwardCategory(
  items: readonly EnvelopeItem[],
  firstEvent: Record<string, unknown> | undefined,
): DataCategory {
  if (firstEvent) return eventCategory(firstEvent as Event);
  const type = items[0]?.header.type;
  return (type !== undefined && ITEM_CATEGORIES[type]) || 'default';
}

function parseUpstream(text: string) {
  try {
    return parseDsn(text);
  } catch (error) {
    if (!(error instanceof DsnError)) throw error;
    // Core's reason without its quoted copy of the DSN, which may still hold the secret.
    const reason = error.message.replace(/^Invalid DSN(?: ".*")?: /s, '');
    throw new Error(`@x/inbox: --forward "${maskSecret(text)}" is not a DSN: ${reason}`);
  }
}

/** The DSN as typed with everything between `key:` and the last `@` shown as `***`. */
function maskSecret(text: string): string {
  const at = text.lastIndexOf('@');
  const slashes = text.indexOf('//');
  const colon = text.indexOf(':', slashes === -1 ? 0 : slashes + 2);
  return colon === -1 || colon > at ? text : `${text.slice(0, colon)}:***${text.slice(at)}`;
}

/** Replaces the envelope header's `dsn` (if any) so the upstream authenticates it. */
function rewriteDsn(body: Buffer, dsn: string): Buffer {
  const end = body.indexOf(0x0a);
  const headerBytes = end === -1 ? body : body.subarray(0, end);
  try {
    const header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
    if (!('dsn' in header)) return body;
    header.dsn = dsn;
    const rest = end === -1 ? Buffer.alloc(0) : body.subarray(end);
    return Buffer.concat([Buffer.from(JSON.stringify(header)), rest]);
  } catch {
    return body;
  }
}
