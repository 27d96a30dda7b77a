import { getCarrier } from '../src/carrier';

/** Resets the process-wide state between tests (vitest may reuse a worker). */
export function resetCarrier(): void {
  const carrier = getCarrier();
  carrier.globalScope?.clear();
  carrier.defaultScopes = undefined;
  carrier.client = undefined;
  carrier.debug = false;
}
