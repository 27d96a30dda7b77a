// The request kernel every adapter uses: open the request's isolation scope, describe the
// request, register the lazy user resolver; capture what escapes — once, by one status rule.
// An adapter only translates how its framework hands over the request, the user and the error.
import { captureServerErrors, type ShouldCapture, statusOfError } from './adapter';
import { getAsyncContextStrategy, type Scopes } from './asyncContext';
import { markCaptured } from './capturedErrors';
import { getCarrier } from './carrier';
import { getCurrentScope, withIsolationScope } from './currentScopes';
import { debugWarn } from './debug';
import {
  type ClientIpGetter,
  type RequestData,
  type Scope,
  type ScopeData,
  setScopeFields,
  type UserResolver,
} from './scope';
import { captureException, currentClient } from './sdk';
import { annotateServerSpan } from './spanUser';
import { activeSpan, incomingTraceContext, recordingServerSpan } from './traceContext';

/** What an adapter knows about a request when it starts. */
export interface RequestDescription {
  method?: string | undefined;
  /**
   * The full URL (`scheme://host/path?query`), or a getter of it read only when something is
   * captured; see {@link requestUrl} to build one.
   */
  url?: RequestData['url'];
  headers?: RequestData['headers'] | Headers | undefined;
  /** The framework's proxy-aware client IP, read only when an event needs it. */
  clientIp?: ClientIpGetter | undefined;
  /** The request's default user, resolved lazily when an event is built. */
  getUser?: UserResolver | undefined;
  /** The matched route, read when something is captured; see {@link RequestData.route}. */
  route?: RequestData['route'];
  /**
   * The unit's transaction name when it is not `"<METHOD> <route>"` — `query Boom`, `ws boom`,
   * `job invoices/send`. Units without a method or URL (messages, jobs) record no request.
   */
  transaction?: string | undefined;
  /**
   * The framework's Node response (`ServerResponse`), when it has one. Once it has finished, its
   * keep-alive connection stops holding the request's async context (and so the request) until
   * the connection's next request.
   */
  response?: unknown;
}

/** How {@link captureRequestError} reports an error. */
export interface CaptureRequestErrorOptions<Unit = unknown> {
  /** `mechanism.type` of the event, e.g. `"koa"`. */
  mechanism: string;
  /** The status the framework will answer with. @default {@link statusOfError}(error) */
  status?: number | undefined;
  /** @default {@link captureServerErrors} */
  shouldCapture?: ShouldCapture<Unit> | undefined;
  /** The framework's request, message or job object, handed to `shouldCapture`. */
  unit?: Unit;
  /** The request's scopes, when the capture runs outside its async context. */
  scopes?: Scopes | undefined;
}

/**
 * Tells the kernel the request has ended, so that its user goes on the OpenTelemetry server
 * span (see {@link runRequest}). The user is on the span when it returns `undefined`; otherwise
 * (an async user resolver, waited for at most `userResolverTimeoutMs`, or pseudonyms) the
 * promise resolves once it is. Calling it again returns the same answer. Never throws or rejects.
 */
export type EndRequest = () => Promise<void> | undefined;

/**
 * Runs `fn` in a fresh isolation scope describing `request`: method, URL,
 * headers, the client-IP getter and the user resolver. `fn` gets the scopes,
 * for adapters that must find them again outside the async context.
 *
 * Trace context: without an active OpenTelemetry span, a valid incoming `traceparent` (else
 * `sentry-trace`) header becomes the scope's `contexts.trace`. When an OpenTelemetry server span
 * is recording, `fn` also gets `end`: the adapter calls it when the request ends, and the
 * request's user is put on that span then. Without one, `end` is `undefined` (no work at all).
 */
export function runRequest<T>(
  request: RequestDescription,
  fn: (scopes: Scopes, end?: EndRequest) => T,
): T {
  const span = recordingServerSpan();
  if (request.response !== undefined)
    getCarrier().runtime?.releaseAfterResponse?.(request.response);
  return withIsolationScope((isolationScope) => {
    describeUnit(isolationScope, request);
    // An active span's own context wins at capture time (ServerClient): skip the headers then.
    const trace = span || activeSpan() ? undefined : incomingTraceContext(request.headers);
    if (trace) isolationScope.setContext('trace', { ...trace });
    const scopes = { isolationScope, scope: getCurrentScope() };
    if (!span) return fn(scopes);
    let ended = false;
    let pending: Promise<void> | undefined;
    return fn(scopes, () => {
      if (!ended) {
        ended = true;
        pending = annotateServerSpan(span, scopes, currentClient());
      }
      return pending;
    });
  });
}

