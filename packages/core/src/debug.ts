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
