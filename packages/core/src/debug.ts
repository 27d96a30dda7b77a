import { getCarrier } from './carrier';

/** Turns the SDK's debug logging on or off (off by default; `init({ debug })` sets it). */
export function setDebug(enabled: boolean): void {
  getCarrier().debug = enabled;
}

/** `true` when debug logging is on. */
export function isDebugEnabled(): boolean {
  return getCarrier().debug === true;
}

/**
 * Logs a warning prefixed with `[@x]` when debug logging is on; silent
 * otherwise. Never throws (a broken `console` must not break a request).
 */
export function debugWarn(message: string, ...details: unknown[]): void {
  if (!isDebugEnabled()) return;
  try {
    console.warn(`[@x] ${message}`, ...details);
  } catch {
    // Logging is best effort.
  }
}

/**
 * Says a misconfiguration once per process with `console.warn` — even without `debug` — when it
 * silently loses data on every request (a user resolver that throws): the app's owner must
 * hear of it, but never once per request. `key` names the problem; later calls with the same
 * key are silent. Never throws.
 */
export function warnOnce(key: string, message: string): void {
  const carrier = getCarrier();
  carrier.warned ??= new Set();
  if (carrier.warned.has(key)) return;
  carrier.warned.add(key);
  try {
    console.warn(`[@x] ${message}`);
  } catch {
    // Logging is best effort.
  }
}
