import { clientIpFromHeaders } from '@x/core';
import {
  type CaptureRequestErrorOptions,
  captureRequestError,
  type RequestDescription,
  runRequestCapturing,
} from '@x/core/internal';
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
    url: request.url,
    headers: request.headers,
    clientIp: () => clientIpFromHeaders(request.headers, options.trustProxy, socketIp),
    getUser: getUser && (() => getUser(request)),
    route,
  };
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

/**
 * Runs `fn` in a fresh isolation scope for `request`, and captures (once) what
 * it throws before rethrowing it — so Next's own error handling runs as before.
 */
export function runForRequest<T>(
  request: Request,
  overrides: NextAdapterOptions,
  mechanism: string,
  fn: () => T | Promise<T>,
  socketIp?: string,
  route?: () => string | undefined,
): Promise<T> {
  const options = nextConfig(overrides);
  return runRequestCapturing(
    describeRequest(request, options, socketIp, route),
    captureOptions(options, mechanism),
    fn,
  );
}

/** Next's capture rule: the adapter's `shouldCapture`, never Next's own control-flow errors. */
export function captureOptions(
  options: NextAdapterOptions,
  mechanism: string,
): CaptureRequestErrorOptions {
  const should = options.shouldCapture;
  return {
    mechanism,
    shouldCapture: (status, error) =>
      !isNextControlFlow(error) && (should ? should(status, error) : status >= 500),
  };
}

/** Captures an error once, unless it is one of Next's control-flow errors. */
export function captureOnce(error: unknown, options: NextAdapterOptions, mechanism: string): void {
  captureRequestError(error, captureOptions(options, mechanism));
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
