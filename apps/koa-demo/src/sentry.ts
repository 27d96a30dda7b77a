// Sentry mode (X_WITH_SENTRY=1): the app keeps Sentry's own SDK — Sentry captures, traces and
// sends (to X_DSN: the local inbox by default) — and @x only supplies each event's user, resolved
// from the login when the event is built. The same build runs either mode.
import * as Sentry from '@sentry/node';
import { xUserIntegration } from '@x/koa/sentry';
import type Koa from 'koa';

/** What the demo's settings say, in Sentry's terms. */
export interface SentryModeSettings {
  dsn: string;
  sendDefaultPii: boolean;
  pseudonymizeKey: string | undefined;
}

/** Starts Sentry's SDK with @x's user integration; returns what the app and its shutdown need. */
export function startSentry({ dsn, sendDefaultPii, pseudonymizeKey }: SentryModeSettings) {
  Sentry.init({
    dsn,
    release: 'koa-demo@0.1.0',
    serverName: 'koa-demo',
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
  return {
    /** Sentry's Koa error handler on the app (it captures what escapes the middleware). */
    setupApp: (app: Koa) => Sentry.setupKoaErrorHandler(app),
    /** `POST /report`'s message, sent by Sentry. */
    report: (message: string) => Sentry.captureMessage(message, 'info'),
    close: (timeoutMs: number) => Sentry.close(timeoutMs),
  };
}
