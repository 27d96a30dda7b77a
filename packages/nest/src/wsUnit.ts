import type { ArgumentsHost } from '@nestjs/common';
import { mapAuthUser, type Scopes, type User } from '@x/core';
import type { RequestDescription } from '@x/core/internal';
import type { ContextUnit } from './contextUnits.js';

/**
 * The parts of `@nestjs/websockets` the gateway unit uses, from the copy Nest's socket module
 * runs (see `wsGateways.ts`). Typed here so that no file of @x/nest needs its declarations.
 */
export interface WebsocketsModule {
  /** Nest's own answer to an error no filter of the app caught. */
  BaseWsExceptionFilter: new () => { catch(exception: unknown, host: ArgumentsHost): void };
  /** The error a gateway throws to answer its client on purpose. */
  WsException: ErrorClass;
}

/** A class, as `instanceof` needs it. */
type ErrorClass = abstract new (...args: never[]) => object;

/** A gateway's client as each adapter hands it over: socket.io's `Socket`, or a `ws` WebSocket. */
interface GatewayClient {
  /** socket.io's per-socket bag, where a connection middleware or guard puts the user. */
  data?: { user?: unknown } | null;
  /** Where an app using the `ws` adapter puts the user (the WebSocket has no bag of its own). */
  user?: unknown;
}

/**
 * The user of a gateway connection: `client.data.user` (socket.io), else `client.user` (`ws`),
 * mapped by `mapAuthUser`. Read when an event is built, so it sees what the connection's auth set.
 */
export function socketUser(client: unknown): User | null {
  const connection = client as GatewayClient | null | undefined;
  return mapAuthUser(connection?.data?.user ?? connection?.user);
}

/** `ws <pattern>`: the message's `@SubscribeMessage()` pattern. */
function transactionOf(pattern: unknown): string {
  if (typeof pattern === 'string') return `ws ${pattern}`;
  try {
    return `ws ${JSON.stringify(pattern) ?? String(pattern)}`;
  } catch {
    return 'ws';
  }
}

/**
 * One message as core's unit of work: no method or URL (a message is no HTTP request), the
 * transaction `ws <pattern>`, and the connection's user, read lazily.
 */
export function describeMessage(host: ArgumentsHost): RequestDescription {
  const ws = host.switchToWs();
  const client: unknown = ws.getClient();
  return { transaction: transactionOf(ws.getPattern()), getUser: () => socketUser(client) };
}

// The scopes of each message in flight, keyed by its payload: each message's payload is an object
// of its own (parsed from its frame), so two messages of one socket in flight never share an entry,
// and nothing is keyed by the socket. A primitive payload has no entry (see `scopesOf`).
const messageScopes = new WeakMap<object, Scopes>();

/** Whether `value` can key a WeakMap. */
function isKey(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** Records the scopes opened for the message whose payload is `data`, until {@link forgetMessage}. */
export function rememberMessage(data: unknown, scopes: Scopes): void {
  if (isKey(data)) messageScopes.set(data, scopes);
}

/** Drops what {@link rememberMessage} recorded: the message's handling is over. */
export function forgetMessage(data: unknown): void {
  if (isKey(data)) messageScopes.delete(data);
}

/**
 * The translation of a gateway message (`host.getType() === 'ws'`) into core's unit, for the
 * socket.io (`IoAdapter`) and `ws` (`WsAdapter`) adapters alike.
 */
export function wsUnit(websockets: WebsocketsModule): ContextUnit {
  const nestAnswer = new websockets.BaseWsExceptionFilter();
  return {
    type: 'ws',
    scopesOf(host) {
      const data: unknown = host.switchToWs().getData();
      return isKey(data) ? messageScopes.get(data) : undefined;
    },
    describe: (host) => describeMessage(host),
    answer(exception, host) {
      // Nest's exception handler answers nothing when there is no client; so do we.
      if (host.switchToWs().getClient()) nestAnswer.catch(exception, host);
      return undefined;
    },
  };
}
