import { type ClientOptions, clientIpFromHeaders } from '@x/core';
import { initAs, runRequest, toWebHeaders, wasCaptured } from '@x/core/internal';
import { configureNext, type NextAdapterOptions, nextConfig } from './config';
import { captureOnce, describeRequest } from './requestScope';
import { inSentryMode } from './sentryMode';

const init = initAs('x.javascript.nextjs');

/** Options of {@link registerX}: the client's options and the adapter's. */
export interface RegisterOptions extends ClientOptions, NextAdapterOptions {
  /**
   * Sentry mode: the app keeps Sentry's own SDK (`@sentry/nextjs`), whose `Sentry.init` has
   * `xUserIntegration()` from `@x/next/sentry`. @x is not `init`ed (Sentry captures and sends);
   * the adapter options still go to every wrapper and to `withRequestUser`. `true` warns when
   * `Sentry.init` has not set up the integration yet.
   * @default on when `xUserIntegration()` is set up by then, off otherwise
   */
  sentry?: boolean | undefined;
}

/**
 * Call from `register()` in `instrumentation.ts`: initializes the client for
 * the runtime it runs in (Node or Edge) and sets the adapter options every
 * wrapper and `onRequestError` use. In Sentry mode (`sentry`, after `Sentry.init` with
 * `xUserIntegration()`) it only sets the adapter options.
 *
 * @example
 * // instrumentation.ts
 * export { onRequestError } from '@x/next';
 * export function register() { registerX({ dsn: process.env.X_DSN, getUser, trustProxy: 1 }); }
 */
export function registerX(options: RegisterOptions = {}): void {
  const { getUser, trustProxy, shouldCapture, sentry, ...clientOptions } = options;
  // A malformed trustProxy entry throws here, at start-up, rather than losing every client IP.
  clientIpFromHeaders({}, trustProxy);
  configureNext({ getUser, trustProxy, shouldCapture });
  if (inSentryMode(sentry)) return;
  // Called once per runtime (Node and Edge each load instrumentation.ts); both are servers.
  init({ ...clientOptions, platform: 'node' });
}

/** What Next passes to `onRequestError` about the request. */
export interface NextRequestInfo {
  path: string;
  method: string;
  headers: Record<string, string | string[] | undefined>;
}

/** What Next passes to `onRequestError` about where the error happened. */
export interface NextErrorContext {
  routerKind: string;
  routePath: string;
  routeType: string;
  renderSource?: string | undefined;
  revalidateReason?: string | undefined;
  renderType?: string | undefined;
}

/**
 * Next's `onRequestError` hook (export it from `instrumentation.ts`): captures
 * errors of route handlers, server actions, server components and the
 * proxy/middleware — with the route, the router kind and the user resolved
 * from that request's headers and cookies. Errors a wrapper captured already
 * are not sent twice. `shouldCapture` decides as everywhere, with status 500 (Next says
 * nothing of the response's status here).
 */
export async function onRequestError(
  error: unknown,
  request: NextRequestInfo,
  context: NextErrorContext,
): Promise<void> {
  if (wasCaptured(error)) return;
  const options = nextConfig();
  const webRequest = requestOfHook(request);
  const headers = webRequest.headers;
  const route = routeOfContext(context);
  const routerKind = routerKindOf(context);
  const description = describeRequest(webRequest, options, undefined, () => route);
  // A server action the app did not wrap: named by Next's action id rather than by its page.
  const action = context?.routeType === 'action' ? headers.get('next-action') : null;
  if (action) description.transaction = `serverAction/${action}`;
  runRequest(description, ({ isolationScope }) => {
    isolationScope.setTags({
      'next.router_kind': routerKind,
      'next.route_path': context?.routePath,
      'next.route_type': context?.routeType,
    });
    isolationScope.setContext('nextjs', { ...context, routerKind });
    captureOnce(error, options, `nextjs.${context?.routeType ?? 'request'}`, webRequest, 500);
  });
}

/** The request Next describes to `onRequestError`, as a Web `Request`. */
export function requestOfHook(request: NextRequestInfo): Request {
  const headers = toWebHeaders(request?.headers);
  try {
    return new Request(new URL(request.path, `http://${headers.get('host') ?? 'localhost'}`), {
      method: request.method,
      headers,
    });
  } catch {
    return new Request('http://localhost/', { headers });
  }
}

/**
 * The route Next reports to `onRequestError`, as the app's URL pattern: Next names the file
 * (`/users/[id]/page`, `/boom/route`), so the `/page` and `/route` file segments are dropped.
 */
export function routeOfContext(context: NextErrorContext | undefined): string | undefined {
  const path = context?.routePath;
  if (typeof path !== 'string' || !path) return undefined;
  const route = path.replace(/\/(page|route)$/, '');
  return route || '/';
}

/**
 * The router kind, corrected: in the Edge runtime Next 16 reports App Router route handlers as
 * "Pages Router" (with a route path such as `/edge/boom/route`). Only the App Router names
 * routes after their `page`/`route` file.
 */
function routerKindOf(context: NextErrorContext | undefined): string | undefined {
  const path = context?.routePath;
  if (typeof path === 'string' && /\/(page|route)$/.test(path)) return 'App Router';
  return context?.routerKind;
}
