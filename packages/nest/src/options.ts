import type { ArgumentsHost } from '@nestjs/common';
import type { ClientOptions, GetUser, ShouldCapture } from '@x/core';

/** The request object of Express or Fastify, loosely typed. */
export interface AnyRequest {
  ip?: string | undefined;
  user?: unknown | undefined;
  method?: string | undefined;
  url?: string | undefined;
  originalUrl?: string | undefined;
  headers?: Record<string, string | string[] | undefined> | undefined;
  raw?: AnyRequest | undefined;
  socket?: { remoteAddress?: string } | undefined;
  protocol?: string | undefined;
  hostname?: string | undefined;
  [key: string]: unknown;
}

/** Options of `XModule.forRoot()`: the client's options plus the Nest wiring. */
export interface XModuleOptions extends ClientOptions {
  /**
   * Maps the request to its user. Runs lazily when an event is built, so it
   * sees what guards set, whatever their order.
   * @default `mapAuthUser(req.user)`: `id`/`sub`, `username`/`name`, `email`
   */
  getUser?: GetUser<AnyRequest> | undefined;
  /**
   * Which errors to capture, by status (an `HttpException`'s own, anything else 500), the
   * error, and Nest's `ArgumentsHost` of the context it escaped from (`host.getType()`,
   * `host.switchToHttp().getRequest()`). @default status >= 500
   */
  shouldCapture?: ShouldCapture<ArgumentsHost> | undefined;
  /** Call `init()` with these options (set `false` if the app calls it itself). @default true */
  initClient?: boolean | undefined;
  /**
   * Sentry mode: the app keeps Sentry's own SDK (`@sentry/nestjs`), whose `Sentry.init` has
   * `xUserIntegration()` from `@x/nest/sentry`. @x is not `init`ed (no `dsn`: Sentry captures
   * and sends), and every unit of work the module opens gives Sentry's events its user. `true`
   * warns at start-up when `Sentry.init` did not set up the integration before the module was
   * created. @default on when `xUserIntegration()` is set up by then, off otherwise
   */
  sentry?: boolean | undefined;
}

/** Injection token of the resolved {@link XModuleOptions}. */
export const X_MODULE_OPTIONS = Symbol.for('@x/nest.options');

/** Metadata key of `@UserMapping()`. */
export const X_USER_MAPPING = '@x/nest:user-mapping';
/** Metadata key of `@SkipCapture()`. */
export const X_SKIP_CAPTURE = '@x/nest:skip-capture';