/**
 * Puts what `request` describes on a unit's isolation scope: the request (method, URL, headers,
 * the client-IP getter, the route), its transaction name and the lazy user resolver.
 */
export function describeUnit(isolationScope: Scope, request: RequestDescription): void {
  // One change to the scope's data, not one per field (each change copies the data).
  const changes: Partial<ScopeData> = { userResolver: request.getUser };
  if (request.method !== undefined || request.url !== undefined) {
    changes.request = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      clientIp: request.clientIp,
      route: request.route,
    };
  }
  if (request.transaction) changes.transactionName = request.transaction;
  setScopeFields(isolationScope, changes);
}

/** The description of a request given as one or as a function that describes it. */
export function describedRequest(
  request: RequestDescription | (() => RequestDescription),
): RequestDescription {
  return typeof request === 'function' ? request() : request;
}

/**
 * Runs `fn` for a request ({@link runRequest}) and captures what it throws or
 * rejects with ({@link captureRequestError}) before rethrowing it, so the
 * framework's own error handling runs as before. In Sentry mode the request may instead run
 * linked to Sentry's own request scope (see `Carrier.runLinkedUnit`). `request` may be a function
 * that describes it: linked, it is called only when something (an event) asks for the request.
 */
export function runRequestCapturing<T, Unit = unknown>(
  request: RequestDescription | (() => RequestDescription),
  capture: CaptureRequestErrorOptions<Unit>,
  fn: () => T | PromiseLike<T>,
): Promise<T> {
  const linked = getCarrier().runLinkedUnit?.(request, fn) as Promise<T> | undefined;
  if (linked) return linked;
  return runRequest(describedRequest(request), (_scopes, end) => {
    // One derived promise per request (no async function around it: this runs on every request).
    if (!end) {
      const rethrow = (error: unknown): never => {
        captureRequestError(error, capture);
        throw error;
      };
      try {
        return Promise.resolve(fn()).then(undefined, rethrow);
      } catch (error) {
        captureRequestError(error, capture);
        return Promise.reject(error);
      }
    }
    // A server span records: the request ends when `fn` settles, and its response waits until
    // the span has the user (with an async resolver, it may come after the response otherwise).
    // No promise more than the request's own when the user is on the span at once.
    const settle = (error: unknown) => {
      captureRequestError(error, capture);
      const pending = end();
      return pending ? pending.then(() => Promise.reject(error)) : Promise.reject(error);
    };
    const done = (value: T) => {
      const pending = end();
      return pending ? pending.then(() => value) : value;
    };
    try {
      return Promise.resolve(fn()).then(done, settle);
    } catch (error) {
      return settle(error);
    }
  });
}

/**
 * Captures an error that escaped a request — once per error object, whichever
 * layer sees it first — if `shouldCapture(status)` says so. Never throws.
 */
export function captureRequestError<Unit = unknown>(
  error: unknown,
  options: CaptureRequestErrorOptions<Unit>,
): void {
  try {
    if (!markCaptured(error)) return;
    const shouldCapture = options.shouldCapture ?? captureServerErrors;
    const status = options.status ?? statusOfError(error);
    if (!shouldCapture(status, error, options.unit as Unit)) return;
    const capture = () =>
      captureException(error, { mechanism: { type: options.mechanism, handled: false } });
    if (options.scopes) getAsyncContextStrategy().runWithScopes(options.scopes, capture);
    else capture();
  } catch (err) {
    debugWarn(`@x: could not capture an error (${options.mechanism})`, err);
  }
}

/**
 * A request's full URL from its parts; the path alone when there is no host,
 * `undefined` without a path.
 */
export function requestUrl(parts: {
  protocol?: string | undefined;
  host?: string | string[] | undefined;
  path?: string | undefined;
}): string | undefined {
  const { path, host } = parts;
  if (typeof path !== 'string') return undefined;
  return typeof host === 'string' && host ? `${parts.protocol ?? 'http'}://${host}${path}` : path;
}

/** Node-style headers (`IncomingHttpHeaders`) as Web `Headers`; array values joined with `, `. */
export function toWebHeaders(headers: Record<string, unknown> | undefined): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers ?? {})) {
    try {
      if (typeof value === 'string') result.set(name, value);
      else if (Array.isArray(value)) result.set(name, value.join(', '));
    } catch {
      // A header name or value `Headers` refuses: leave it out.
    }
  }
  return result;
}
