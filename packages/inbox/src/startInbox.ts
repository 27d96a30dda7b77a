import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { addApiRoutes } from './api';
import { createClientIp } from './clientIp';
import { applyCors, isIngestPath } from './cors';
import { Forwarder } from './forwarder';
import { Gate } from './gate';
import { type GeoDatabase, type GeoSource, openGeo } from './geo';
import { GroupCommit } from './groupCommit';
import { createHostCheck, isLoopbackAddress, isWildcardAddress } from './hostCheck';
import { addIngestRoutes, count } from './ingest';
import {
  DEFAULT_DB_PATH,
  DEFAULT_HOST,
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  DEFAULT_PROJECT_ID,
  DEV_PUBLIC_KEY,
  type InboxOptions,
} from './options';
import { Router, send } from './router';
import { crossSiteRefusal } from './sameOrigin';
import { type EnvelopeWrite, InboxStore } from './store';
import type { UiSettings } from './ui/layout';
import { createTokenCheck, generateToken } from './uiAuth';
import { VERSION } from './version';
import { addUiRoutes } from './webUi';

const JSON_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };

/** A running inbox. */
export interface InboxHandle {
  /** Base URL, e.g. `http://127.0.0.1:8969` (loopback for a wildcard bind). */
  url: string;
  /** The address actually bound, as a URL: `http://0.0.0.0:8969` for a wildcard bind, else {@link url}. */
  boundUrl: string;
  /** `true` when bound beyond loopback (`0.0.0.0`, `::`, a LAN address). */
  exposed: boolean;
  /**
   * The token the UI and JSON API require (`Authorization: Bearer …`, or Basic with it as the
   * password): the `uiAuth` option, or one generated for an exposed bind; `undefined` when open.
   */
  uiToken: string | undefined;
  /** The DSN to give SDKs: `http://<publicKey>@<host>:<port>/1`. */
  dsn: string;
  /** The port actually listened on (useful with `port: 0`). */
  port: number;
  /** The router (JSON API, ingest and web UI); more routes can be added here. */
  router: Router;
  /** The database (`store.driver` says which SQLite driver). */
  store: InboxStore;
  /** The geo database in use; `undefined` with `geo: false`. */
  geoDatabase: GeoDatabase | undefined;
  /** The forwarder when `forward` is set. */
  forwarder: Forwarder | undefined;
  /** Stops listening, closes connections and the database. */
  close(): Promise<void>;
}

/**
 * Starts the inbox: a Sentry-compatible ingest endpoint that processes users
 * the way Relay does, stores events in SQLite and serves a JSON API.
 *
 * SQLite is `node:sqlite` on Node ≥ 22.13, else `better-sqlite3` (an optional
 * peer dependency); `X_INBOX_SQLITE` forces one. When neither loads, it
 * rejects with a {@link SqliteUnavailableError} whose message says what to do.
 *
 * @example
 * const inbox = await startInbox({ port: 0, dbPath: ':memory:' });
 * Sentry.init({ dsn: inbox.dsn });
 * // … later
 * await inbox.close();
 */
