import type { AsyncContextStrategy, Scopes } from './asyncContext';
import type { Event } from './event';
import type { HmacSha256 } from './pseudonymizeUsers';
import type { Scope } from './scope';
import type { Spool } from './spool';
import { SDK_VERSION } from './version';

/**
 * Process-wide state of @x/core. It hangs on `globalThis` under a registered
 * symbol, so two copies of the package (two versions in `node_modules`, an
 * ESM and a CJS build) share one set of scopes, one strategy and one client.
 */
export interface Carrier {
  globalScope?: Scope | undefined;
  defaultScopes?: Scopes | undefined;
  strategy?: AsyncContextStrategy | undefined;
  /** The client installed by `init`, typed loosely so older copies can share it. */
  client?: unknown | undefined;
  debug?: boolean | undefined;
  /** What the runtime's entry point provides (the `node` entry: a file spool, the host name). */
  runtime?: RuntimeSupport | undefined;
  lastEventId?: string | undefined;
  /** Misconfigurations already said with `console.warn` (each once per process). */
  warned?: Set<string> | undefined;
  /** The versions of @x/core loaded in this process, first one first. */
  versions?: string[] | undefined;
  /**
   * Sentry mode (`@x/core/sentry`): runs a request's body linked to Sentry's own request scope,
   * without an @x scope of its own, and returns its outcome; `undefined` (nothing run) when the
   * request needs @x's scope. `runRequestCapturing` asks it first.
   */
  runLinkedUnit?:
    | ((request: unknown, body: () => unknown) => Promise<unknown> | undefined)
    | undefined;
}

/** Runtime-specific pieces injected by an entry point, so the main entry stays free of `node:`. */
export interface RuntimeSupport {
  createSpool?: ((dir: string, maxBytes?: number) => Spool) | undefined;
  serverName?: () => string | undefined;
  /** The transport's default `fetch` (the node entry: one on `node:http`). */
  fetch?: typeof fetch | undefined;
  /** UTF-8 bytes of a string, when the runtime has a faster encoder than `TextEncoder` (Node: `Buffer`). */
  utf8?: ((text: string) => Uint8Array) | undefined;
  /**
   * Runs a function outside every unit of work (the node entry: an AsyncLocalStorage snapshot
   * taken at load), for work that outlives the unit that started it, such as delivery.
   */
  outsideUnits?: (<T>(fn: () => T) => T) | undefined;
  /**
   * Makes a finished response let go of its request (the node entry: a Node `ServerResponse`'s
   * connection re-arms its keep-alive timer outside the request; see keepAliveRelease.ts).
   */
  releaseAfterResponse?: ((response: unknown) => void) | undefined;
  /** A synchronous HMAC-SHA-256 for `pseudonymizeUsers` (the node entry: `node:crypto`). */
  hmacSha256?: HmacSha256 | undefined;
  /**
   * Improves an event's stack frames in the asynchronous build step (the node entry: source
   * maps, context lines, `in_app`, root-relative names; see `sourceFrames.ts`). It replaces
   * `event.exception` and changes nothing once `deadline` (epoch ms) has passed. Returns
   * `undefined` when it is already done (the frames were known), so nothing needs awaiting.
   * `share`: no hook (`beforeSend`) will see the event, so it may hold the cached frames
   * themselves instead of copies.
   */
  sourceFrames?:
    | ((
        event: Event,
        options: {
          root?: string | undefined;
          contextLines?: number | undefined;
          deadline: number;
          share?: boolean | undefined;
        },
      ) => Promise<void> | undefined)
    | undefined;
}

const CARRIER_KEY = Symbol.for('@x/core.carrier');

/** Returns the one process-wide {@link Carrier}, creating it on first use. */
export function getCarrier(): Carrier {
  const holder = globalThis as typeof globalThis & { [CARRIER_KEY]?: Carrier };
  holder[CARRIER_KEY] ??= {};
  return holder[CARRIER_KEY];
}

/**
 * Records this copy's version on the carrier (the node entry does, when it loads). Copies of
 * other versions share the carrier — and so the scopes, the strategy and the client —; the app
 * is told once, at start-up, that it loads two, so that it can dedupe them.
 */
export function joinCarrier(carrier: Carrier = getCarrier()): void {
  carrier.versions ??= [];
  if (carrier.versions.includes(SDK_VERSION)) return;
  const others = [...carrier.versions];
  carrier.versions.push(SDK_VERSION);
  if (others.length === 0) return;
  try {
    console.warn(
      `[@x] @x/core ${SDK_VERSION} is loaded beside @x/core ${others.join(', ')}: they share one set of scopes and one client, but install a single version (npm dedupe) so that every adapter runs the core it was released with.`,
    );
  } catch {
    // Logging is best effort.
  }
}
