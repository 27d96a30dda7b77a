import type { AsyncContextStrategy, Scopes } from './asyncContext';
import type { Scope } from './scope';

/**
 * Process-wide state of @x/core. It hangs on `globalThis` under a registered
 * symbol, so two copies of the package (two versions in `node_modules`, an
 * ESM and a CJS build) share one set of scopes, one strategy and one client.
 */
export interface Carrier {
  globalScope?: Scope;
  defaultScopes?: Scopes;
  strategy?: AsyncContextStrategy;
  /** The client installed by `init`, typed loosely so older copies can share it. */
  client?: unknown;
  debug?: boolean;
}

const CARRIER_KEY = Symbol.for('@x/core.carrier');

/** Returns the one process-wide {@link Carrier}, creating it on first use. */
export function getCarrier(): Carrier {
  const holder = globalThis as typeof globalThis & { [CARRIER_KEY]?: Carrier };
  holder[CARRIER_KEY] ??= {};
  return holder[CARRIER_KEY];
}
