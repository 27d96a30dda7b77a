// Sentry mode (X_WITH_SENTRY=1, Node runtime): the app keeps Sentry's own SDK — Sentry captures,
// traces and sends (to X_DSN: the local inbox by default) — and @x only supplies each event's user,
// resolved from the login when the event is built. instrumentation.ts loads this module only in
// Sentry mode, so the same build runs either mode.
import * as Sentry from '@sentry/nextjs';
import { withRequestUser, xUserIntegration } from '@x/next/sentry';

/** What the demo's settings say, in Sentry's terms. */
export interface SentryModeSettings {
  dsn: string;
  sendDefaultPii: boolean;
  pseudonymizeKey: string | undefined;
}

/** Starts Sentry's SDK with @x's user integration; returns the app's `onRequestError`. */
export function startSentry({ dsn, sendDefaultPii, pseudonymizeKey }: SentryModeSettings) {
  Sentry.init({
    dsn,
    release: 'next-demo@0.1.0',
    serverName: 'next-demo',
    environment: 'development',
    // X_SEND_DEFAULT_PII=false: nothing personal. Sentry 11 collects it by default.
    ...(sendDefaultPii
      ? {}
      : {
          dataCollection: {
            userInfo: false,
            cookies: false,
            httpHeaders: false,
            urlQueryParams: false,
          },
        }),
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
  // Sentry's hook, run with the failed request's user (server components included).
  return withRequestUser(Sentry.captureRequestError);
}
