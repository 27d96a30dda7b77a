import { getCarrier } from './carrier';
import { Client, newEventId } from './client';
import type { Client as PublicClient } from './clientApi';
import { getIsolationScope, getScopeChain } from './currentScopes';
import { debugWarn, setDebug } from './debug';
import { type Dsn, parseDsn } from './dsn';
import type { Breadcrumb, Event, EventHint } from './event';
import { type ClientOptions, detectPlatform, readEnv } from './options';
import { readScopeData, type SeverityLevel } from './scope';
import { ServerClient } from './serverClient';
import type { NormalizedUser } from './user';
import { SDK_VERSION } from './version';

/**
 * Starts the SDK. Without a DSN (option, env `X_DSN`, env `SENTRY_DSN`)
 * capturing is a no-op. A malformed DSN throws here, naming the bad part.
 *
 * @example
 * init({ dsn: process.env.X_DSN, release: 'shop@1.4.0', sendDefaultPii: false });
 */
export function init(options: ClientOptions = {}): PublicClient {
  return startClient(options, (resolved, dsn) => {
    let spool = resolved.spool;
    const runtime = getCarrier().runtime;
    if (!spool && resolved.spoolDir) {
      if (runtime?.createSpool)
        spool = runtime.createSpool(resolved.spoolDir, resolved.maxSpoolBytes);
      else debugWarn('spoolDir needs the Node entry point of @x/core; spooling is off');
    }
    return new ServerClient(resolved, dsn, spool);
  });
}

/**
 * `init` for a page: the plain {@link Client} on the fetch transport, without the server
 * client's request handling and HTTP transport (queue, backoff, spool), which a browser bundle
 * then leaves out. `@x/next/client`'s `initBrowser` uses it.
 */
export function initBrowserClient(options: ClientOptions = {}): Client {
  return startClient(options, (resolved, dsn) => new Client(resolved, dsn));
}

/** What `init` and {@link initBrowserClient} share; `create` makes the client. */
function startClient(
  options: ClientOptions,
  create: (options: ClientOptions, dsn: Dsn | undefined) => Client,
): Client {
  const carrier = getCarrier();
  setDebug(options.debug === true);
  const dsnString = options.dsn ?? readEnv('X_DSN') ?? readEnv('SENTRY_DSN');
  const dsn = dsnString ? parseDsn(dsnString) : undefined;
  if (!dsn) warnNoDsn(options.debug === true);

  const resolved: ClientOptions = {
    ...options,
    environment:
      options.environment ??
      readEnv('X_ENVIRONMENT') ??
      readEnv('SENTRY_ENVIRONMENT') ??
      'production',
    release: options.release ?? readEnv('X_RELEASE') ?? readEnv('SENTRY_RELEASE'),
    serverName: options.serverName ?? carrier.runtime?.serverName?.(),
    platform: options.platform ?? detectPlatform(),
    sdk: options.sdk ?? { name: 'x.javascript.core', version: SDK_VERSION },
  };
  const previous = carrier.client as Client | undefined;
  const client = create(resolved, dsn);
  carrier.client = client;
  if (previous && previous !== client) void previous.close(2000).catch(() => undefined);
  return client;
}

const NO_DSN =
  'no DSN given (option dsn, env X_DSN or SENTRY_DSN): nothing is sent. The local inbox: X_DSN=http://xinboxdevkey@127.0.0.1:8969/1';

/**
 * Without a DSN nothing is sent. That is how production turns the SDK off, so
 * it stays silent there; anywhere else (a server whose `NODE_ENV` is not
 * `production`, or with `debug`) it says so once at startup — a forgotten
 * `X_DSN` should not look like "no errors".
 */
function warnNoDsn(debug: boolean): void {
  if (debug) {
    debugWarn(NO_DSN);
    return;
  }
  if (detectPlatform() !== 'node') return;
  const nodeEnv = readEnv('NODE_ENV');
  if (nodeEnv === undefined || nodeEnv === 'production') return;
  try {
    console.warn(`[@x] ${NO_DSN}`);
  } catch {
    // Logging is best effort.
  }
}

