// `@x/next/sentry`: Sentry mode for Next apps that keep Sentry's own SDK (`@sentry/nextjs`) —
// `xUserIntegration()` in `Sentry.init`, `registerX({ sentry: true, getUser })`, and Sentry's
// `captureRequestError` as `onRequestError` through `withRequestUser` (see the README's "Sentry mode").
import { runRequest, wasCaptured } from '@x/core/internal';
import { withSentryMode } from '@x/core/sentry';
import { nextConfig } from './config';
import {
  type NextErrorContext,
  type NextRequestInfo,
  requestOfHook,
  routeOfContext,
} from './instrumentation';
import { describeRequest } from './requestScope';
import { sentryModeOn } from './sentryMode';

export type {
  SentryClientLike,
  SentryEventLike,
  SentryHintLike,
  SentryIntegrationLike,
  XUserIntegrationOptions,
} from '@x/core/sentry';
export { xUserIntegration } from '@x/core/sentry';

/** Next's `onRequestError` hook, as Sentry's SDK has it (`Sentry.captureRequestError`). */
export type RequestErrorHook = (
  error: unknown,
  request: NextRequestInfo,
  context: NextErrorContext,
) => unknown;

/**
 * Sentry mode's `onRequestError`: `hook` (Sentry's `captureRequestError`) run so that the event
 * Sentry builds carries the user of the failed request. Next calls the hook outside the route's
 * code, and nothing of @x ran for a server component: the hook runs inside a unit of work for
 * the request Next describes — the user from `getUser(request)` (set by `registerX`), the client
 * IP under `trustProxy` — unless the error escaped a wrapper (`withUser`, `withServerAction`,
 * `withPagesApi`), whose unit Sentry mode knows already. Without Sentry mode, `hook` as it is.
 *
 * @example
 * // instrumentation.ts
 * export const onRequestError = withRequestUser(Sentry.captureRequestError);
 */
export function withRequestUser(
  hook: RequestErrorHook,
): (error: unknown, request: NextRequestInfo, context: NextErrorContext) => Promise<void> {
  return async function onRequestError(error, request, context) {
    if (wasCaptured(error) || !sentryModeOn()) {
      await hook(error, request, context);
      return;
    }
    const route = routeOfContext(context);
    const description = describeRequest(
      requestOfHook(request),
      nextConfig(),
      undefined,
      () => route,
    );
    await runRequest(description, () => withSentryMode(() => hook(error, request, context))());
  };
}
