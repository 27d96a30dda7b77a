// `@x/nest/sentry`: Sentry mode for Nest apps that keep Sentry's own SDK — `xUserIntegration()` in
// `Sentry.init` plus `XModule.forRoot({ sentry: true })` (see the README's "Sentry mode").
export type {
  SentryClientLike,
  SentryEventLike,
  SentryHintLike,
  SentryIntegrationLike,
  XUserIntegrationOptions,
} from '@x/core/sentry';
export { xUserIntegration } from '@x/core/sentry';