/** The client `init` installed, if any. */
export function getClient(): PublicClient | undefined {
  return currentClient();
}

/** The installed client with the methods the SDK itself calls. */
export function currentClient(): Client | undefined {
  return getCarrier().client as Client | undefined;
}

function scopesNow() {
  return getScopeChain().map(readScopeData);
}

function remember(id: string): string {
  getCarrier().lastEventId = id;
  return id;
}

/**
 * Captures an error with the current user, request and scope data; returns
 * the event id at once (the event is built and sent in the background).
 *
 * @example try { pay(); } catch (err) { captureException(err); }
 */
export function captureException(error: unknown, hint: EventHint = {}): string {
  const client = currentClient();
  if (!client) return remember(hint.event_id ?? newEventId());
  return remember(client.captureException(error, hint, scopesNow()));
}

/** Captures a message (default level `info`); returns the event id. */
export function captureMessage(
  message: string,
  level: SeverityLevel = 'info',
  hint: EventHint = {},
): string {
  const client = currentClient();
  if (!client) return remember(hint.event_id ?? newEventId());
  return remember(client.captureMessage(message, level, hint, scopesNow()));
}

/** Captures a ready-made event; scopes still apply. Returns the event id. */
export function captureEvent(event: Event, hint: EventHint = {}): string {
  const client = currentClient();
  if (!client) return remember(event?.event_id ?? hint.event_id ?? newEventId());
  return remember(client.captureEvent(event, hint, scopesNow()));
}

/**
 * The user an event captured here and now would carry — the same precedence,
 * privacy and IP rules as a real capture (so `null` for an anonymous request
 * without `dataCollection.userInfo`). Without a client, as a default client would.
 */
export async function getEventUser(): Promise<NormalizedUser | null> {
  return clientOrDefault().getEventUser(scopesNow());
}

/**
 * The user the next event captured here would carry, exactly as it would be
 * sent (`dataCollection.userInfo` gating and the client IP included). An async user
 * resolver cannot be waited for here and counts as no default user: use
 * {@link getUserAsync} (or {@link getEventUser}) for those.
 */
export function getUser(): NormalizedUser | null {
  return clientOrDefault().getEventUserSync(scopesNow());
}

/** Like {@link getUser}, but waits (at most `timeoutMs`) for an async resolver. */
export async function getUserAsync(timeoutMs?: number): Promise<NormalizedUser | null> {
  return clientOrDefault().getEventUser(scopesNow(), timeoutMs);
}

function clientOrDefault(): Client {
  return (
    currentClient() ?? sentryModeUsers() ?? new Client({ platform: detectPlatform() }, undefined)
  );
}

/**
 * In Sentry mode (`@x/core/sentry`'s integration set up, @x not started): the client that builds
 * @x's users under Sentry's settings — so `getEventUser` says what @x supplies to Sentry's events.
 */
function sentryModeUsers(): Client | undefined {
  const carrier = getCarrier() as { [key: symbol]: { active?: { users?: Client } } | undefined };
  return carrier[Symbol.for('@x/core.sentryMode')]?.active?.users;
}

/** The id of the last event captured in this process. */
export function lastEventId(): string | undefined {
  return getCarrier().lastEventId;
}

/** Adds a breadcrumb to the isolation scope. */
export function addBreadcrumb(breadcrumb: Breadcrumb): void {
  getIsolationScope().addBreadcrumb(breadcrumb);
}

/** Resolves `true` once every captured event was delivered (or spooled), `false` on timeout. */
export async function flush(timeoutMs = 2000): Promise<boolean> {
  return (await getClient()?.flush(timeoutMs)) ?? true;
}

/** Flushes, then stops the client; later captures are no-ops. */
export async function close(timeoutMs = 2000): Promise<boolean> {
  return (await getClient()?.close(timeoutMs)) ?? true;
}
