import { getCarrier } from '../src/carrier';

/** Resets the process-wide state between tests (vitest may reuse a worker). */
export function resetCarrier(): void {
  const carrier = getCarrier();
  carrier.globalScope?.clear();
  carrier.defaultScopes = undefined;
  carrier.client = undefined;
  carrier.debug = false;
}

/** An envelope body as text: the client sends text; a spool reads bytes back. */
export function envelopeText(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : new TextDecoder().decode(body);
}
