import type { ArgumentsHost, CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { type Scopes, travelledUser } from '@x/core';
import { captureRequestError, type RequestDescription, runRequest } from '@x/core/internal';
import { catchError, defer, finalize, type Observable, throwError } from 'rxjs';
import type { ContextUnit } from './contextUnits.js';
import { X_SKIP_CAPTURE, type XModuleOptions } from './options.js';
import { arrival } from './rpcServer.js';
import { enterSentryUnit } from './sentryMode.js';

/**
 * The metadata key `@MessagePattern()` and `@EventPattern()` set on a handler (PATTERN_METADATA of
 * `@nestjs/microservices`), written out: importing it would load that optional peer in every app.
 */
export const PATTERN_METADATA = 'microservices:pattern';

/**
 * The parts of `@nestjs/microservices` the rpc unit uses, from the copy Nest runs (see
 * `rpcHandlers.ts`); typed here so that no file of @x/nest needs its declarations.
 */
export interface MicroservicesModule {
  /** Nest's own answer to an error no filter of the app caught. */
  BaseRpcExceptionFilter: new () => { catch(exception: unknown, host: ArgumentsHost): unknown };
  /** The error a handler throws to answer its caller on purpose. */
  RpcException: abstract new (
    ...args: never[]
  ) => { getError(): unknown };
}

/** `rpc <pattern>`: a string as it is, an object as JSON with its keys sorted (as Nest routes it). */
export function transactionOf(pattern: unknown): string {
  try {
    const name = typeof pattern === 'string' ? pattern : JSON.stringify(sortKeys(pattern, 0));
    return name ? `rpc ${name.slice(0, 200)}` : 'rpc';
  } catch {
    return 'rpc';
  }
}

function sortKeys(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > 5)
    return value;
  const entries = Object.keys(value)
    .sort()
    .map((key) => [key, sortKeys((value as Record<string, unknown>)[key], depth + 1)]);
  return Object.fromEntries(entries);
}

/** The patterns `@MessagePattern()` / `@EventPattern()` declared on `handler`. */
export function patternsOf(handler: unknown): unknown[] {
  if (typeof handler !== 'function') return [];
  const patterns: unknown = Reflect.getMetadata(PATTERN_METADATA, handler);
  return Array.isArray(patterns) ? patterns : [];
}

/**
 * One message as core's unit of work: no method or URL (a message is no HTTP request), the
 * transaction `rpc <pattern>` — the handler's own pattern, else the one the message came with —
 * and as default user the one that travelled with it (see `XUserDeserializer`), opened when an
 * event needs it: a missing or bad signature means no user.
 */
export function describeMessage(host: ArgumentsHost, handler?: unknown): RequestDescription {
  const came = arrival();
  const declared = patternsOf(handler);
  const context = host.switchToRpc().getContext() as { getPattern?: () => unknown } | undefined;
  const pattern =
    declared.length === 1
      ? declared[0]
      : (came?.pattern ?? (typeof context?.getPattern === 'function' && context.getPattern()));
  return { transaction: transactionOf(pattern), getUser: travelledUser(came?.token) };
}

// The scopes of each message in flight, keyed by its transport context: every transport makes one
// per message, and Nest hands the same object to the interceptor and to the exception filter.
const messageScopes = new WeakMap<object, Scopes>();

function contextKey(host: ArgumentsHost): object | undefined {
  const context: unknown = host.switchToRpc().getContext();
  return typeof context === 'object' && context !== null ? context : undefined;
}

/**
 * The translation of a microservice message (`host.getType() === 'rpc'`) into core's unit, for
 * every transport. Its answer is Nest's own (`BaseRpcExceptionFilter`): the caller gets
 * `{ status: 'error', message: 'Internal server error' }` for an unexpected error and an
 * `RpcException`'s error as it is. An `RpcException` is the app's answer on purpose: core's status
 * rule counts it as 400 (not captured by default) unless its error states a status of its own.
 */
export function rpcUnit(microservices: MicroservicesModule): ContextUnit {
  const nestAnswer = new microservices.BaseRpcExceptionFilter();
  return {
    type: 'rpc',
    scopesOf(host) {
      const key = contextKey(host);
      return key ? messageScopes.get(key) : undefined;
    },
    describe: (host) => describeMessage(host),
    answer: (exception, host) => nestAnswer.catch(exception, host),
  };
}

/**
 * Runs each message handler (`@MessagePattern()`, `@EventPattern()`) in its own isolation scope —
 * the travelled user, the transaction `rpc <pattern>` — and captures what the handler (or a pipe)
 * throws, once, before any filter decides the answer. `XModule` puts it first on every handler
 * method (HTTP routes of the same controller keep running without it); the error goes on to
 * Nest's exception handling unchanged.
 */
export class XRpcInterceptor implements NestInterceptor {
  constructor(
    private readonly unit: ContextUnit,
    private readonly options: XModuleOptions,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const key = contextKey(context);
    return defer(() =>
      runRequest(describeMessage(context, context.getHandler()), (scopes, end) => {
        if (key) messageScopes.set(key, scopes);
        const sentry = enterSentryUnit();
        // Called inside the scope: Nest binds the handler's async context where `handle()` runs.
        return next.handle().pipe(
          catchError((error: unknown) => {
            this.capture(error, context, scopes);
            sentry?.fail(error);
            return throwError(() => error);
          }),
          finalize(() => {
            void end?.();
            sentry?.end();
          }),
        );
      }),
    );
  }

  private capture(error: unknown, context: ExecutionContext, scopes: Scopes): void {
    const skipped =
      Reflect.getMetadata(X_SKIP_CAPTURE, context.getHandler()) === true ||
      Reflect.getMetadata(X_SKIP_CAPTURE, context.getClass()) === true;
    captureRequestError(error, {
      mechanism: 'nestjs.rpc',
      shouldCapture: skipped ? () => false : this.options.shouldCapture,
      unit: context,
      scopes,
    });
  }
}
