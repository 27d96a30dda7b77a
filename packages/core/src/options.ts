import type { DataCollection } from './dataCollection';
import type { Event, EventHint } from './event';
import type { IpAnonymization } from './ipAnonymization';
import type { PseudonymizeUsers } from './pseudonymizeUsers';
import type { Spool } from './spool';
import type { Transport, TransportOptions } from './transport';

/** Options of {@link init}. Names follow Sentry's where the concept is the same. */
export interface ClientOptions {
  /** Where to send events. Default: env `X_DSN`, else `SENTRY_DSN`; none = capture is a no-op. */
  dsn?: string | undefined;
  /** @default env `X_ENVIRONMENT` / `SENTRY_ENVIRONMENT`, else `"production"` */
  environment?: string | undefined;
  /** @default env `X_RELEASE` / `SENTRY_RELEASE` */
  release?: string | undefined;
  /** The machine's name (`server_name`). @default the host name on Node */
  serverName?: string | undefined;
  /**
   * Collect personal data on the SDK's own, as it comes: the login user's email, the client IP,
   * the `Cookie`, `Authorization` and forwarding headers, the query string unfiltered. What the
   * app sets explicitly (`setUser`) is always sent. `dataCollection` says the same per category,
   * with Sentry v11's filtering; a category set there wins over this switch.
   * @default false
   */
  sendDefaultPii?: boolean | undefined;
  /**
   * What the SDK collects on its own, per category, as Sentry's JavaScript SDK v11 names it:
   * `userInfo`, `cookies`, `httpHeaders`, `urlQueryParams`, `graphQL`, `frameContextLines`. A
   * category left out keeps @x's default (nothing personal), or `sendDefaultPii`'s when that is
   * `true`. See {@link DataCollection} and the package README's "Data collection".
   * @default @x's defaults
   */
  dataCollection?: DataCollection | undefined;
  /** Last look at every event; return `null` to drop it. A throw drops it too. */
  beforeSend?:
    | ((event: Event, hint: EventHint) => Event | null | PromiseLike<Event | null>)
    | undefined;
  /** A custom transport factory. @default the HTTP transport (fetch) */
  transport?: ((options: TransportOptions) => Transport) | undefined;
  /** Envelopes held in memory while the backend is slow or down (oldest dropped first). @default 10000 */
  maxQueueSize?: number | undefined;
  /** Bytes held in memory, the other bound of the queue. @default 32 MiB */
  maxQueueBytes?: number | undefined;
  /** A directory where undeliverable envelopes wait, across restarts (Node only). */
  spoolDir?: string | undefined;
  /** Cap of the spool directory in bytes (oldest dropped first). @default 50 MiB */
  maxSpoolBytes?: number | undefined;
  /** A custom spool (instead of `spoolDir`). */
  spool?: Spool | undefined;
  /** `"truncate"` zeroes the last IPv4 octet / last 80 bits of IPv6 in every IP sent. @default "none" */
  ipAnonymization?: IpAnonymization | undefined;
  /**
   * Send `id`, `username` and `email` as keyed hashes (`px_…`) and drop custom user data not in
   * `allow`; IP and geo follow their usual rules. `getUser()` stays the app's (raw) view.
   * See {@link PseudonymizeUsers} and docs/privacy.md. @default off
   */
  pseudonymizeUsers?: PseudonymizeUsers | undefined;
  /**
   * The secret that signs the user a unit of work carries to another service (`sealUser()`,
   * `openUser()`: a microservice message, a queued job). The same in every service that passes
   * users on; at least 16 bytes, 32+ characters recommended (`openssl rand -hex 32`); a key of its
   * own (what it signs is domain-separated from pseudonyms all the same). Servers only: in a
   * browser bundle it is public. Never sent, never logged. @default off: no user travels
   */
  propagationKey?: string | undefined;
  /**
   * Overrides `sdk.settings.infer_ip`, i.e. whether the server may use the
   * connection's IP. @default `"never"` on servers; in browsers `"auto"` under
   * `dataCollection.userInfo` (or `sendDefaultPii`)
   */
  inferIp?: 'auto' | 'never' | undefined;
  /** `"node"` on servers, `"javascript"` in browsers. @default detected */
  platform?: 'node' | 'javascript' | undefined;
  /** How long an async user resolver may take per event. @default 1000 */
  userResolverTimeoutMs?: number | undefined;
  /** Send `client_report` items saying what was dropped and why. @default true */
  sendClientReports?: boolean | undefined;
  /**
   * (Node) The app's root directory: stack frames' `filename` is relative to it and their
   * `module` is computed from it, so events group the same wherever the app is deployed.
   * @default process.cwd()
   */
  root?: string | undefined;
  /**
   * (Node) Lines of source sent either side of each in-app frame's line; `0` sends no source
   * code at all. `dataCollection.frameContextLines` (Sentry v11's name) wins over it. @default 7
   */
  contextLines?: number | undefined;
  /** Print debug lines (`[@x] …`) to the console. @default false */
  debug?: boolean | undefined;
  /** Set by adapters: the SDK name and version reported in `sdk`. */
  sdk?: { name: string; version: string } | undefined;
}

/** Reads an environment variable where a `process` exists (no `node:` import). */
export function readEnv(name: string): string | undefined {
  try {
    const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
      ?.env?.[name];
    return value?.trim() ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** `"javascript"` where a DOM exists, else `"node"`. */
export function detectPlatform(): 'node' | 'javascript' {
  const g = globalThis as { window?: unknown; document?: unknown };
  return typeof g.window === 'object' && typeof g.document === 'object' ? 'javascript' : 'node';
}
