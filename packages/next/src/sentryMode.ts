// Sentry mode inside @x/next: whether `Sentry.init` set up `xUserIntegration()`, and what
// `registerX` does then (configure the wrappers; no `init` of @x).
import { withSentryMode } from '@x/core/sentry';

const PROBE = (): undefined => undefined;

/**
 * Whether Sentry mode is on: `Sentry.init` set up `xUserIntegration()` (`withSentryMode` hands
 * back the very body it gets when it is off).
 */
export function sentryModeOn(): boolean {
  return withSentryMode(PROBE) !== PROBE;
}

/**
 * Whether `registerX` runs in Sentry mode: asked for (`sentry`), or else whether `Sentry.init`
 * set up the integration before it. Asked for without it: said once on the console.
 */
export function inSentryMode(sentry: boolean | undefined): boolean {
  const on = sentryModeOn();
  if (sentry === true && !on) {
    console.warn(
      '[@x] registerX({ sentry: true }): Sentry.init has not set up xUserIntegration() (from @x/next/sentry) — call Sentry.init with it first, in register(); until then Sentry’s events go without @x’s user.',
    );
  }
  return sentry ?? on;
}
