import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { catchError, type Observable, throwError } from 'rxjs';
import { X_MODULE_OPTIONS, type XModuleOptions } from './options.js';
import { captureNestError, requestState } from './requestState.js';

/**
 * Captures what a handler (or a pipe) throws before a controller- or route-scoped exception
 * filter (`@UseFilters()`) decides the response — such a filter would otherwise keep the error
 * from @x's global filter. `XModule` puts it only on the controllers and routes that have their
 * own filters: any interceptor makes Nest run the request through rxjs, which costs throughput.
 */
@Injectable()
export class XInterceptor implements NestInterceptor {
  constructor(@Inject(X_MODULE_OPTIONS) private readonly options: XModuleOptions) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const state = requestState(context.switchToHttp().getRequest());
    return next.handle().pipe(
      catchError((error: unknown) => {
        captureNestError(error, context, state, this.options);
        return throwError(() => error);
      }),
    );
  }
}
