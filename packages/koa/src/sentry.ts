// `@x/koa/sentry`: Sentry mode for Koa apps that keep Sentry's own SDK — `xUserIntegration()` in
// `Sentry.init` plus `koaMiddleware()` (see the README's "Sentry mode").
export type {
  SentryClientLike,
  SentryEventLike,
  SentryHintLike,
  SentryIntegrationLike,
  XUserIntegrationOptions,
} from '@x/core/sentry';
export { xUserIntegration } from '@x/core/sentry';
