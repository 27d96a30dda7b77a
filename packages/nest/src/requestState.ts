import type { ArgumentsHost } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { type GetUser, mapAuthUser, type Scopes } from '@x/core';
import { captureRequestError } from '@x/core/internal';
import { type AnyRequest, X_SKIP_CAPTURE, X_USER_MAPPING, type XModuleOptions } from './options.js';

/** What @x/nest keeps per request. */
export class RequestState {
  /** The request's scopes, set as soon as the middleware opened them. */
  scopes!: Scopes;
  /** The matched handler and controller, recorded by the interceptor; metadata is read lazily. */
  private route?: { handler: object; controller: object; reflector: Reflector } | undefined;

  /** `request`: the framework's request (Express `req`, or Fastify's once a guard saw it). */
  constructor(public request: AnyRequest) {}

  /** Records the matched route, so `@UserMapping()`/`@SkipCapture()` are read only when needed. */
  setRoute(handler: object, controller: object, reflector: Reflector): void {
    this.route = { handler, controller, reflector };
  }

  /** The route's (else the controller's) metadata under `key`, read once per route. */
  metadata<T>(key: string): T | undefined {
    const route = this.route;
    if (!route) return undefined;
    let byController = routeMetadata.get(route.handler);
    if (!byController) {
      byController = new WeakMap();
      routeMetadata.set(route.handler, byController);
    }
    let values = byController.get(route.controller);
    if (!values) {
      values = new Map();
      byController.set(route.controller, values);
    }
    if (!values.has(key)) {
      values.set(
        key,
        route.reflector.getAllAndOverride<T | undefined>(key, [
          route.handler as () => void,
          route.controller as new () => unknown,
        ]),
      );
    }
    return values.get(key) as T | undefined;
  }
}

// Decorators write a route's metadata when its class is defined, so it is read once per handler
// and controller (the same method may serve subclasses with their own class metadata), not on
// every error: the Reflector walks the prototype chain's metadata maps on each call. The keys
// live as long as the app's classes do.
const routeMetadata = new WeakMap<object, WeakMap<object, Map<string, unknown>>>();

// The state hangs on the raw request under a symbol rather than in a WeakMap: V8's young-generation
// GC keeps the values of an old WeakMap's entries alive until a full GC, so every request's
// state (and its scopes) was promoted to the old generation, at a large cost in throughput
// (docs/decisions/0024-nest-request-state-on-the-raw-request.md).
const STATE = Symbol('@x/nest.requestState');

/** The raw Node request behind an Express or Fastify request. */
function rawOf(req: AnyRequest): { [STATE]?: RequestState } {
  return (req.raw ?? req) as { [STATE]?: RequestState };
}

/** Registers the state of a new request (done by the middleware). */
export function registerRequest(req: AnyRequest): RequestState {
  const state = new RequestState(req);
  rawOf(req)[STATE] = state;
  return state;
}

/**
 * The state of `req`, with `req` recorded as the framework request (on
 * Fastify, middleware sees the raw request; guards and interceptors see
 * Fastify's, which has `ip` and `user`).
 */
export function requestState(req: AnyRequest | undefined): RequestState | undefined {
  if (!req || typeof req !== 'object') return undefined;
  const state = rawOf(req)[STATE];
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
  };
  const route = request.route?.path ?? request.routeOptions?.url;
  return typeof route === 'string' ? route : undefined;
}

/** The user of a request: the route's mapping, else the module's, else `req.user`. */
export function userOf(state: RequestState, options: XModuleOptions) {
  const request = state.request;
  const getUser = state.metadata<GetUser<AnyRequest>>(X_USER_MAPPING) ?? options.getUser;
  // On Fastify, middleware sets the user on the raw request, guards on Fastify's request.
  return getUser ? getUser(request) : mapAuthUser(request.user ?? request.raw?.user);
}

/**
 * Captures an error of a request once — whichever of the interceptor and the
 * filter sees it first — inside the request's own scopes, by core's status rule
 * (an `HttpException`'s `getStatus()`, else 500).
 */
export function captureNestError(
  error: unknown,
  host: ArgumentsHost,
  state: RequestState | undefined,
  options: XModuleOptions,
): void {
  captureRequestError(error, {
    mechanism: 'nestjs',
    shouldCapture:
      state?.metadata<boolean>(X_SKIP_CAPTURE) === true ? () => false : options.shouldCapture,
    unit: host,
    scopes: state?.scopes,
  });
}
