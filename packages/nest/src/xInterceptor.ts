import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, type Observable, throwError } from 'rxjs';
import { X_SKIP_CAPTURE, X_USER_MAPPING } from './decorators.js';
import { type GetUser, X_MODULE_OPTIONS, type XModuleOptions } from './options.js';
import { captureNestError, requestState } from './requestState.js';

/**
 * Applies a route's `@UserMapping()` / `@SkipCapture()` and captures what the
 * handler (or a pipe) throws — before any exception filter, the app's own
 * included, decides the response. Installed globally by `XModule`.
 */
@Injectable()
export class XInterceptor implements NestInterceptor {
  constructor(
    @Inject(X_MODULE_OPTIONS) private readonly options: XModuleOptions,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const targets = [context.getHandler(), context.getClass()];
    const state = requestState(context.switchToHttp().getRequest());
    if (state) {
      state.routeGetUser = this.reflector.getAllAndOverride<GetUser | undefined>(
        X_USER_MAPPING,
        targets,
      );
      state.skip =
        this.reflector.getAllAndOverride<boolean | undefined>(X_SKIP_CAPTURE, targets) === true;
    }
    return next.handle().pipe(
      catchError((error: unknown) => {
        captureNestError(error, state, this.options);
        return throwError(() => error);
      }),
    );
  }
}
