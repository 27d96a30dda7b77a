// Sentry mode (X_WITH_SENTRY=1, Node runtime): the app keeps Sentry's own SDK — Sentry captures,
// traces and sends (to X_DSN: the local inbox by default) — and @x only supplies each event's user,
// resolved from the login when the event is built. instrumentation.ts loads this module only in
// Sentry mode, so the same build runs either mode.

import * as Sentry from '@sentry/nextjs';
import { demoPseudonyms, type SentryModeSettings, sentryDemoOptions } from '@x/demo-kit/sentry';
import { withRequestUser, xUserIntegration } from '@x/next/sentry';

/** Starts Sentry's SDK with @x's user integration; returns the app's `onRequestError`. */
export function startSentry({ dsn, sendDefaultPii, pseudonymizeKey }: SentryModeSettings) {
  Sentry.init(
    sentryDemoOptions({
      app: 'next-demo',
      dsn,
      sendDefaultPii,
      xUser: xUserIntegration({ pseudonymizeUsers: demoPseudonyms(pseudonymizeKey) }),
    }),
  );
  // Sentry's hook, run with the failed request's user (server components included).
  return withRequestUser(Sentry.captureRequestError);
}
