// What XModule adds to an app's GraphQL resolvers through the metadata Nest reads, as it does for
// controllers with their own filters: an interceptor only where a resolver has its own filters.
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { EXCEPTION_FILTERS_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import type { ModulesContainer } from '@nestjs/core';
import { catchError, type Observable, throwError } from 'rxjs';
import { captureContextError, registerContextUnit } from './contextUnits.js';
import { graphqlUnit } from './graphqlUnit.js';
import { prototypeMethods } from './nestPackages.js';
import type { XModuleOptions } from './options.js';

// @nestjs/graphql's metadata keys (its constants: the package is an optional peer, not imported).
const RESOLVER_TYPE = 'graphql:resolver_type';
const RESOLVE_PROPERTY = 'graphql:resolve_property';
const ROOT_TYPES = new Set(['Query', 'Mutation']);

/**
 * Captures what a query or mutation throws before a resolver- or method-scoped exception filter
 * (`@UseFilters()`) answers it — such a filter keeps the error from @x's global filter. Only
 * resolvers with their own filters get it (an interceptor runs each call through rxjs).
 */
export class GraphqlFilterInterceptor implements NestInterceptor {
  constructor(private readonly options: XModuleOptions) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<string>() !== 'graphql') return next.handle();
    return next.handle().pipe(
      catchError((error: unknown) => {
        captureContextError(error, context, this.options);
        return throwError(() => error);
      }),
    );
  }
}

const hasFilters = (target: object) =>
  ((Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, target) ?? []) as unknown[]).length > 0;

/** Whether `method` of `resolver` resolves a root field (a query's or a mutation's). */
function isRootResolver(method: object, resolver: object): boolean {
  const own = Reflect.getMetadata(RESOLVER_TYPE, method) as unknown;
  // A field resolver of a resolver class for Query or Mutation (schema-first style) is a root one.
  const type =
    own ??
    (Reflect.getMetadata(RESOLVE_PROPERTY, method) === true
      ? Reflect.getMetadata(RESOLVER_TYPE, resolver)
      : undefined);
  return typeof type === 'string' && ROOT_TYPES.has(type);
}

/**
 * Registers the GraphQL context unit, and puts a {@link GraphqlFilterInterceptor} first on each
 * query and mutation that has its own exception filters (on its method or its class). Done by
 * `XModule` before the GraphQL module reads its resolvers' metadata.
 */
export function instrumentGraphql(modules: ModulesContainer, options: XModuleOptions): void {
  registerContextUnit(graphqlUnit);
  const interceptor = new GraphqlFilterInterceptor(options);
  for (const module of modules.values()) {
    for (const { metatype } of module.providers.values()) {
      if (typeof metatype !== 'function' || !metatype.prototype) continue;
      const classFilters = hasFilters(metatype);
      for (const method of prototypeMethods(metatype.prototype as object)) {
        if (!isRootResolver(method, metatype) || !(classFilters || hasFilters(method))) continue;
        const current = (Reflect.getMetadata(INTERCEPTORS_METADATA, method) ?? []) as unknown[];
        if (current.some((entry) => entry instanceof GraphqlFilterInterceptor)) continue;
        Reflect.defineMetadata(INTERCEPTORS_METADATA, [interceptor, ...current], method);
      }
    }
  }
}
