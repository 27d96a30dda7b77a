import { DiscardedEvents, type DiscardReason } from './clientReports';
import { collectsUserInfo } from './dataCollection';
import { debugWarn } from './debug';
import { authQuery, type Dsn, dsnToString, envelopeEndpoint } from './dsn';
import { eventCategory, serializeEnvelope } from './envelope';
import type { DataCategory, Event, EventHint, ExceptionValue, Mechanism } from './event';
import { exceptionFromError } from './exception';
import { createFetchTransport } from './fetchTransport';
import type { ClientOptions } from './options';
import {
  buildEventUser,
  buildEventUserSync,
  type PrepareOptions,
  prepareEvent,
} from './prepareEvent';
import { createPseudonymizer } from './pseudonymizeUsers';
import type { ScopeData, SeverityLevel } from './scope';
import { settleWithin } from './settleWithin';
import type { Spool } from './spool';
import type { Transport, TransportOptions } from './transport';
import { serializeWithinLimit } from './trimEvent';
import type { NormalizedUser } from './user';

const CLIENT_REPORT_INTERVAL_MS = 60_000;

/**
 * Builds events from captures and scopes, applies the privacy rules and
 * `beforeSend`, and hands envelopes to the transport. Created by `init` (as the
 * server client, which adds the request and the HTTP transport with its queue and
 * spool; see serverClient.ts); on its own it is the browser's client, on the
 * fetch transport. Every public method is safe: it never throws and never waits on
 * the network.
 */
export class Client {
  readonly options: Readonly<ClientOptions>;
  protected readonly prepare: PrepareOptions;
  private readonly transport: Transport | undefined;
  private readonly discarded = new DiscardedEvents();
  private readonly pending = new Set<Promise<void>>();
  private readonly reportTimer: ReturnType<typeof setInterval> | undefined;
  /** The envelope header's `dsn`, written once. */
  private readonly dsnString: string | undefined;
  private closed = false;

  /** @param dsn the parsed DSN, or `undefined` for a client that drops everything. */
  constructor(options: ClientOptions, dsn: Dsn | undefined, spool?: Spool) {
    this.options = options;
    this.dsnString = dsn && dsnToString(dsn);
    const platform = options.platform ?? 'node';
    const sdk = options.sdk ?? { name: 'x.javascript.core', version: '0.0.0' };
    this.prepare = {
      platform,
      userInfo: collectsUserInfo(options),
      ipAnonymization: options.ipAnonymization ?? 'none',
      inferIp: options.inferIp,
      userResolverTimeoutMs: options.userResolverTimeoutMs ?? 1000,
      pseudonymize: options.pseudonymizeUsers && createPseudonymizer(options.pseudonymizeUsers),
      environment: options.environment,
      release: options.release,
      serverName: options.serverName,
      sdk,
    };
    if (!dsn) return;
    const browser = platform === 'javascript';
    const factory = options.transport ?? createFetchTransport;
    this.transport = factory({
      ...this.endpoint(dsn, `${sdk.name}/${sdk.version}`),
      maxQueueSize: options.maxQueueSize ?? 10_000,
      ...(options.maxQueueBytes ? { maxQueueBytes: options.maxQueueBytes } : {}),
      spool,
      keepalive: browser,
      recordDropped: (reason, category, quantity) =>
        this.recordDroppedEvent(reason, category, quantity),
    });
    if (options.sendClientReports !== false) {
      this.reportTimer = setInterval(() => this.sendClientReport(), CLIENT_REPORT_INTERVAL_MS);
      (this.reportTimer as { unref?: () => void }).unref?.();
    }
  }

  /**
   * Where envelopes go and how they authenticate: the page's way, auth in the query string (no
   * CORS preflight). The server client sends it as the `X-Sentry-Auth` header instead, so that
   * a page's bundle leaves that code out.
   */
  protected endpoint(dsn: Dsn, clientName: string): Pick<TransportOptions, 'url' | 'headers'> {
    return { url: `${envelopeEndpoint(dsn)}?${authQuery(dsn, clientName)}`, headers: {} };
  }

  /** `true` when events are sent somewhere (a DSN was given and the client is open). */
  isEnabled(): boolean {
    return this.transport !== undefined && !this.closed;
  }

  /** Captures an error with the given scopes' data; returns the event id. */
  captureException(error: unknown, hint: EventHint, scopes: readonly ScopeData[]): string {
    const eventId = hint.event_id ?? newEventId();
    if (!this.isEnabled()) return eventId;
    try {
      const mechanism = hint.mechanism ?? { type: 'generic', handled: true };
      // The stack is parsed off the caller's path (V8 keeps the frames on the error).
      const event = (): Event => ({
        event_id: eventId,
        level: 'error',
        exception: { values: this.exceptionValues(error, mechanism) },
      });
      this.track(event, { ...hint, originalException: error }, scopes);
    } catch (err) {
      this.internalError(err);
    }
    return eventId;
  }

  /** Captures a message; returns the event id. */
  captureMessage(
    message: string,
    level: SeverityLevel,
    hint: EventHint,
    scopes: readonly ScopeData[],
  ): string {
    const eventId = hint.event_id ?? newEventId();
    if (!this.isEnabled()) return eventId;
    try {
      const event: Event = { event_id: eventId, level, logentry: { formatted: String(message) } };
      this.track(() => event, hint, scopes);
    } catch (err) {
      this.internalError(err);
    }
    return eventId;
  }

  /** Captures a ready-made event (scopes still apply); returns the event id. */
  captureEvent(event: Event, hint: EventHint, scopes: readonly ScopeData[]): string {
    const eventId =
      (typeof event?.event_id === 'string' && event.event_id) || hint.event_id || newEventId();
    if (!this.isEnabled()) return eventId;
    try {
      const own = { ...event, event_id: eventId };
      this.track(() => own, hint, scopes);
    } catch (err) {
      this.internalError(err);
    }
    return eventId;
  }

