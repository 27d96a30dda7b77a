import type { ClientOptions } from './options';

/**
 * The client `init` starts and `getClient()` returns: the options it runs with, whether it
 * sends (it does once it has a DSN), and delivery control. Capturing goes through the
 * top-level functions (`captureException`, …), which apply the scopes.
 */
export interface Client {
  /** The options `init` resolved (DSN, environment, release, `sdk`, …). */
  readonly options: Readonly<ClientOptions>;
  /** `true` when the client has a DSN and is not closed. */
  isEnabled(): boolean;
  /** Resolves `true` once every captured event was delivered (or spooled), `false` on timeout. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes, then stops the client; later captures are no-ops. */
  close(timeoutMs?: number): Promise<boolean>;
}