export async function startInbox(options: InboxOptions = {}): Promise<InboxHandle> {
  const log = options.log ?? ((message: string) => console.error(message));
  // A bad --forward DSN first (nothing to undo), then the SQLite driver before the geo data is read.
  const forwarder = options.forward
    ? new Forwarder({
        ...options.forwardOptions,
        dsn: options.forward,
        onDrop: (reason) => log(`@x/inbox: ${reason}`),
      })
    : undefined;
  const store = new InboxStore(options.dbPath ?? DEFAULT_DB_PATH);
  let geoSource: GeoSource | undefined;
  try {
    geoSource =
      options.geo === false
        ? undefined
        : await openGeo(options.geoipDb ? { kind: 'maxmind', path: options.geoipDb } : undefined);
  } catch (error) {
    store.close();
    throw error;
  }
  const geo = geoSource?.lookup;
  const forwarding = () => (forwarder ? { ...forwarder.stats } : null);
  const skipped = new Map<string, number>();
  const refused = new Map<string, number>();
  const commit = new GroupCommit({
    write: (writes: readonly EnvelopeWrite[]) => store.storeEnvelopes(writes),
    schedule: options.ingestSchedule,
  });
  const router = new Router();
  router.onError = (error) => log(`@x/inbox: request failed: ${String(error)}`);

  addIngestRoutes(router, {
    commit,
    clientIp: createClientIp(options.trustProxy ?? false),
    geo,
    forwarder,
    key: options.key,
    preventStoringIp: options.preventStoringIp ?? false,
    limits: {
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
      maxEnvelopeBytes: options.maxEnvelopeBytes ?? DEFAULT_LIMITS.maxEnvelopeBytes,
      maxEventBytes: options.maxEventBytes ?? DEFAULT_LIMITS.maxEventBytes,
      maxAttachmentBytes: options.maxAttachmentBytes ?? DEFAULT_LIMITS.maxAttachmentBytes,
      maxEnvelopeItems: options.maxEnvelopeItems ?? DEFAULT_LIMITS.maxEnvelopeItems,
      maxSessionCount: options.maxSessionCount ?? DEFAULT_LIMITS.maxSessionCount,
    },
    gate: new Gate(
      options.maxConcurrentDecompressions ?? DEFAULT_LIMITS.maxConcurrentDecompressions,
      64,
    ),
    refused,
    skipped,
  });
  addApiRoutes(router, {
    store,
    version: VERSION,
    startedAt: Date.now(),
    skipped,
    refused,
    forwarding,
    ingest: () => ({ ...commit.stats }),
  });

  // The URL and DSN are known once listening (port 0), so the UI reads them late.
  let settings: UiSettings | undefined;
  addUiRoutes(router, { store, settings: () => settings as UiSettings, forwarding });

  // Known once listening (the bound address); until then nothing is answered.
  let refuseHost: (req: IncomingMessage) => string | undefined = () => 'not listening yet';
  let authorized: ((req: IncomingMessage) => boolean) | undefined;
  const server = createServer((req, res) => {
    // DNS rebinding: a foreign Host is refused before anything else, ingest, API and UI alike.
    const hostRefusal = refuseHost(req);
    if (hostRefusal !== undefined) {
      count(refused, 'host');
      send(res, { status: 403, body: { detail: hostRefusal }, headers: JSON_HEADERS });
      return;
    }
    const ingest = isIngestPath(req.url);
    // Beyond loopback the UI and API need the token; ingest keeps its DSN-key auth.
    if (authorized && !ingest && !authorized(req)) {
      count(refused, 'ui_auth');
      send(res, {
        status: 401,
        body: { detail: 'the inbox UI and API need the token printed at startup (--ui-auth)' },
        headers: { ...JSON_HEADERS, 'WWW-Authenticate': 'Basic realm="x-inbox", charset="UTF-8"' },
      });
      return;
    }
    // CSRF: a state-changing UI/API request (DELETE /api/users/:key) from another site is refused.
    const crossSite = ingest ? undefined : crossSiteRefusal(req);
    if (crossSite !== undefined) {
      count(refused, 'cross_site');
      send(res, { status: 403, body: { detail: crossSite }, headers: JSON_HEADERS });
      return;
    }
    // Cross-origin access for ingest only (browser SDKs); the API and UI stay same-origin.
    if (ingest && applyCors(req, res)) return;
    void router.handle(req, res);
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_PORT, options.host ?? DEFAULT_HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    store.close();
    throw error;
  }

  const address = server.address() as AddressInfo;
  refuseHost = createHostCheck({
    boundAddress: address.address,
    host: options.host,
    allowedHosts: options.allowedHosts,
  });
  const exposed = !isLoopbackAddress(address.address);
  const uiToken =
    typeof options.uiAuth === 'string'
      ? options.uiAuth
      : options.uiAuth === undefined && exposed
        ? generateToken()
        : undefined;
  if (uiToken !== undefined) authorized = createTokenCheck(uiToken);
  const host = publicHost(address.address);
  const url = `http://${host}:${address.port}`;
  const boundUrl = `http://${bracket(address.address)}:${address.port}`;
  if (exposed) {
    const reach = isWildcardAddress(address.address)
      ? `every network interface (${interfaceAddresses().join(', ')})`
      : address.address;
    log(
      `@x/inbox: WARNING: listening on ${boundUrl}, reachable from other machines on ${reach}. ` +
        `Anyone who can reach it can send events${options.key === undefined ? ' (no --key: any key is accepted)' : ''}; ` +
        (uiToken === undefined
          ? 'the UI and API are OPEN to them (--no-auth): every stored email, IP, cookie and header is readable.'
          : 'the UI and API need the token (Basic auth password or Bearer).'),
    );
  }
  const dsn = `http://${options.key ?? DEV_PUBLIC_KEY}@${host}:${address.port}/${DEFAULT_PROJECT_ID}`;
  settings = {
    version: VERSION,
    url,
    // The --key is a secret when set: the UI shows the DSN without it.
    dsn: options.key === undefined ? dsn : dsn.replace(`//${options.key}@`, '//***@'),
    dbPath: options.dbPath ?? DEFAULT_DB_PATH,
    preventStoringIp: options.preventStoringIp ?? false,
    sqliteDriver: store.driver,
    geo: geoSource ? geoSource.database : { kind: 'off' },
    keyRestricted: options.key !== undefined,
    trustProxy: options.trustProxy ?? false,
    forward: forwarder?.dsn,
  };
  let closing: Promise<void> | undefined;
  return {
    url,
    boundUrl,
    exposed,
    uiToken,
    dsn,
    port: address.port,
    router,
    store,
    geoDatabase: geoSource?.database,
    forwarder,
    close() {
      closing ??= new Promise<void>((resolve) => {
        forwarder?.close();
        server.close(() => {
          // Envelopes already checked and queued are written before the database closes.
          commit.flush();
          store.close();
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function bracket(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** This machine's non-internal interface addresses (what a wildcard bind exposes). */
function interfaceAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (!entry.internal) out.push(entry.address);
  }
  return out.length > 0 ? out : ['no other interface found'];
}

/** The address clients should use: loopback for wildcard binds, brackets for IPv6. */
function publicHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}
