import { captureException, debugWarn, markCaptured, type Scope, withIsolationScope } from '@x/core';
import { clientIpFromHeaders } from './clientIp';
import { type NextAdapterOptions, nextConfig } from './config';

/** Registers the request, its client IP getter and its lazy user resolver on a scope. */
export function describeRequest(
  scope: Scope,
  request: Request,
  options: NextAdapterOptions,
  socketIp?: string,
): void {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  scope.setRequest({
    method: request.method,
    url: request.url,
    headers,
    clientIp: () => clientIpFromHeaders(request.headers, options.trustProxy, socketIp),
  });
  const getUser = options.getUser;
  scope.setUserResolver(getUser ? () => getUser(request) : undefined);
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
): Promise<T> {
  const options = nextConfig(overrides);
  return withIsolationScope(async (scope) => {
    describeRequest(scope, request, options, socketIp);
    try {
      return await fn();
    } catch (error) {
      captureOnce(error, options, mechanism);
      throw error;
    }
  });
}

/** Captures an error unless it was captured already, or is one of Next's control-flow errors. */
export function captureOnce(error: unknown, options: NextAdapterOptions, mechanism: string): void {
  try {
    if (!markCaptured(error)) return;
    if (isNextControlFlow(error)) return;
    const status = statusOf(error);
    const should = options.shouldCapture ?? ((s: number) => s >= 500);
    if (!should(status, error)) return;
    captureException(error, { mechanism: { type: mechanism, handled: false } });
  } catch (err) {
    debugWarn('@x/next: could not capture an error', err);
  }
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

function statusOf(error: unknown): number {
  const status =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
