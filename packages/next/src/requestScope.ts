import { clientIpFromHeaders, type ShouldCapture } from '@x/core';
import {
  type CaptureRequestErrorOptions,
  captureRequestError,
  captureServerErrors,
  type RequestDescription,
  runRequestCapturing,
} from '@x/core/internal';
import { withSentryMode } from '@x/core/sentry';
import { type NextAdapterOptions, nextConfig } from './config';

/** A Web `Request` as the kernel's request description, under the adapter options. */
export function describeRequest(
  request: Request,
  options: NextAdapterOptions,
  socketIp?: string,
  route?: () => string | undefined,
): RequestDescription {
  const getUser = options.getUser;
  return {
    method: request.method,
    // Serialized (and its host compared with the `Host` header) only when something is captured.
    url: () => urlAsSent(request),
    headers: request.headers,
    clientIp: () => clientIpFromHeaders(request.headers, options.trustProxy, socketIp),
    getUser: getUser && (() => getUser(request)),
    route,
  };
}

/**
 * The request's URL with the host the client sent it to: Next builds `request.url` from its own
 * host name (`localhost` under `next start`) whatever the `Host` header said.
 */
function urlAsSent(request: Request): string {
  const href = request.url; // a getter that serializes the URL each time
  const host = request.headers.get('host');
  if (!host) return href;
  // Per request: parse only when the URL names another host than the header.
  const start = href.indexOf('//') + 2;
  const end = href.indexOf('/', start);
  if (href.slice(start, end === -1 ? undefined : end) === host) return href;
  try {
    const url = new URL(href);
    const sent = new URL(`${url.protocol}//${host}`);
    url.host = sent.host;
    return url.href;
  } catch {
    return request.url;
  }
}

/**
 * The route of an App Router request: its path with the dynamic segments' values put back as
 * `[name]` / `[...name]` (`/users/42` with params `{ id: '42' }` → `/users/[id]`). Next hands
 * route handlers their params as a promise: it is read as soon as the handler starts, so by the
 * time an event is built the route is known; until then it is the path.
 */
export function routeOfRequest(request: Request, params: unknown): () => string | undefined {
  let resolved: Record<string, unknown> | undefined;
  const take = (value: unknown) => {
    if (value && typeof value === 'object') resolved = value as Record<string, unknown>;
  };
  if (params && typeof (params as PromiseLike<unknown>).then === 'function') {
    Promise.resolve(params).then(take, () => undefined);
  } else take(params);
  return () => {
    let path: string;
    try {
      path = new URL(request.url).pathname;
    } catch {
      return undefined;
    }
    const segments = path.split('/');
    for (const [name, value] of Object.entries(resolved ?? {})) {
      const values = (Array.isArray(value) ? value : [value]).map((v) =>
        encodeURIComponent(String(v)),
      );
      const label = Array.isArray(value) ? `[...${name}]` : `[${name}]`;
      for (let i = 1; i + values.length <= segments.length; i++) {
        if (values.every((v, k) => segments[i + k] === v)) {
          segments.splice(i, values.length, label);
          break;
        }
      }
    }
    return segments.join('/') || '/';
  };
}

/** What a wrapper knows about its request beyond the Web `Request`. */
export interface RequestUnit {
  /** The peer address, where there is a socket (Pages API routes). */
  socketIp?: string | undefined;
  /** The route, read when an event is built. */
  route?: (() => string | undefined) | undefined;
  /** The transaction name, when it is not `"<METHOD> <route>"` (server actions). */
  transaction?: string | undefined;
}

/**
 * Runs `fn` in a fresh isolation scope for `request`, and captures (once) what
 * it throws before rethrowing it — so Next's own error handling runs as before.
 * In Sentry mode (`xUserIntegration()` in `Sentry.init`) the unit is tied to Sentry's events
 * instead: the one Sentry builds of the error (in `onRequestError`) carries the unit's user.
 */
export function runForRequest<T>(
  request: Request,
  overrides: NextAdapterOptions,
  mechanism: string,
  fn: () => T | Promise<T>,
  unit: RequestUnit = {},
): Promise<T> {
  const options = nextConfig(overrides);
  return runRequestCapturing(
    {
      ...describeRequest(request, options, unit.socketIp, unit.route),
      transaction: unit.transaction,
    },
    captureOptions(options, mechanism, request),
    withSentryMode(fn),
  );
}

/** Next's capture rule: the adapter's `shouldCapture` (core's default), never Next's control flow. */
export function captureOptions(
  options: NextAdapterOptions,
  mechanism: string,
  request: Request,
  status?: number,
): CaptureRequestErrorOptions<Request> {
  return { mechanism, status, unit: request, shouldCapture: nextCaptureRule(options) };
}

// The rule per options object (the same object on every request of a wrapper).
const captureRules = new WeakMap<NextAdapterOptions, ShouldCapture<Request>>();

function nextCaptureRule(options: NextAdapterOptions): ShouldCapture<Request> {
  let rule = captureRules.get(options);
  if (!rule) {
    const should = options.shouldCapture ?? captureServerErrors;
    rule = (code, error, unit) => !isNextControlFlow(error) && should(code, error, unit);
    captureRules.set(options, rule);
  }
  return rule;
}

/** Captures an error once, unless it is one of Next's control-flow errors. */
export function captureOnce(
  error: unknown,
  options: NextAdapterOptions,
  mechanism: string,
  request: Request,
  status?: number,
): void {
  captureRequestError(error, captureOptions(options, mechanism, request, status));
}

/** `redirect()`, `notFound()` and dynamic-rendering bailouts throw on purpose: never report them. */
function isNextControlFlow(error: unknown): boolean {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return (
    typeof digest === 'string' &&
    (digest.startsWith('NEXT_REDIRECT') ||
      digest.startsWith('NEXT_HTTP_ERROR_FALLBACK') ||
      digest === 'NEXT_NOT_FOUND' ||
      digest === 'DYNAMIC_SERVER_USAGE' ||
      digest.startsWith('BAILOUT_TO_CLIENT_SIDE_RENDERING'))
  );
}
