// What the sample apps share in Sentry mode (X_WITH_SENTRY=1): the options each passes to its own
// Sentry SDK's `init` (`@sentry/node`, `@sentry/nestjs` or `@sentry/nextjs`), with @x's
// `xUserIntegration` from its adapter's `/sentry` subpath.

/**
 * `Sentry.init` options of a sample app in Sentry mode.
 *
 * - `X_SEND_DEFAULT_PII` becomes Sentry's `dataCollection`: personal data (the user's email and
 *   IP, cookies, headers, query strings) or none. Written out either way: Sentry 11 collects it
 *   by default, `@sentry/nestjs` 10 does not.
 * - Sentry's transport keeps 64 envelopes in flight by default and drops the rest: a burst of a
 *   few thousand errors would lose most of them. A team that wants every error raises it.
 * - Dedupe drops an error identical to the one before it — the same bug hitting the next user.
 *   Every user an error affected counts here, so every event is kept.
 *
 * @template {{ name: string }} I
 * @param {{ app: string, dsn: string, sendDefaultPii: boolean, xUser: I }} settings
 */
export function sentryDemoOptions({ app, dsn, sendDefaultPii, xUser }) {
  return {
    dsn,
    release: `${app}@0.1.0`,
    serverName: app,
    environment: 'development',
    dataCollection: {
      userInfo: sendDefaultPii,
      cookies: sendDefaultPii,
      httpHeaders: sendDefaultPii,
      urlQueryParams: sendDefaultPii,
    },
    transportOptions: { bufferSize: 10_000 },
    /**
     * @template {{ name: string }} D
     * @param {D[]} defaults
     */
    integrations: (defaults) => [
      ...defaults.filter((integration) => integration.name !== 'Dedupe'),
      xUser,
    ],
  };
}

/**
 * `xUserIntegration`'s `pseudonymizeUsers` from `X_PSEUDONYMIZE_KEY`: users sent as `px_…`
 * pseudonyms, `subscription` the one custom key kept; off without a key.
 * @param {string | undefined} key
 */
export function demoPseudonyms(key) {
  return key ? { key, allow: ['subscription'] } : undefined;
}
