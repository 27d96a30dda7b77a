import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { addApiRoutes } from './api';
import { BACKGROUND_AUTOCHECKPOINT_PAGES, Checkpointer } from './checkpointer';
import { createClientIp } from './clientIp';
import { Forwarder } from './forwarder';
import { Gate } from './gate';
import { type GeoDatabase, type GeoSource, openGeo } from './geo';
import { GroupCommit } from './groupCommit';
import { createHostCheck, isLoopbackAddress } from './hostCheck';
import {
  bracket,
  createInboxServer,
  exposureWarning,
  listen,
  publicHost,
  type RequestGuard,
} from './inboxServer';
import { InboxStore } from './inboxStore';
import { addIngestRoutes, type IngestLimits } from './ingest';
import {
  DEFAULT_DB_PATH,
  DEFAULT_HOST,
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  DEFAULT_PROJECT_ID,
  DEV_PUBLIC_KEY,
  type InboxOptions,
} from './options';
import { Router } from './router';
import type { EnvelopeWrite } from './storeEnvelopes';
import { addStreamRoute, EventStream } from './stream';
import { storeStreamSource } from './streamQueries';
import type { UiSettings } from './ui/layout';
import { createTokenCheck, generateToken } from './uiAuth';
import { VERSION } from './version';
import { addUiRoutes } from './webUi';

type Log = (message: string) => void;

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
  const log: Log = options.log ?? ((message: string) => console.error(message));
  const { forwarder, store, geoSource } = await openResources(options, log);
  const stream = new EventStream(storeStreamSource(store), {
    onError: (error) => log(`@x/inbox: stream client dropped: ${String(error)}`),
  });
  const checkpointer = startCheckpointer(options, store, log);
  const commit = new GroupCommit({
    write: publishingWrite(store, stream, checkpointer),
    schedule: options.ingestSchedule,
  });
  const refused = new Map<string, number>();
  // The URL and DSN are known once listening (port 0), so the UI reads them late.
  let settings: UiSettings | undefined;
  const router = createRouter(options, log, {
    store,
    stream,
    commit,
    checkpointer,
    forwarder,
    geoSource,
    refused,
    settings: () => settings as UiSettings,
  });
  // Known once listening (the bound address); until then nothing is answered.
  const guard: RequestGuard = { refuseHost: () => 'not listening yet', authorized: undefined };
  const server = createInboxServer(router, guard, refused);
  try {
    await listen(server, options.port ?? DEFAULT_PORT, options.host ?? DEFAULT_HOST);
  } catch (error) {
    await checkpointer?.close();
    store.close();
    throw error;
  }

  const address = server.address() as AddressInfo;
  guard.refuseHost = createHostCheck({
    boundAddress: address.address,
    host: options.host,
    allowedHosts: options.allowedHosts,
  });
  const exposed = !isLoopbackAddress(address.address);
  const uiToken = uiTokenFor(options.uiAuth, exposed);
  if (uiToken !== undefined) guard.authorized = createTokenCheck(uiToken);
  const host = publicHost(address.address);
  const url = `http://${host}:${address.port}`;
  const boundUrl = `http://${bracket(address.address)}:${address.port}`;
  if (exposed) log(exposureWarning(address.address, boundUrl, options.key, uiToken));
  const dsn = `http://${options.key ?? DEV_PUBLIC_KEY}@${host}:${address.port}/${DEFAULT_PROJECT_ID}`;
  settings = uiSettings(options, url, dsn, { store, geoSource, forwarder });
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
    close: closeOnce(server, { forwarder, commit, checkpointer, store, stream }),
  };
}

/**
 * The group commit's write: stores the batch and, when someone follows the stream, tells it what
 * committed (the newest sequence number before the batch). With nobody subscribed it is the
 * plain write: ingest pays one property read per batch for the stream.
 */
function publishingWrite(
  store: InboxStore,
  stream: EventStream,
  checkpointer: Checkpointer | undefined,
): (writes: readonly EnvelopeWrite[]) => (unknown | undefined)[] {
  return (writes) => {
    const before = stream.listening ? store.latestSeq() : 0;
    const results = store.storeEnvelopes(writes);
    checkpointer?.committed();
    if (stream.listening) stream.committed(before);
    return results;
  };
}

/**
 * The background checkpoint of a database file (none for `:memory:` or with
 * `backgroundCheckpoints: false`): SQLite's autocheckpoint on the main connection becomes a
 * backstop, and comes back at its default (1,000 pages) if the thread fails.
 */
function startCheckpointer(
  options: InboxOptions,
  store: InboxStore,
  log: Log,
): Checkpointer | undefined {
  const path = options.dbPath ?? DEFAULT_DB_PATH;
  if (path === ':memory:' || options.backgroundCheckpoints === false) return undefined;
  const checkpointer = new Checkpointer({
    // The file the main connection opened, even if the process changes directory later.
    path: resolve(path),
    driver: store.driver,
    schedule: options.checkpointSchedule,
    onFailure: (error) => {
      log(
        `@x/inbox: background checkpoints stopped (${String(error)}); checkpointing after commits`,
      );
      store.setAutocheckpoint(SQLITE_AUTOCHECKPOINT_PAGES);
    },
  });
  store.setAutocheckpoint(BACKGROUND_AUTOCHECKPOINT_PAGES);
  return checkpointer;
}

