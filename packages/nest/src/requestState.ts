import { mapAuthUser, type Scopes } from '@x/core';
import { captureRequestError } from '@x/core/internal';
import type { AnyRequest, GetUser, XModuleOptions } from './options.js';

/** What @x/nest keeps per request. */
export interface RequestState {
  scopes: Scopes;
  /** The framework's request (Express `req`, or Fastify's request once a guard/interceptor saw it). */
  request: AnyRequest;
  /** A per-route mapping set by `@UserMapping()`, overriding the module's `getUser`. */
  routeGetUser?: GetUser | undefined;
  /** Set by `@SkipCapture()`. */
  skip?: boolean | undefined;
}

const states = new WeakMap<object, RequestState>();

/** The raw Node request behind an Express or Fastify request. */
function rawOf(req: AnyRequest): object {
  return (req.raw ?? req) as object;
}

/** Registers the state of a new request (done by the middleware). */
export function registerRequest(req: AnyRequest, scopes: Scopes): RequestState {
  const state: RequestState = { scopes, request: req };
  states.set(rawOf(req), state);
  return state;
}

/**
 * The state of `req`, with `req` recorded as the framework request (on
 * Fastify, middleware sees the raw request; guards and interceptors see
 * Fastify's, which has `ip` and `user`).
 */
export function requestState(req: AnyRequest | undefined): RequestState | undefined {
  if (!req || typeof req !== 'object') return undefined;
  const state = states.get(rawOf(req));
  if (state && req.raw) state.request = req;
  return state;
}

/** The client IP the framework decided (`req.ip` honours `trust proxy` / `trustProxy`). */
export function clientIpOf(state: RequestState): string | undefined {
  return state.request.ip ?? state.request.socket?.remoteAddress;
}

/** The route the platform matched: Express's `req.route.path`, Fastify's `routeOptions.url`. */
export function routeOf(state: RequestState): string | undefined {
  const request = state.request as {
    route?: { path?: unknown };
    routeOptions?: { url?: unknown };
    raw?: unknown;
  };
  const route = request.route?.path ?? request.routeOptions?.url;
  return typeof route === 'string' ? route : undefined;
}

/** The user of a request: the route's mapping, else the module's, else `req.user`. */
export function userOf(state: RequestState, options: XModuleOptions) {
  const getUser = state.routeGetUser ?? options.getUser;
  // On Fastify, middleware sets the user on the raw request, guards on Fastify's request.
  return getUser
    ? getUser(state.request)
    : mapAuthUser(state.request.user ?? state.request.raw?.user);
}

/** The status Nest answers an error with: `getStatus()` of an `HttpException`, else 500. */
function nestStatusOf(error: unknown): number {
  try {
    const getStatus = (error as { getStatus?: unknown })?.getStatus;
    if (typeof getStatus === 'function') {
      const status = Number(getStatus.call(error));
      if (Number.isInteger(status)) return status;
    }
  } catch {
    // Not an HttpException after all.
  }
  return 500;
}

/**
 * Captures an error of a request once — whichever of the interceptor and the
 * filter sees it first — inside the request's own scopes.
 */
export function captureNestError(
  error: unknown,
  state: RequestState | undefined,
  options: XModuleOptions,
): void {
  captureRequestError(error, {
    mechanism: 'nestjs',
    status: nestStatusOf(error),
    shouldCapture: state?.skip ? () => false : options.shouldCapture,
    scopes: state?.scopes,
  });
}
