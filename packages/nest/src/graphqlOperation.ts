// What @x reads from GraphQL's own objects — the resolver's `info` and the context Apollo hands
// Nest — read structurally: `graphql` and `@nestjs/graphql` are optional peers, never imported.
import type { Scope, Scopes } from '@x/core';
import { graphqlVariablesToSend } from '@x/core/internal';
import type { AnyRequest } from './options.js';

/** A response path as graphql-js links it: the innermost key, then its parent. */
interface PathLike {
  readonly prev?: PathLike | undefined;
  readonly key: string | number;
}

/** The parts of graphql-js's `GraphQLResolveInfo` @x reads. */
export interface ResolveInfoLike {
  readonly path?: PathLike | undefined;
  /** The operation's variables, coerced (graphql-js's `variableValues`). */
  readonly variableValues?: unknown;
  readonly operation?:
    | {
        readonly operation?: string;
        readonly name?: { readonly value?: string } | null | undefined;
        readonly selectionSet?: {
          readonly selections?: readonly { kind?: string; name?: { value?: string } }[];
        };
      }
    | null
    | undefined;
}

/** One GraphQL operation, as events name it. */
export interface OperationName {
  /** `query`, `mutation` or `subscription`. */
  type: string;
  /** The operation's own name (`Boom` in `query Boom { … }`), if it has one. */
  name: string | undefined;
  /** `query Boom`; an anonymous operation by its root fields: `query whoami`, `query a,b`. */
  transaction: string;
  /** The variables, only under `dataCollection.graphQL.variables` (sensitive names filtered). */
  variables?: Record<string, unknown> | undefined;
}

// The query-string parameters of a GraphQL GET request that carry the query text and its values.
const OPERATION_PARAMS = ['query', 'variables', 'extensions'];

/** The HTTP request a resolver's GraphQL context carries (`req`, as Nest's Apollo driver sets it). */
export function requestOfContext(context: unknown): AnyRequest | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const { req, request } = context as { req?: unknown; request?: unknown };
  const found = req ?? request;
  return typeof found === 'object' && found !== null ? (found as AnyRequest) : undefined;
}

/**
 * The operation a resolver runs in, from its `info` (its variables only when the app collects
 * them: `dataCollection.graphQL.variables`); `undefined` when `info` is not graphql-js's.
 */
export function operationOf(info: unknown): OperationName | undefined {
  const operation = (info as ResolveInfoLike | undefined)?.operation;
  if (!operation || typeof operation.operation !== 'string') return undefined;
  const type = operation.operation;
  const name = operation.name?.value || undefined;
  const variables = graphqlVariablesToSend((info as ResolveInfoLike).variableValues);
  const named = { type, name, ...(variables ? { variables } : {}) };
  if (name) return { ...named, transaction: `${type} ${name}` };
  // The fields' names, not their aliases: the client picks aliases, the schema the names.
  const fields = new Set<string>();
  for (const selection of operation.selectionSet?.selections ?? []) {
    if (selection.kind === 'Field' && selection.name?.value) fields.add(selection.name.value);
  }
  return { ...named, transaction: fields.size > 0 ? `${type} ${[...fields].join(',')}` : type };
}

/** The response path of the field `info` resolves, root first (`['whoami', 'secret']`). */
export function pathOf(info: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at = (info as ResolveInfoLike | undefined)?.path; at; at = at.prev) path.push(at.key);
  return path.reverse();
}

/** Whether `info` is a root field's (a query's or a mutation's own resolver). */
export function isRootField(info: unknown): boolean {
  const path = (info as ResolveInfoLike | undefined)?.path;
  return path !== undefined && path.prev === undefined;
}

/** `url` without the query text, variables and extensions a GraphQL GET request sends in it. */
export function withoutOperationParams(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  if (!OPERATION_PARAMS.some((name) => params.has(name))) return url;
  for (const name of OPERATION_PARAMS) params.delete(name);
  const rest = params.toString();
  return rest ? `${url.slice(0, q)}?${rest}` : url.slice(0, q);
}

/**
 * Names `scope`'s events after `operation` (`transaction`, `contexts.graphql`, with its
 * variables when they are collected) and, when the request it copies from (`from`) is a GraphQL
 * GET, records it without the query text and the variables. `path`: the failing field's, for one
 * error's event only.
 */
export function describeOperation(
  scope: Scope,
  from: Scope,
  operation: OperationName,
  path?: (string | number)[],
): void {
  scope.setTransactionName(operation.transaction);
  scope.setContext('graphql', {
    operation_type: operation.type,
    ...(operation.name ? { operation_name: operation.name } : {}),
    ...(path ? { path } : {}),
    ...(operation.variables ? { variables: operation.variables } : {}),
  });
  const request = from.getRequest();
  const url = request?.url;
  if (typeof url === 'function') {
    // Built when something is captured (see the middleware): stripped then.
    scope.setRequest({ ...request, url: () => stripped(url()) });
  } else if (typeof url === 'string' && stripped(url) !== url) {
    scope.setRequest({ ...request, url: stripped(url) });
  }
}

function stripped(url: string | undefined): string | undefined {
  return url === undefined ? undefined : withoutOperationParams(url);
}

/**
 * The scopes one error of a resolver is captured in: the request's isolation scope, and a fork of
 * its current scope naming the operation and the failing field (parallel resolvers of a request
 * share its scopes, so the field's path goes on this event only).
 */
export function scopesForError(open: Scopes, info: unknown): Scopes {
  const operation = operationOf(info);
  if (!operation) return open;
  const scope = open.scope.clone();
  describeOperation(scope, open.isolationScope, operation, pathOf(info));
  return { isolationScope: open.isolationScope, scope };
}
