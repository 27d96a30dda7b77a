// What XModule adds to an app's GraphQL resolvers, through the metadata Nest already reads (as it
// does for controllers with their own filters): nothing on HTTP routes, no global interceptor.
import type { CallHandler, CanActivate, ExecutionContext, NestInterceptor } from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
} from '@nestjs/common/constants.js';
import type { ModulesContainer } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { catchError, type Observable, throwError } from 'rxjs';
import { captureContextError, registerContextUnit } from './contextUnits.js';
import {
  describeOperation,
  isRootField,
  operationOf,
  requestOfContext,
} from './graphqlOperation.js';
import { graphqlUnit } from './graphqlUnit.js';
import type { XModuleOptions } from './options.js';
import { requestState } from './requestState.js';

// @nestjs/graphql's metadata keys (its constants: the package is an optional peer, not imported).
const RESOLVER_TYPE = 'graphql:resolver_type';
const RESOLVE_PROPERTY = 'graphql:resolve_property';
const FIELD_MIDDLEWARE = 'graphql:field_resolver_middleware';
const ROOT_TYPES = new Set(['Query', 'Mutation']);

/** What `@nestjs/graphql` hands a field middleware. */
interface FieldContext {
  source: unknown;
  args: unknown;
  context: unknown;
  info: unknown;
}
const OURS = Symbol('@x/nest.graphql');
type FieldMiddleware = ((ctx: FieldContext, next: () => Promise<unknown>) => Promise<unknown>) & {
  [OURS]?: true;
};

/**
 * Names the request's isolation scope after the GraphQL operation (`transaction`,
 * `contexts.graphql`) when one of its queries or mutations is resolved, so that what the resolver
 * captures itself (`captureMessage`) carries it too. Never blocks: it always answers `true`.
 * `XModule` puts it first among the guards of each query and mutation.
 */
export class GraphqlOperationGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType<string>() === 'graphql') nameOperation(context.getArgs());
    return true;
  }
}

function nameOperation([, , context, info]: unknown[]): void {
  try {
    if (!isRootField(info)) return;
    const scope = requestState(requestOfContext(context))?.scopes.isolationScope;
    const operation = scope && operationOf(info);
    if (operation) describeOperation(scope, scope, operation);
  } catch {
    // Naming events must never change the app's answer.
  }
}

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

/**
 * A field middleware (what `@ResolveField({ middleware })` takes) capturing what a field resolver
 * throws: Nest runs no filter for field resolvers (`fieldResolverEnhancers` is empty by default).
 */
function fieldErrorCapture(options: XModuleOptions): FieldMiddleware {
  const middleware: FieldMiddleware = (ctx, next) =>
    next().then(undefined, (error: unknown) => {
      const host = new ExecutionContextHost([ctx.source, ctx.args, ctx.context, ctx.info]);
      host.setType('graphql');
      captureContextError(error, host, options);
      throw error;
    });
  middleware[OURS] = true;
  return middleware;
}

/** Puts `entry` first in the list under `key` on `target`, unless one like it is there. */
function prepend(key: string, target: object, entry: unknown, isOurs: (e: unknown) => boolean) {
  const current = (Reflect.getMetadata(key, target) ?? []) as unknown[];
  if (current.some(isOurs)) return;
  Reflect.defineMetadata(key, [entry, ...current], target);
}

/** The methods of a class's prototype chain. */
function methodsOf(prototype: object): object[] {
  const methods: object[] = [];
  for (let proto = prototype; proto && proto !== Object.prototype; ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      if (name !== 'constructor' && typeof value === 'function') methods.push(value);
    }
    proto = Object.getPrototypeOf(proto) as object;
  }
  return methods;
}

const hasFilters = (target: object) =>
  ((Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, target) ?? []) as unknown[]).length > 0;

/**
 * Registers the GraphQL context unit and instruments the app's resolvers: each query and
 * mutation gets a {@link GraphqlOperationGuard} (and, with its own filters, a
 * {@link GraphqlFilterInterceptor}); each field resolver a middleware capturing its errors. Done
 * by `XModule` before the GraphQL module builds its resolvers; an app without them gets nothing.
 */
export function instrumentGraphql(modules: ModulesContainer, options: XModuleOptions): void {
  registerContextUnit(graphqlUnit);
  const guard = new GraphqlOperationGuard();
  const interceptor = new GraphqlFilterInterceptor(options);
  const middleware = fieldErrorCapture(options);
  for (const module of modules.values()) {
    for (const { metatype } of module.providers.values()) {
      if (typeof metatype !== 'function' || !metatype.prototype) continue;
      const classFilters = hasFilters(metatype);
      for (const method of methodsOf(metatype.prototype as object)) {
        const type = Reflect.getMetadata(RESOLVER_TYPE, method) as unknown;
        const property = Reflect.getMetadata(RESOLVE_PROPERTY, method) === true;
        // A field resolver of the Query or Mutation type (schema-first style) is a root one.
        const root = ROOT_TYPES.has(
          (type ?? (property ? Reflect.getMetadata(RESOLVER_TYPE, metatype) : undefined)) as string,
        );
        if (root) {
          prepend(GUARDS_METADATA, method, guard, (e) => e instanceof GraphqlOperationGuard);
          if (classFilters || hasFilters(method)) {
            prepend(INTERCEPTORS_METADATA, method, interceptor, (e) => {
              return e instanceof GraphqlFilterInterceptor;
            });
          }
        } else if (property) {
          prepend(
            FIELD_MIDDLEWARE,
            method,
            middleware,
            (e) => typeof e === 'function' && (e as FieldMiddleware)[OURS] === true,
          );
        }
      }
    }
  }
}
