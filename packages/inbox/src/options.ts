import type { CheckpointScheduler } from './checkpointer';
import type { InboxTrustProxy } from './clientIp';
import type { ForwardingOptions } from './forwarder';
import type { FlushScheduler } from './groupCommit';

/** The public key of the default development project; the printed DSN uses it. */
export const DEV_PUBLIC_KEY = 'xinboxdevkey';
/** The default project id. */
export const DEFAULT_PROJECT_ID = 1;
/** Default port (`x-inbox` and {@link startInbox}). */
export const DEFAULT_PORT = 8969;
/** Default host: loopback only. */
export const DEFAULT_HOST = '127.0.0.1';
/** Default database file, relative to the working directory. */
export const DEFAULT_DB_PATH = '.x/inbox.db';

const MiB = 1024 * 1024;
/** Default ingest limits, Relay's where Relay has one (bytes unless named otherwise). */
export const DEFAULT_LIMITS = {
  /** A request body as sent (compressed or not): Relay's `max_api_payload_size`. */
  maxBodyBytes: 20 * MiB,
  /** An envelope after decompression: Relay's `max_envelope_size`. */
  maxEnvelopeBytes: 50 * MiB,
  /** One event item (or a legacy store body): Relay's `max_event_size`. */
  maxEventBytes: 1 * MiB,
  /** One attachment, profile, replay or unknown item: Relay's `max_attachment_size`. */
  maxAttachmentBytes: 50 * MiB,
  /** Items in one envelope (Relay bounds each type; this bounds them all). */
  maxEnvelopeItems: 1000,
  /** Session items in one envelope: Relay's `max_session_count`. */
  maxSessionCount: 100,
  /** Compressed bodies decompressed at once; more wait (up to 64), then 503. */
  maxConcurrentDecompressions: 2,
} as const;

/** Options of `startInbox` (and the `x-inbox` flags of the same names). */
export interface InboxOptions {
  /** Port to listen on; `0` picks a free one. @default 8969 */
  port?: number | undefined;
  /** Interface to listen on. @default "127.0.0.1" */
  host?: string | undefined;
  /**
   * More `Host` header values to answer besides `localhost`, loopback addresses
   * and the bound address (DNS-rebinding protection): names or addresses, a
   * leading `.` for a domain and its subdomains, `"all"` to answer any Host.
   */
  allowedHosts?: readonly string[] | undefined;
  /**
   * Credentials for the web UI and JSON API (ingest keeps its DSN-key auth): a token,
   * sent as `Authorization: Bearer <token>` or as the Basic-auth password (any user
   * name). `false` leaves them open (`--no-auth`). Unset: open on loopback; a bind
   * beyond loopback generates one (`handle.uiToken`, printed by `x-inbox`).
   */
  uiAuth?: string | false | undefined;
  /** SQLite file (created with its directory); `:memory:` for none. @default ".x/inbox.db" */
  dbPath?: string | undefined;
  /**
   * The only public key accepted: other keys get 403, none 401. When unset
   * any key is accepted (development) and the DSN uses {@link DEV_PUBLIC_KEY}.
   */
  key?: string | undefined;
  /** Believe `X-Forwarded-For` from these proxies (see {@link InboxTrustProxy}). @default false */
  trustProxy?: InboxTrustProxy | undefined;
  /**
   * Sentry's "Prevent Storing of IP Addresses": the connection's IP is not used to
   * derive the user's IP, and `user.ip_address` and `request.env.REMOTE_ADDR` are
   * removed after the geo lookup (geo is still looked up). @default false
   */
  preventStoringIp?: boolean | undefined;
  /** Look up `user.geo` from the IP. @default true */
  geo?: boolean | undefined;
  /** A MaxMind GeoLite2/GeoIP2 City `.mmdb` to use instead of the bundled DB-IP Lite data. */
  geoipDb?: string | undefined;
  /** Also send every accepted envelope to this upstream DSN (e.g. Sentry). */
  forward?: string | undefined;
  /** How forwarding sends: retries, the queue bound in bytes, timeouts (see {@link ForwardingOptions}). */
  forwardOptions?: ForwardingOptions | undefined;
  /** Largest request body as sent, in bytes (Relay's `max_api_payload_size`). @default 20 MiB */
  maxBodyBytes?: number | undefined;
  /** Largest envelope after decompression, in bytes (Relay's `max_envelope_size`). @default 50 MiB */
  maxEnvelopeBytes?: number | undefined;
  /** Largest event item, in bytes (Relay's `max_event_size`). @default 1 MiB */
  maxEventBytes?: number | undefined;
  /** Largest attachment (profile, replay, unknown) item, in bytes (Relay's `max_attachment_size`). @default 50 MiB */
  maxAttachmentBytes?: number | undefined;
  /** Most items in one envelope. @default 1000 */
  maxEnvelopeItems?: number | undefined;
  /** Most session items in one envelope (Relay's `max_session_count`). @default 100 */
  maxSessionCount?: number | undefined;
  /** Compressed bodies decompressed at once (others wait, at most 64, then 503). @default 2 */
  maxConcurrentDecompressions?: number | undefined;
  /**
   * When queued envelopes are written (group commit: all of them in one transaction, each
   * answered after it commits). Tests pass their own to hold a batch. @default setImmediate
   */
  ingestSchedule?: FlushScheduler | undefined;
  /**
   * Copy the WAL into the database file on a worker thread, off the event loop (`false`: after
   * commits, on the main connection, as SQLite does by default). No effect for `:memory:`.
   * @default true
   */
  backgroundCheckpoints?: boolean | undefined;
  /**
   * When the background checkpoint runs after a commit. Tests pass their own.
   * @default 60 ms later
   */
  checkpointSchedule?: CheckpointScheduler | undefined;
  /** Where problems (storage errors, forwarding give-ups) are reported. @default console.error */
  log?: ((message: string) => void) | undefined;
}
