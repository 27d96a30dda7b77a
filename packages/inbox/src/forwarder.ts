/** Options of {@link Forwarder}. */
export interface ForwarderOptions {
  /** The upstream DSN, e.g. `https://<key>@o0.ingest.sentry.io/<project>`. */
  dsn: string;
  /** Retries after the first attempt. @default 3 */
  maxRetries?: number;
  /** First retry delay; doubles per retry. @default 1000 */
  backoffMs?: number;
  /** Envelopes waiting at most; more are dropped (and counted). @default 100 */
  maxQueue?: number;
  /** Per-attempt timeout. @default 10000 */
  timeoutMs?: number;
  /** Called when an envelope is given up on. */
  onDrop?: (reason: string) => void;
}

interface Upstream {
  envelopeUrl: string;
  storeUrl: string;
  auth: string;
  dsn: string;
}

interface Job {
  url: string;
  body: Buffer;
  contentType: string;
}

/**
 * Sends accepted envelopes on to an upstream Sentry-compatible DSN, in the
 * background: a bounded queue, one request at a time, retries with doubling
 * backoff on network errors, 429 and 5xx (`Retry-After` honoured up to 60 s),
 * no retry on other answers. Ingest never waits for it.
 */
export class Forwarder {
  private readonly upstream: Upstream;
  private readonly queue: Job[] = [];
  private running: Promise<void> | undefined;
  private closed = false;
  /** Counters: delivered, given up (after retries or a 4xx), dropped (queue full). */
  readonly stats = { sent: 0, failed: 0, dropped: 0 };

  /** Throws when `options.dsn` is not a usable DSN. */
  constructor(private readonly options: ForwarderOptions) {
    this.upstream = parseUpstream(options.dsn);
  }

  /** Queues an envelope (decompressed bytes); its header's `dsn` is rewritten to the upstream one. */
  forwardEnvelope(body: Buffer): void {
    this.enqueue({
      url: this.upstream.envelopeUrl,
      body: rewriteDsn(body, this.upstream.dsn),
      contentType: 'application/x-sentry-envelope',
    });
  }

  /** Queues a legacy store payload (a JSON event). */
  forwardStore(body: Buffer): void {
    this.enqueue({ url: this.upstream.storeUrl, body, contentType: 'application/json' });
  }

  /** Resolves when the queue is empty, or `false` after `timeoutMs`. */
  async flush(timeoutMs = 5000): Promise<boolean> {
    const idle = (async () => {
      while (this.running) await this.running;
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([idle.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Stops accepting envelopes; queued ones are dropped. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private enqueue(job: Job): void {
    if (this.closed) return;
    if (this.queue.length >= (this.options.maxQueue ?? 100)) {
      this.stats.dropped++;
      this.options.onDrop?.('forward queue full');
      return;
    }
    this.queue.push(job);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      await this.deliver(job);
    }
  }

  private async deliver(job: Job): Promise<void> {
    const retries = this.options.maxRetries ?? 3;
    let delay = this.options.backoffMs ?? 1000;
    for (let attempt = 0; attempt <= retries && !this.closed; attempt++) {
      let wait = delay;
      try {
        const response = await fetch(job.url, {
          method: 'POST',
          headers: { 'Content-Type': job.contentType, 'X-Sentry-Auth': this.upstream.auth },
          body: job.body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          this.stats.sent++;
          return;
        }
        if (response.status !== 429 && response.status < 500) {
          break;
        }
        const retryAfter = Number(response.headers.get('retry-after'));
        if (Number.isFinite(retryAfter) && retryAfter > 0) wait = Math.min(retryAfter, 60) * 1000;
      } catch {
        // network error or timeout: retry
      }
      if (attempt < retries) await new Promise((resolve) => setTimeout(resolve, wait));
      delay *= 2;
    }
    this.stats.failed++;
    this.options.onDrop?.(`could not forward to ${job.url}`);
  }
}

function parseUpstream(dsn: string): Upstream {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new Error(`@x/inbox: --forward "${dsn}" is not a DSN (https://<key>@<host>/<project>)`);
  }
  const segments = url.pathname.split('/').filter(Boolean);
  const project = segments.pop();
  if (!url.username || !project || !/^\d+$/.test(project) || !/^https?:$/.test(url.protocol)) {
    throw new Error(`@x/inbox: --forward "${dsn}" is not a DSN (https://<key>@<host>/<project>)`);
  }
  const base = `${url.protocol}//${url.host}${segments.length ? `/${segments.join('/')}` : ''}/api/${project}`;
  const key = decodeURIComponent(url.username);
  return {
    envelopeUrl: `${base}/envelope/`,
    storeUrl: `${base}/store/`,
    auth: `Sentry sentry_version=7, sentry_key=${key}, sentry_client=x-inbox/0.1.0`,
    dsn: `${url.protocol}//${url.username}@${url.host}${url.pathname}`,
  };
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
