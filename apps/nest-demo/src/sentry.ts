// Sentry mode (X_WITH_SENTRY=1): the app keeps Sentry's own SDK (@sentry/nestjs) — Sentry captures,
// traces and sends (to X_DSN: the local inbox by default) — and @x only supplies each event's user,
// resolved from the login when the event is built. The same build runs either mode. main.ts calls
// `startSentry` before Nest loads; the Nest side is ./sentry.module.ts.
import * as Sentry from '@sentry/nestjs';
import { xUserIntegration } from '@x/nest/sentry';

/** What the demo's settings say, in Sentry's terms. */
export interface SentryModeSettings {
  dsn: string;
  sendDefaultPii: boolean;
  pseudonymizeKey: string | undefined;
}

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
  Sentry.init({
    dsn,
    release: 'nest-demo@0.1.0',
    serverName: 'nest-demo',
    environment: 'development',
    // X_SEND_DEFAULT_PII: personal data (the user's email and IP, cookies, headers, query strings)
    // or none. Written out either way: @sentry/nestjs 10 collects none of it unless told.
    dataCollection: {
      userInfo: sendDefaultPii,
      cookies: sendDefaultPii,
      httpHeaders: sendDefaultPii,
      urlQueryParams: sendDefaultPii,
    },
    // Sentry's transport keeps 64 envelopes in flight by default and drops the rest: a burst of a
    // few thousand errors would lose most of them. A team that wants every error raises it.
    transportOptions: { bufferSize: 10_000 },
    integrations: (defaults) => [
      // Dedupe drops an error identical to the one before it — the same bug hitting the next
      // user. Every user an error affected counts here, so every event is kept.
      ...defaults.filter((integration) => integration.name !== 'Dedupe'),
      xUserIntegration({
        pseudonymizeUsers: pseudonymizeKey
          ? { key: pseudonymizeKey, allow: ['subscription'] }
          : undefined,
      }),
    ],
  });
  return { report: (message) => Sentry.captureMessage(message, 'info') };
}
