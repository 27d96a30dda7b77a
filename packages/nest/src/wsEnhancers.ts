import {
  type ArgumentsHost,
  type CallHandler,
  Catch,
  type ExceptionFilter,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { EXCEPTION_FILTERS_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import type { Scopes } from '@x/core';
import { captureRequestError, runRequest } from '@x/core/internal';
import { catchError, defer, finalize, type Observable, throwError } from 'rxjs';
import { type ContextUnit, captureContextError, registerContextUnit } from './contextUnits.js';
import type { XModuleOptions } from './options.js';
import { enterSentryUnit } from './sentryMode.js';
import { forgetMessage, rememberMessage, type WebsocketsModule, wsUnit } from './wsUnit.js';

/**
 * Runs each message a gateway handles in its own isolation scope — the connection's user, the
 * transaction `ws <pattern>` — and captures what the handler (or a pipe) throws, once, before a
 * filter of the gateway's own (`@UseFilters()`) decides the answer. `XModule` puts it first on
 * every gateway class; the error goes on to Nest's exception handling unchanged.
 */
export class XWsInterceptor implements NestInterceptor {
  constructor(
    private readonly unit: ContextUnit,
    private readonly options: XModuleOptions,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'ws') return next.handle();
    const data: unknown = context.switchToWs().getData();
    return defer(() =>
      runRequest(this.unit.describe(context, this.options), (scopes) => {
        rememberMessage(data, scopes);
        const sentry = enterSentryUnit();
        // Called inside the scope: Nest binds the handler's async context where `handle()` runs.
        return next.handle().pipe(
          catchError((error: unknown) => {
            this.capture(error, context, scopes);
            sentry?.fail(error);
            return throwError(() => error);
          }),
          // After the error reached Nest's exception handler (rxjs tears down after notifying),
          // or when the adapter drops the message's stream on disconnect.
          finalize(() => {
            forgetMessage(data);
            sentry?.end();
          }),
        );
      }),
    );
  }

  private capture(error: unknown, context: ExecutionContext, scopes: Scopes): void {
    captureRequestError(error, {
      mechanism: 'nestjs.ws',
      shouldCapture: this.options.shouldCapture,
      unit: context,
      scopes,
    });
  }
}

/**
 * The last filter of every gateway: Nest applies no global filter to gateways, so this is where an
 * error no filter of the app caught ends — including what guards throw, which no interceptor sees.
 * It captures the error in its message's unit (once) and answers exactly as Nest does.
 */
@Catch()
export class XWsExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly unit: ContextUnit,
    private readonly options: XModuleOptions,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    captureContextError(exception, host, this.options);
    return this.unit.answer(exception, host);
  }
}

/** Puts `enhancer` first in `target`'s list under `key`, once. */
function prepend(key: string, target: object, enhancer: object): void {
  const current = (Reflect.getMetadata(key, target) ?? []) as unknown[];
  if (current.some((entry) => entry?.constructor === enhancer.constructor)) return;
  Reflect.defineMetadata(key, [enhancer, ...current], target);
}

/**
 * Registers the `ws` context unit and gives each gateway class the interceptor (first of its
 * own, so it wraps the others) and the filter (first of its own, which Nest consults last: a
 * gateway's own filters still decide every answer they catch). Done before Nest wires gateways.
 */
export function instrumentGateways(
  gateways: Iterable<object>,
  websockets: WebsocketsModule,
  options: XModuleOptions,
): void {
  const unit = wsUnit(websockets);
  registerContextUnit(unit);
  const interceptor = new XWsInterceptor(unit, options);
  const filter = new XWsExceptionFilter(unit, options);
  for (const gateway of gateways) {
    prepend(INTERCEPTORS_METADATA, gateway, interceptor);
    prepend(EXCEPTION_FILTERS_METADATA, gateway, filter);
  }
}