  /** The user an event captured with these scopes would carry (privacy and IP rules applied). */
  async getEventUser(
    scopes: readonly ScopeData[],
    userResolverTimeoutMs?: number,
  ): Promise<NormalizedUser | null> {
    const options = userResolverTimeoutMs
      ? { ...this.prepare, userResolverTimeoutMs }
      : this.prepare;
    return (await buildEventUser(undefined, scopes, options)).user;
  }

  /** {@link getEventUser} without waiting for an async user resolver. */
  getEventUserSync(scopes: readonly ScopeData[]): NormalizedUser | null {
    return buildEventUserSync(scopes, this.prepare).user;
  }

  /** Counts an event that will not be delivered, for the next client report. */
  recordDroppedEvent(reason: DiscardReason, category: DataCategory, quantity = 1): void {
    // A lost client report is not itself reported.
    if (category !== 'internal') this.discarded.record(reason, category, quantity);
  }

  /** Resolves `true` once every captured event was delivered or spooled; `false` on timeout. */
  async flush(timeoutMs = 2000): Promise<boolean> {
    if (!this.transport) return true;
    const deadline = Date.now() + timeoutMs;
    const built = await settleWithin([...this.pending], timeoutMs);
    let delivered = await this.transport.flush(Math.max(0, deadline - Date.now()));
    // The report goes last, so that it counts what this flush could not deliver.
    if (delivered && this.sendClientReport()) {
      delivered = await this.transport.flush(Math.max(0, deadline - Date.now()));
    }
    return built && delivered;
  }

  /** Flushes, then stops sending; later captures are no-ops. */
  async close(timeoutMs = 2000): Promise<boolean> {
    if (!this.transport || this.closed) return true;
    const deadline = Date.now() + timeoutMs;
    const built = await settleWithin([...this.pending], timeoutMs);
    await this.transport.flush(Math.max(0, deadline - Date.now()));
    this.sendClientReport();
    this.closed = true;
    clearInterval(this.reportTimer);
    const remaining = Math.max(0, deadline - Date.now());
    const delivered = this.transport.close
      ? await this.transport.close(remaining)
      : await this.transport.flush(remaining);
    return built && delivered;
  }

  private track(event: () => Event, hint: EventHint, scopes: readonly ScopeData[]): void {
    const frozen = this.readRequestNow(scopes);
    const work = Promise.resolve()
      .then(() => this.process(event(), hint, frozen))
      .catch((err) => this.internalError(err));
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** The exception values of a thrown value (the server client keeps repeated stacks' frames). */
  protected exceptionValues(error: unknown, mechanism: Mechanism): ExceptionValue[] {
    return exceptionFromError(error, mechanism);
  }

  /** Reads what of the request must be read on the caller's path; the server client does. */
  protected readRequestNow(scopes: readonly ScopeData[]): readonly ScopeData[] {
    return scopes;
  }

  private async process(
    event: Event,
    hint: EventHint,
    scopes: readonly ScopeData[],
  ): Promise<void> {
    const category = eventCategory(event);
    let prepared: Event | null = await prepareEvent(event, scopes, this.prepare);
    await this.improveFrames(prepared);
    if (this.options.beforeSend) {
      try {
        prepared = await this.options.beforeSend(prepared, hint);
      } catch (err) {
        debugWarn('beforeSend threw; event dropped', err);
        prepared = null;
      }
      if (!prepared) {
        this.recordDroppedEvent('before_send', category);
        return;
      }
    }
    const payload = serializeWithinLimit(prepared);
    if (!payload) {
      debugWarn('event over 1 MiB after trimming; dropped');
      this.recordDroppedEvent('internal_sdk_error', category);
      return;
    }
    const body = serializeEnvelope(this.envelopeHeader(prepared.event_id), [
      { header: { type: 'event' }, payload },
    ]);
    this.transport?.send({ body, categories: [category] });
  }

  /** Improves an event's stack frames before it is sent; the server client does (see there). */
  protected async improveFrames(_event: Event): Promise<void> {}

  /** Sends what was dropped since the last report; `true` if a report was queued. */
  private sendClientReport(): boolean {
    if (!this.transport || this.closed || this.options.sendClientReports === false) return false;
    // Keep counting while reports would only be dropped themselves.
    if (this.transport.isRateLimited?.('internal')) return false;
    const report = this.discarded.take();
    if (!report) return false;
    const body = serializeEnvelope(this.envelopeHeader(), [
      { header: { type: 'client_report' }, payload: report },
    ]);
    this.transport.send({ body, categories: ['internal'] });
    return true;
  }

  /** The envelope's `sent_at`: now, as ISO text (the server client keeps each second's text). */
  protected sentAt(): string {
    return new Date().toISOString();
  }

  private envelopeHeader(eventId?: string) {
    // One object: JSON leaves out the fields that are undefined.
    return {
      event_id: eventId,
      sent_at: this.sentAt(),
      sdk: this.prepare.sdk,
      dsn: this.dsnString || undefined,
    };
  }

  private internalError(error: unknown): void {
    debugWarn('could not build or send an event; dropped', error);
    this.recordDroppedEvent('internal_sdk_error', 'error');
  }
}

/** A new event id: 32 lower-case hex characters. */
export function newEventId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (crypto?.randomUUID) return crypto.randomUUID().replaceAll('-', '');
  let id = '';
  for (let i = 0; i < 32; i++) id += Math.floor(Math.random() * 16).toString(16);
  return id;
}