/** SQLite's default `wal_autocheckpoint`. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

/** What the inbox holds open besides its server. */
interface Resources {
  forwarder: Forwarder | undefined;
  store: InboxStore;
  geoSource: GeoSource | undefined;
}

/**
 * The forwarder, the database and the geo data. A bad --forward DSN fails first (nothing to
 * undo), then the SQLite driver, before the geo data is read; a geo failure closes the database.
 */
async function openResources(options: InboxOptions, log: Log): Promise<Resources> {
  const forwarder = options.forward
    ? new Forwarder({
        ...options.forwardOptions,
        dsn: options.forward,
        onDrop: (reason) => log(`@x/inbox: ${reason}`),
      })
    : undefined;
  const store = new InboxStore(options.dbPath ?? DEFAULT_DB_PATH);
  try {
    const geoSource =
      options.geo === false
        ? undefined
        : await openGeo(options.geoipDb ? { kind: 'maxmind', path: options.geoipDb } : undefined);
    return { forwarder, store, geoSource };
  } catch (error) {
    store.close();
    throw error;
  }
}

/** What the routes share: the resources, the group commit, refusal counts and the UI settings. */
interface RouterDeps extends Resources {
  stream: EventStream;
  commit: GroupCommit<EnvelopeWrite>;
  checkpointer: Checkpointer | undefined;
  refused: Map<string, number>;
  settings: () => UiSettings;
}

/** The router with ingest, the JSON API and the web UI. */
function createRouter(options: InboxOptions, log: Log, deps: RouterDeps): Router {
  const { store, commit, forwarder, refused } = deps;
  const forwarding = () => (forwarder ? { ...forwarder.stats } : null);
  const skipped = new Map<string, number>();
  const router = new Router();
  router.onError = (error) => log(`@x/inbox: request failed: ${String(error)}`);
  addIngestRoutes(router, {
    commit,
    clientIp: createClientIp(options.trustProxy ?? false),
    geo: deps.geoSource?.lookup,
    forwarder,
    key: options.key,
    preventStoringIp: options.preventStoringIp ?? false,
    limits: ingestLimits(options),
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
    ingest: () => ({
      ...commit.stats,
      checkpoints: deps.checkpointer ? { ...deps.checkpointer.stats } : null,
    }),
  });
  addStreamRoute(router, deps.stream);
  addUiRoutes(router, { store, settings: deps.settings, forwarding });
  return router;
}

/** The ingest limits: each option, or its default. */
function ingestLimits(options: InboxOptions): IngestLimits {
  return {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
    maxEnvelopeBytes: options.maxEnvelopeBytes ?? DEFAULT_LIMITS.maxEnvelopeBytes,
    maxEventBytes: options.maxEventBytes ?? DEFAULT_LIMITS.maxEventBytes,
    maxAttachmentBytes: options.maxAttachmentBytes ?? DEFAULT_LIMITS.maxAttachmentBytes,
    maxEnvelopeItems: options.maxEnvelopeItems ?? DEFAULT_LIMITS.maxEnvelopeItems,
    maxSessionCount: options.maxSessionCount ?? DEFAULT_LIMITS.maxSessionCount,
  };
}

/** The UI/API token: the `uiAuth` option, one generated for an exposed bind, else none (open). */
function uiTokenFor(uiAuth: InboxOptions['uiAuth'], exposed: boolean): string | undefined {
  if (typeof uiAuth === 'string') return uiAuth;
  return uiAuth === undefined && exposed ? generateToken() : undefined;
}

/** The configuration the settings page shows. */
function uiSettings(
  options: InboxOptions,
  url: string,
  dsn: string,
  { store, geoSource, forwarder }: Resources,
): UiSettings {
  return {
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
}

/**
 * The handle's `close`: stops the forwarder and the server, then writes what is queued and closes
 * the database. Every call returns the same promise.
 */
function closeOnce(
  server: Server,
  parts: {
    forwarder: Forwarder | undefined;
    commit: GroupCommit<EnvelopeWrite>;
    checkpointer: Checkpointer | undefined;
    store: InboxStore;
    stream: EventStream;
  },
): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      parts.forwarder?.close();
      parts.stream.close();
      server.close(() => {
        // Envelopes already checked and queued are written before the database closes.
        parts.commit.flush();
        // The thread's connection first, so the main one is the last: it checkpoints the rest.
        void (parts.checkpointer?.close() ?? Promise.resolve()).then(() => {
          parts.store.close();
          resolve();
        });
      });
      server.closeAllConnections();
    });
    return closing;
  };
}
