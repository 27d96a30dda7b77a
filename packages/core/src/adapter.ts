// The contract every adapter is written against: how a unit of work (an HTTP request, a GraphQL
// operation, a gateway or microservice message, a job) names its user, which of its errors are
// reported, and how the SDK is started under the adapter's name. An adapter translates its
// framework's objects into these; the rules themselves live here, once.
import type { Client } from './clientApi';
import type { ClientOptions } from './options';
import { init } from './sdk';
import type { User } from './user';
import { SDK_VERSION } from './version';

/**
 * Maps a unit of work — the framework's own request, message or job object — to its user.
 * Adapters call it lazily, when an event is built, so it sees what auth set whatever the
 * middleware order. It may be async (waited for at most `userResolverTimeoutMs`); what it
 * throws is never thrown into the app.
 *
 * @example
 * const getUser: GetUser<Context> = (ctx) => ({ id: ctx.state.user.sub, plan: ctx.state.plan });
 */
export type GetUser<Unit = unknown> = (
  unit: Unit,
) => User | null | undefined | PromiseLike<User | null | undefined>;

/**
 * Decides whether an error that escaped a unit of work is reported. `status` is the HTTP status
 * the response will have or, for units without one, the status the error maps to
 * ({@link statusOfError}); `unit` is the framework's own request, message or job object.
 *
 * @example
 * shouldCapture: (status, error, ctx) => status >= 500 || ctx.path.startsWith('/admin')
 */
export type ShouldCapture<Unit = unknown> = (status: number, error: unknown, unit: Unit) => boolean;

/** The default capture rule of every adapter: server errors (status ≥ 500) only. */
export const captureServerErrors: ShouldCapture<unknown> = (status) => status >= 500;

// GraphQL's client-error codes (Apollo Server's and the community's conventional ones) and the
// HTTP status each stands for; any other code is a server error.
const GRAPHQL_CLIENT_CODES: Readonly<Record<string, number>> = {
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  BAD_USER_INPUT: 400,
  BAD_REQUEST: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  PERSISTED_QUERY_NOT_FOUND: 400,
  PERSISTED_QUERY_NOT_SUPPORTED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
};

/**
 * The HTTP status an error stands for, by one rule for every adapter, first match wins:
 * `getStatus()` (Nest's `HttpException`), the answer of an error that carries one (`getError()`:
 * Nest's `WsException` and `RpcException` — the status it states, else 400), a numeric `status`,
 * a numeric `statusCode` (Koa's and Node's convention), a GraphQL error's `extensions.http.status`, then its `extensions.code`
 * (`BAD_USER_INPUT` 400, `UNAUTHENTICATED` 401, `FORBIDDEN` 403, …), then the same for the error
 * a GraphQL error wraps (`originalError`). Only 400–599 count; anything else is 500. Never throws.
 *
 * @example statusOfError(new ForbiddenException()) // 403
 */
export function statusOfError(error: unknown): number {
  return statusWithin(error, 2) ?? 500;
}

function statusWithin(error: unknown, depth: number): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  try {
    const e = error as {
      getStatus?: unknown;
      status?: unknown;
      statusCode?: unknown;
      extensions?: { http?: { status?: unknown }; code?: unknown } | null;
      originalError?: unknown;
    };
    const candidates = [
      typeof e.getStatus === 'function' ? (e.getStatus as () => unknown).call(error) : undefined,
      answerStatus(error),
      e.status,
      e.statusCode,
      e.extensions?.http?.status,
      typeof e.extensions?.code === 'string' ? GRAPHQL_CLIENT_CODES[e.extensions.code] : undefined,
    ];
    for (const candidate of candidates) {
      if (isErrorStatus(candidate)) return candidate;
    }
    return depth > 0 && e.originalError !== error
      ? statusWithin(e.originalError, depth - 1)
      : undefined;
  } catch {
    // A getter or getStatus() that throws: the error says nothing about its status.
    return undefined;
  }
}

/**
 * An error that carries the answer its client gets (`getError()`: Nest's `WsException` and
 * `RpcException`) is the app's deliberate reply, not a failure: the status its answer states, else
 * 400. `undefined` for any other error.
 */
function answerStatus(error: unknown): number | undefined {
  const getError = (error as { getError?: unknown }).getError;
  if (typeof getError !== 'function') return undefined;
  const answer = getError.call(error) as { status?: unknown; statusCode?: unknown } | null;
  const stated =
    typeof answer === 'object' && answer !== null
      ? (answer.status ?? answer.statusCode)
      : undefined;
  return isErrorStatus(stated) ? stated : 400;
}

function isErrorStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value < 600;
}

/**
 * Makes an adapter's `init`: `@x/core`'s {@link init} with events naming the adapter
 * (`sdk.name`), unless the app names an SDK itself.
 *
 * @example
 * export const init = initAs('x.javascript.koa');
 */
export function initAs(sdkName: string): (options?: ClientOptions) => Client {
  return (options = {}) => init({ sdk: { name: sdkName, version: SDK_VERSION }, ...options });
}
