import { getCarrier } from './carrier';
import { Client } from './client';
import { type ResolvedDataCollection, resolveDataCollection } from './dataCollectionResolve';
import { debugWarn } from './debug';
import { authHeader, type Dsn, envelopeEndpoint } from './dsn';
import type { Event, ExceptionValue, Mechanism } from './event';
import { exceptionFromError } from './exception';
import { isoNow } from './isoNow';
import { isKeptFrames, keptStackFrames } from './keptStacks';
import type { ClientOptions } from './options';
import { buildEventUserNow } from './prepareEvent';
import { applyEventRequest } from './requestData';
import { warnResolverFailed } from './resolverWarning';
import { Scope, type ScopeData } from './scope';
import { settleWithin } from './settleWithin';
import type { Spool } from './spool';
import { activeTraceContext } from './traceContext';
import { createHttpTransport, type Transport, type TransportOptions } from './transport';
import type { NormalizedUser } from './user';
import { keepTravelled } from './userPropagation';

/** How long the build step waits for the runtime's frame improvements (source maps, context). */
const SOURCE_FRAMES_TIMEOUT_MS = 1000;

/**
 * The client `init` installs: the {@link Client} plus what only a server needs, kept apart so
 * that a page's bundle (the browser client of `@x/next/client`) leaves it out —
 * the HTTP transport (bounded queue, backoff, retries, spool, compression) as the default;
 * the request each event happened in (`request`, `transaction`, the client IP read on the
 * caller's path); the active OpenTelemetry span as `contexts.trace`; and stack frames improved by the runtime (source maps, context lines).
 */
export class ServerClient extends Client {
  /** What the SDK collects on its own, per category (`dataCollection`, `sendDefaultPii`). */
  readonly dataCollection: ResolvedDataCollection;

  /** @param dsn the parsed DSN, or `undefined` for a client that drops everything. */
  constructor(options: ClientOptions, dsn: Dsn | undefined, spool?: Spool) {
    const factory = options.transport ?? createHttpTransport;
    super({ ...options, transport: (o) => sendingOutsideUnits(factory(o)) }, dsn, spool);
    this.dataCollection = resolveDataCollection(options, this.prepare.userInfo);
    this.prepare.dataCollection = this.dataCollection;
    this.prepare.applyRequest = applyEventRequest;
    this.prepare.onResolverError = warnResolverFailed;
    const pseudonymize = this.prepare.pseudonymize;
    if (pseudonymize) this.prepare.pseudonymize = keepTravelled(pseudonymize);
  }

  /**
   * A server authenticates with the `X-Sentry-Auth` header and names itself in `User-Agent`; a
   * client with `platform: "javascript"` the page's way (see {@link Client.endpoint}).
   */
  protected override endpoint(
    dsn: Dsn,
    clientName: string,
  ): Pick<TransportOptions, 'url' | 'headers'> {
    if (this.prepare.platform === 'javascript') return super.endpoint(dsn, clientName);
    return {
      url: envelopeEndpoint(dsn),
      headers: { 'X-Sentry-Auth': authHeader(dsn, clientName), 'User-Agent': clientName },
    };
  }

  override async getEventUser(
    scopes: readonly ScopeData[],
    userResolverTimeoutMs?: number,
  ): Promise<NormalizedUser | null> {
    return this.resolveEventUser(scopes, userResolverTimeoutMs);
  }

  /**
   * {@link getEventUser}'s user as it is when no user resolver returns a promise, else a promise
   * of it ({@link buildEventUserNow}).
   */
  resolveEventUser(
    scopes: readonly ScopeData[],
    userResolverTimeoutMs?: number,
  ): NormalizedUser | null | Promise<NormalizedUser | null> {
    const options = userResolverTimeoutMs
      ? { ...this.prepare, userResolverTimeoutMs }
      : this.prepare;
    return buildEventUserNow(scopes, options);
  }

  /**
   * The user an event captured with these scopes would send: {@link getEventUser}, then
   * `pseudonymizeUsers` (a travelled user as it came). What `sealUser` seals.
   */
  async getSendableUser(scopes: readonly ScopeData[]): Promise<NormalizedUser | null> {
    const user = await this.getEventUser(scopes);
    const pseudonymize = this.prepare.pseudonymize;
    return user && pseudonymize ? pseudonymize(user, scopes) : user;
  }

