// Sentry mode (X_WITH_SENTRY=1): the app keeps Sentry's own SDK (@sentry/nestjs) — Sentry captures,
// traces and sends (to X_DSN: the local inbox by default) — and @x only supplies each event's user,
// resolved from the login when the event is built. The same build runs either mode. main.ts calls
// `startSentry` before Nest loads; the Nest side is ./sentry.module.ts.

import * as Sentry from '@sentry/nestjs';
import { demoPseudonyms, type SentryModeSettings, sentryDemoOptions } from '@x/demo-kit/sentry';
import { xUserIntegration } from '@x/nest/sentry';

/** What the app needs of Sentry (its shutdown flush is in ./sentry.module.ts). */
export interface SentryMode {
  /** `POST /report`'s message, sent by Sentry; its event id. */
  report(message: string): string;
}

/** Starts Sentry's SDK with @x's user integration; call it before Nest is imported. */
export function startSentry({
  dsn,
  sendDefaultPii,
  pseudonymizeKey,
}: SentryModeSettings): SentryMode {
  Sentry.init(
    sentryDemoOptions({
      app: 'nest-demo',
      dsn,
      sendDefaultPii,
      xUser: xUserIntegration({ pseudonymizeUsers: demoPseudonyms(pseudonymizeKey) }),
    }),
  );
  return { report: (message) => Sentry.captureMessage(message, 'info') };
}
