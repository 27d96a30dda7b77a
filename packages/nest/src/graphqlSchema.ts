// The resolvers of the GraphQL schemas an app serves, wrapped where graphql-js calls them: a query's
// or mutation's field names the request's scope after its operation before Nest's guards run; a
// field resolver's error is captured with its path (Nest runs no filter for field resolvers). A
// wrapper on the schema costs a function call per field; a field middleware would have cost
// Nest's fast path for field resolvers, several times slower on long lists.
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { captureContextError } from './contextUnits.js';
import {
  describeOperation,
  isRootField,
  operationOf,
  requestOfContext,
} from './graphqlOperation.js';
import { X_MODULE_OPTIONS, type XModuleOptions } from './options.js';
import { requestState } from './requestState.js';

/** graphql-js's `GraphQLFieldResolver`, loosely typed. */
type Resolve = ((source: unknown, args: unknown, context: unknown, info: unknown) => unknown) & {
  [WRAPPED]?: true;
};
const WRAPPED = Symbol('@x/nest.graphqlResolve');

/** The parts of a graphql-js `GraphQLObjectType` used here. */
interface ObjectTypeLike {
  name: string;
  getFields(): Record<string, { resolve?: Resolve | undefined }>;
}

/** The parts of a graphql-js `GraphQLSchema` used here. */
interface SchemaLike {
  getQueryType(): ObjectTypeLike | null | undefined;
  getMutationType(): ObjectTypeLike | null | undefined;
  getSubscriptionType(): ObjectTypeLike | null | undefined;
  getTypeMap(): Record<string, unknown>;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null | undefined)?.then === 'function';

// graphql-js names its classes with Symbol.toStringTag (no instanceof: `graphql` is not imported).
const isObjectType = (type: unknown): type is ObjectTypeLike =>
  Object.prototype.toString.call(type) === '[object GraphQLObjectType]';

/** Names the request's isolation scope after the operation a root field belongs to. */
function nameOperation(context: unknown, info: unknown): void {
  try {
    if (!isRootField(info)) return;
    const scope = requestState(requestOfContext(context))?.scopes.isolationScope;
    const operation = scope && operationOf(info);
    if (operation) describeOperation(scope, scope, operation);
  } catch {
    // Naming events must never change the app's answer.
  }
}

function naming(resolve: Resolve): Resolve {
  const wrapped: Resolve = function (this: unknown, source, args, context, info) {
    nameOperation(context, info);
    return resolve.call(this, source, args, context, info);
  };
  wrapped[WRAPPED] = true;
  return wrapped;
}

function capturing(resolve: Resolve, options: XModuleOptions): Resolve {
  const capture = (error: unknown, resolverArgs: unknown[]) => {
    const host = new ExecutionContextHost(resolverArgs);
    host.setType('graphql');
    captureContextError(error, host, options);
  };
  const wrapped: Resolve = function (this: unknown, source, args, context, info) {
    try {
      const result = resolve.call(this, source, args, context, info);
      if (!isThenable(result)) return result;
      return result.then(undefined, (error: unknown) => {
        capture(error, [source, args, context, info]);
        throw error;
      });
    } catch (error) {
      capture(error, [source, args, context, info]);
      throw error;
    }
  };
  wrapped[WRAPPED] = true;
  return wrapped;
}

/** Wraps the resolvers of one schema (once: a wrapped resolver is left alone). */
export function instrumentSchema(schema: SchemaLike, options: XModuleOptions): void {
  const wrap = (type: ObjectTypeLike | null | undefined, by: (resolve: Resolve) => Resolve) => {
    for (const field of Object.values(type?.getFields() ?? {})) {
      if (typeof field.resolve === 'function' && !field.resolve[WRAPPED])
        field.resolve = by(field.resolve);
    }
  };
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  wrap(query, naming);
  wrap(mutation, naming);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    if (type === query || type === mutation || type === subscription) continue;
    wrap(type, (resolve) => capturing(resolve, options));
  }
}

/** The schema a `GraphQLSchemaHost` of `@nestjs/graphql` holds, once it is built. */
function schemaOf(host: unknown): SchemaLike | undefined {
  try {
    const schema = (host as { schema?: unknown } | undefined)?.schema as SchemaLike | undefined;
    return typeof schema?.getTypeMap === 'function' ? schema : undefined;
  } catch {
    // Not built (the GraphQL module did not start): nothing to wrap.
    return undefined;
  }
}

/**
 * Wraps the resolvers of every schema the app's GraphQL modules built (their `GraphQLSchemaHost`
 * holds it once `onModuleInit` ran). Provided by `XModule`; an app without GraphQL has none.
 */
@Injectable()
export class GraphqlSchemas implements OnApplicationBootstrap {
  constructor(
    private readonly modules: ModulesContainer,
    @Inject(X_MODULE_OPTIONS) private readonly options: XModuleOptions,
  ) {}

  onApplicationBootstrap(): void {
    for (const module of this.modules.values()) {
      for (const wrapper of module.providers.values()) {
        if ((wrapper?.token as { name?: unknown } | undefined)?.name !== 'GraphQLSchemaHost')
          continue;
        const schema = schemaOf(wrapper.instance);
        if (schema) instrumentSchema(schema, this.options);
      }
    }
  }
}
