// Sentry mode (X_WITH_SENTRY=1): the app keeps Sentry's own SDK — Sentry captures, traces and
// sends (to X_DSN: the local inbox by default) — and @x only supplies each event's user, resolved
// from the login when the event is built. The same build runs either mode.

import * as Sentry from '@sentry/node';
import { demoPseudonyms, type SentryModeSettings, sentryDemoOptions } from '@x/demo-kit/sentry';
import { xUserIntegration } from '@x/koa/sentry';
import type Koa from 'koa';

/** Starts Sentry's SDK with @x's user integration; returns what the app and its shutdown need. */
export function startSentry({ dsn, sendDefaultPii, pseudonymizeKey }: SentryModeSettings) {
  Sentry.init(
    sentryDemoOptions({
      app: 'koa-demo',
      dsn,
      sendDefaultPii,
      xUser: xUserIntegration({ pseudonymizeUsers: demoPseudonyms(pseudonymizeKey) }),
    }),
  );
  return {
    /** Sentry's Koa error handler on the app (it captures what escapes the middleware). */
    setupApp: (app: Koa) => Sentry.setupKoaErrorHandler(app),
    /** `POST /report`'s message, sent by Sentry. */
    report: (message: string) => Sentry.captureMessage(message, 'info'),
    close: (timeoutMs: number) => Sentry.close(timeoutMs),
  };
}
