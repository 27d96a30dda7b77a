// The calling side of a microservice message: the caller's user goes with the packet, sealed
// (core's sealUser), in a field beside `pattern`, `data` and `id` — never inside `data`. Sealing is
// async (it may wait for the user resolver) and Nest's serializers are not, so `withUser` seals
// first and then sends, and the serializer it puts on the client reads the token from the async
// context the send runs in: every packet carries its own caller's user, however sends interleave.
import { AsyncLocalStorage } from 'node:async_hooks';
import { sealUser } from '@x/core';
import { connectable, from, mergeMap, Observable, Subject } from 'rxjs';

/** The packet field that carries the sealed user (`x1.…`, see `sealUser` of `@x/core`). */
export const X_USER_FIELD = 'x_user';

/** The part of a Nest `ClientProxy` that `withUser` uses. */
export interface RpcClient {
  send(pattern: unknown, data: unknown): Observable<unknown>;
  emit(pattern: unknown, data: unknown): Observable<unknown>;
}

/** A Nest serializer (`serialize(packet, options)`), the shape every transport's client uses. */
interface Serializer {
  serialize(value: unknown, options?: unknown): unknown;
}

const travelling = new AsyncLocalStorage<string | undefined>();
const WITH_USER = Symbol.for('@x/nest.withUser');

/**
 * Makes a Nest microservice client (`ClientProxy`, from `ClientsModule` or `ClientProxyFactory`)
 * send the caller's user with every `send` and `emit`: the user an event captured where you call
 * it would carry, sealed under the `propagationKey` option, in the packet's `x_user` field beside
 * the payload (the handler's `data` is exactly what you pass). The receiving app reads it with
 * {@link XUserDeserializer}. Changes the client itself (once; calling it again is harmless) and
 * returns it. Without a `propagationKey` or a user, packets go out as before.
 *
 * @example
 * constructor(@Inject('MATH') client: ClientProxy) { this.math = withUser(client); }
 */
export function withUser<Client extends RpcClient>(client: Client): Client {
  const target = client as Client & { [WITH_USER]?: true; serializer?: Serializer };
  if (target[WITH_USER]) return client;
  const inner = target.serializer;
  // Every transport's `ClientProxy` has one; a client without one sends as before.
  if (typeof inner?.serialize !== 'function') return client;
  target.serializer = userSerializer(inner);
  const send = client.send.bind(client);
  const emit = client.emit.bind(client);
  const own = (value: unknown) => ({ value, configurable: true, writable: true });
  Object.defineProperties(client, {
    send: own((pattern: unknown, data: unknown) => sendWithUser(send, pattern, data)),
    emit: own((pattern: unknown, data: unknown) => emitWithUser(emit, pattern, data)),
    [WITH_USER]: { value: true },
  });
  return client;
}

/** `inner`, with the sealed user of the send it runs in added to the packet. */
function userSerializer(inner: Serializer): Serializer {
  return {
    serialize(packet, options) {
      const token = travelling.getStore();
      const isPacket = typeof packet === 'object' && packet !== null;
      return inner.serialize(
        isPacket && token ? { ...packet, [X_USER_FIELD]: token } : packet,
        options,
      );
    },
  };
}

/** Whether Nest refuses the message itself (it checks for a missing pattern or payload first). */
function refusedByNest(pattern: unknown, data: unknown): boolean {
  return pattern === null || pattern === undefined || data === null || data === undefined;
}

/** `client.send` after sealing: lazy like Nest's (nothing goes out until subscribed). */
function sendWithUser(
  send: RpcClient['send'],
  pattern: unknown,
  data: unknown,
): Observable<unknown> {
  if (refusedByNest(pattern, data)) return send(pattern, data);
  // Sealed where `send` is called, in the caller's scopes.
  const sealed = sealUser();
  return from(sealed).pipe(
    mergeMap(
      (token) =>
        new Observable<unknown>((subscriber) =>
          travelling.run(token, () => send(pattern, data).subscribe(subscriber)),
        ),
    ),
  );
}

/** `client.emit` after sealing: hot like Nest's (the event goes out even if nobody subscribes). */
function emitWithUser(
  emit: RpcClient['emit'],
  pattern: unknown,
  data: unknown,
): Observable<unknown> {
  if (refusedByNest(pattern, data)) return emit(pattern, data);
  const source = from(sealUser()).pipe(
    mergeMap((token) => travelling.run(token, () => emit(pattern, data))),
  );
  const hot = connectable(source, { connector: () => new Subject(), resetOnDisconnect: false });
  hot.connect();
  return hot;
}
