// Sentry mode inside @x/nest: every unit of work the module opens (an HTTP request, a gateway
// message, a microservice message, the fresh unit of an error that escaped before any) hands its
// body to core's `withSentryMode`. Nest's bodies are no promises — a middleware's `next()`, an
// rxjs stream — so a unit tells Sentry mode when it ends or fails through a `SentryUnit`.
import { AsyncResource } from 'node:async_hooks';
import { withSentryMode } from '@x/core/sentry';

const PROBE = (): undefined => undefined;

/**
 * Whether Sentry mode is on: `Sentry.init` set up `xUserIntegration()` (`withSentryMode` hands
 * back the very body it gets when it is off).
 */
export function sentryModeOn(): boolean {
  return withSentryMode(PROBE) !== PROBE;
}

/** A unit of work in Sentry mode, told how it ended. */
export interface SentryUnit {
  /** The unit is over (its response handed over, its stream done): the user goes on the span. */
  end(): void;
  /** The unit failed with `error`: an event captured from it later, anywhere, finds the unit. */
  fail(error: unknown): void;
}

const swallow = (): undefined => undefined;

/**
 * Runs what `withSentryMode` returned. Sentry mode's copy of the unit's outcome is dropped: the
 * unit's error is the framework's to handle (and a body handed back as it was throws here).
 */
function start(run: () => unknown): void {
  try {
    Promise.resolve(run()).then(undefined, swallow);
  } catch {
    // Sentry mode went off in between: nothing to tie.
  }
}

/**
 * Enters Sentry mode for the unit whose isolation scope is active here (call it inside
 * `runRequest`'s callback): links the unit to Sentry's isolation scope of the request and to its
 * server span; `undefined` when Sentry mode is off (nothing done, nothing allocated).
 */
export function enterSentryUnit(): SentryUnit | undefined {
  if (!sentryModeOn()) return undefined;
  // The unit's async context, for `fail`: a stream's error may be handed on outside it.
  const here = new AsyncResource('x.sentryUnit');
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  start(
    withSentryMode(
      () =>
        new Promise<void>((resolve, reject) => {
          settle = { resolve, reject };
        }),
    ),
  );
  return {
    end: () => settle?.resolve(),
    fail(error) {
      // Remembered at once: Nest's filters run right after, and Sentry may build the event
      // synchronously inside their capture, before a promise callback could record it.
      here.runInAsyncScope(escapedInSentryMode, undefined, error);
      settle?.reject(error);
    },
  };
}

/**
 * Tells Sentry mode, at once, that `error` escaped the unit active here — for an error Nest
 * hands to its filters outside the unit's async context, where Sentry captures it right after
 * (`withSentryMode` remembers the unit of an error its body throws before it returns).
 */
export function escapedInSentryMode(error: unknown): void {
  if (!sentryModeOn()) return;
  start(
    withSentryMode(() => {
      throw error;
    }),
  );
}
