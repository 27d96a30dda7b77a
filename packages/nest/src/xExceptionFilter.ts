import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  Inject,
  Injectable,
} from '@nestjs/common';
import { FILTER_CATCH_EXCEPTIONS } from '@nestjs/common/constants.js';
import { ApplicationConfig, BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { captureContextError, contextUnit } from './contextUnits.js';
import { X_MODULE_OPTIONS, type XModuleOptions } from './options.js';
import { captureNestError, requestState } from './requestState.js';

// Where @Catch() stores the exception types a filter handles.
const CATCH_METADATA = FILTER_CATCH_EXCEPTIONS;

/**
 * Captures errors that never reached the interceptor (thrown in middleware or
 * guards), once, then hands the error on exactly as Nest would have: to the
 * app's own global filter that catches it, else Nest's default handling.
 * Installed globally by `XModule`.
 */
@Catch()
@Injectable()
export class XExceptionFilter implements ExceptionFilter {
  private fallback: BaseExceptionFilter | undefined;

  constructor(
    @Inject(X_MODULE_OPTIONS) private readonly options: XModuleOptions,
    private readonly config: ApplicationConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    const type = host.getType();
    if (type === 'http') {
      const state = requestState(host.switchToHttp().getRequest());
      captureNestError(exception, host, state, this.options);
    } else {
      captureContextError(exception, host, this.options);
    }
    const next = this.nextFilter(exception);
    if (next) return next.catch(exception, host);
    if (type === 'http') {
      // The HTTP adapter exists only once the app is created: build Nest's default handling lazily.
      this.fallback ??= new BaseExceptionFilter(this.adapterHost.httpAdapter);
      return this.fallback.catch(exception, host);
    }
    const unit = contextUnit(type);
    if (unit) return unit.answer(exception, host);
    // Nest's own answer where a context has no filter of its own (GraphQL's external filter):
    // the error goes back to the caller as it was thrown.
    throw exception;
  }

  /** The app's global filter Nest would have picked if this one were not there. */
  private nextFilter(exception: unknown): ExceptionFilter | undefined {
    const filters = [...this.config.getGlobalFilters()].reverse();
    return filters.find((filter) => {
      if (filter === this || filter instanceof XExceptionFilter) return false;
      const types = (Reflect.getMetadata(CATCH_METADATA, filter.constructor) ?? []) as (new (
        ...args: never[]
      ) => unknown)[];
      return types.length === 0 || types.some((type) => exception instanceof type);
    });
  }
}
