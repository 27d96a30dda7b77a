import {
  type CaptureRequestErrorOptions,
  captureRequestError,
  type RequestDescription,
  runRequestCapturing,
} from '@x/core/internal';
import { clientIpFromHeaders } from './clientIp';
import { type NextAdapterOptions, nextConfig } from './config';

/** A Web `Request` as the kernel's request description, under the adapter options. */
export function describeRequest(
  request: Request,
  options: NextAdapterOptions,
  socketIp?: string,
): RequestDescription {
  const getUser = options.getUser;
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    clientIp: () => clientIpFromHeaders(request.headers, options.trustProxy, socketIp),
    getUser: getUser && (() => getUser(request)),
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
): Promise<T> {
  const options = nextConfig(overrides);
  return runRequestCapturing(
    describeRequest(request, options, socketIp),
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
