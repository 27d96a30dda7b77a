// `@x/core/sentry`: Sentry mode — @x's user on the events of an app that keeps Sentry's own SDK.
// No `@sentry/*` import: Sentry's integration, client, scope and event are used structurally
// (types.ts), and Sentry's scopes are read from the copy that holds the app's client
// (sentryScopes.ts; decision record 0051). See README.md here and docs/sentry-mode.md.

export { xUserIntegration } from './integration';
export type { XUserIntegrationOptions } from './mode';
export type {
  SentryClientLike,
  SentryEventLike,
  SentryHintLike,
  SentryIntegrationLike,
} from './types';
/** @internal */
export { withSentryMode } from './unit';