  /**
   * Reads the request's client IP (only under `dataCollection.userInfo`), URL and route now, on the caller's
   * path: they come from the framework's request, which may be gone (its socket closed) by the
   * time the event is built. The user resolver stays lazy (it runs when the event is built).
   * The active OpenTelemetry span, if any, is read now too: it is the span the error happened
   * in, and becomes `contexts.trace` — over the scopes' own (an incoming header's), under a
   * `contexts.trace` given with the event itself.
   */
  protected override readRequestNow(scopes: readonly ScopeData[]): readonly ScopeData[] {
    const read = this.readRequestFields(scopes);
    const trace = activeTraceContext();
    return trace ? [...read, new Scope().setContext('trace', { ...trace }).getScopeData()] : read;
  }

  private readRequestFields(scopes: readonly ScopeData[]): readonly ScopeData[] {
    return scopes.map((scope) => {
      const request = scope.request;
      const url = request?.url;
      if (!request || (!request.clientIp && !request.route && typeof url !== 'function'))
        return scope;
      const clientIp = this.prepare.userInfo ? readGetter(request.clientIp) : undefined;
      const route = readGetter(request.route);
      return {
        ...scope,
        request: {
          ...request,
          url: typeof url === 'function' ? readGetter(url) : url,
          clientIp: request.clientIp && (() => clientIp),
          route: request.route && (() => route),
        },
      };
    });
  }

  protected override sentAt(): string {
    return isoNow();
  }

  /**
   * The exception values with the frames of a stack seen before as they were kept (keptStacks.ts):
   * read-only, so {@link improveFrames} gives a `beforeSend` copies.
   */
  protected override exceptionValues(error: unknown, mechanism: Mechanism): ExceptionValue[] {
    return exceptionFromError(error, mechanism, keptStackFrames);
  }

  /**
   * Lets the runtime map the frames to the original sources and add context lines (the node
   * entry's `sourceFrames`); waits at most {@link SOURCE_FRAMES_TIMEOUT_MS}, then sends the
   * frames as they are. Frames still kept as parsed (no runtime, too late, or it failed) are
   * copied when a `beforeSend` will see them: it may change what it gets.
   */
  protected override async improveFrames(event: Event): Promise<void> {
    await this.applyRuntimeFrames(event);
    if (this.options.beforeSend) copyKeptFrames(event);
  }

  private async applyRuntimeFrames(event: Event): Promise<void> {
    const sourceFrames = getCarrier().runtime?.sourceFrames;
    if (!sourceFrames || !event.exception?.values?.some((v) => v?.stacktrace?.frames?.length))
      return;
    try {
      const deadline = Date.now() + SOURCE_FRAMES_TIMEOUT_MS;
      const work = sourceFrames(event, {
        root: this.options.root,
        contextLines: this.dataCollection.frameContextLines,
        deadline,
        // No hook sees the event before it is serialized: it may carry the cached frames.
        share: !this.options.beforeSend,
      });
      // `undefined`: done already (frames seen before), so no timer for this event.
      if (work && !(await settleWithin([work], SOURCE_FRAMES_TIMEOUT_MS)))
        debugWarn('reading source maps and context lines took too long; frames sent as parsed');
    } catch (err) {
      debugWarn('could not improve stack frames; sent as parsed', err);
    }
  }
}

/** Replaces every kept frames array of `event` by a copy (new objects; nothing kept changes). */
function copyKeptFrames(event: Event): void {
  const values = event.exception?.values;
  if (!values?.some((value) => isKeptFrames(value?.stacktrace?.frames))) return;
  event.exception = {
    ...event.exception,
    values: values.map((value) => {
      const frames = value?.stacktrace?.frames;
      if (!frames || !isKeptFrames(frames)) return value;
      return {
        ...value,
        stacktrace: { ...value.stacktrace, frames: frames.map((f) => ({ ...f })) },
      };
    }),
  };
}

/** A getter's value now; `undefined` when it throws (reported later, when the event is built). */
function readGetter<T>(getter: (() => T) | undefined): T | undefined {
  try {
    return getter?.();
  } catch (error) {
    debugWarn('a request getter threw; the event goes without its value', error);
    return undefined;
  }
}

/**
 * The transport, with each `send` run outside the unit of work that captured the event: a
 * delivery (its socket, its retries, a keep-alive connection) outlives the request, and made
 * inside it would keep the request's async-context stores — its scopes, its request or socket —
 * alive as long as the connection lives.
 */
function sendingOutsideUnits(transport: Transport): Transport {
  const outside = getCarrier().runtime?.outsideUnits;
  if (!outside) return transport;
  const send = transport.send.bind(transport);
  transport.send = (envelope) => outside(() => send(envelope));
  return transport;
}
