import type { ArgumentsHost } from '@nestjs/common';
import { mapAuthUser } from '@x/core';
import { type RequestDescription, requestUrl } from '@x/core/internal';
import type { ContextUnit } from './contextUnits.js';
import {
  operationOf,
  requestOfContext,
  scopesForError,
  withoutOperationParams,
} from './graphqlOperation.js';
import type { AnyRequest, XModuleOptions } from './options.js';
import { requestState } from './requestState.js';

/** A resolver's arguments, as Nest's `ArgumentsHost` holds them for GraphQL. */
function partsOf(host: ArgumentsHost): { request: AnyRequest | undefined; info: unknown } {
  const [, , context, info] = host.getArgs() as unknown[];
  return { request: requestOfContext(context), info };
}

/**
 * The unit of a GraphQL resolver: the operation it belongs to, inside the HTTP request that
 * carried it (Nest's Apollo driver puts the Express or Fastify request in the context as `req`).
 * Subscriptions (over WebSocket) have no HTTP request: their errors get fresh scopes.
 */
export const graphqlUnit: ContextUnit = {
  type: 'graphql',

  /**
   * The HTTP request's scopes — every resolver of a request, parallel ones too, shares its
   * isolation scope and user — with this error's operation and field path on a fork of the
   * current scope. `undefined` when the request was not seen by @x's middleware.
   */
  scopesOf(host) {
    const { request, info } = partsOf(host);
    const open = requestState(request)?.scopes;
    return open && scopesForError(open, info);
  },

  /** What the context says without @x's request scope: the request's user and IP, the operation. */
  describe(host, options: XModuleOptions): RequestDescription {
    const { request, info } = partsOf(host);
    const url = requestUrl({
      protocol: request?.protocol,
      host: request?.headers?.host,
      path: request?.originalUrl ?? request?.url,
    });
    return {
      method: request?.method,
      url: url && withoutOperationParams(url),
      headers: request?.headers,
      clientIp: request ? () => request.ip ?? request.socket?.remoteAddress : undefined,
      getUser: request
        ? () =>
            options.getUser
              ? options.getUser(request)
              : mapAuthUser(request.user ?? request.raw?.user)
        : undefined,
      transaction: operationOf(info)?.transaction,
    };
  },

  /**
   * Nothing, on purpose: Nest's external exception handler then does what it does when no filter
   * answers — logs the error and rethrows it to graphql-js, which sets the field to `null` and
   * reports the error in `errors` (Apollo's `formatError` maps an `HttpException` to its code).
   * Returning anything else would become the field's value.
   */
  answer: () => undefined,
};
