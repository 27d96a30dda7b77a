// The receiving side of a microservice message: the deserializer takes the sealed user off the
// packet before Nest hands `data` to the handler, and keeps it (with the pattern) for the message's
// unit of work. Every transport awaits its deserializer in the async function that goes on to run
// the handler, so what it enters into the async context here is what that message's handler — its
// interceptor, or @x's filter — sees, whichever transport delivered it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { X_USER_FIELD } from './rpcClient.js';

/** What arrived beside a message's payload. */
export interface Arrival {
  /** The `x_user` field as it came: a token for `openUser`, or anything a non-@x sender put there. */
  token?: unknown;
  /** The pattern the message was sent with. */
  pattern?: unknown;
}

/** A Nest deserializer (`deserialize(value, options)`), the shape every transport's server uses. */
export interface Deserializer {
  deserialize(value: unknown, options?: Record<string, unknown>): unknown;
}

const arrivals = new AsyncLocalStorage<Arrival>();

/** What arrived with the message being handled here, if {@link XUserDeserializer} read it. */
export function arrival(): Arrival | undefined {
  return arrivals.getStore();
}

/**
 * The microservice (server) side of `withUser`: give it as the `deserializer` option of the
 * transport, and each message's handler runs with the caller's user — when its signature holds
 * under `propagationKey` (no user otherwise, never a forged one). It takes the `x_user` field off
 * the packet, so nothing changes for the handler. `inner` is the transport's own deserializer when
 * it is not Nest's default (NATS: `new NatsRequestJSONDeserializer()`); by default, what Nest's
 * `IncomingRequestDeserializer` does.
 *
 * @example
 * NestFactory.createMicroservice(AppModule, {
 *   transport: Transport.TCP,
 *   options: { port: 3001, deserializer: new XUserDeserializer() },
 * });
 */
export class XUserDeserializer implements Deserializer {
  constructor(private readonly inner?: Deserializer | undefined) {}

  deserialize(value: unknown, options?: Record<string, unknown>): unknown {
    // Entered before anything is awaited, so that the transport's continuation — the handler —
    // runs with it; filled in once the packet is read.
    const arrived: Arrival = {};
    arrivals.enterWith(arrived);
    const packet = this.inner ? this.inner.deserialize(value, options) : incoming(value, options);
    if (isThenable(packet)) return Promise.resolve(packet).then((read) => takeUser(read, arrived));
    return takeUser(packet, arrived);
  }
}

/** The packet without its `x_user` field, which (with the pattern) goes into `arrived`. */
function takeUser(packet: unknown, arrived: Arrival): unknown {
  if (typeof packet !== 'object' || packet === null) return packet;
  const { [X_USER_FIELD]: token, ...rest } = packet as Record<string, unknown>;
  arrived.pattern = rest.pattern;
  if (!Object.hasOwn(packet, X_USER_FIELD)) return packet;
  arrived.token = token;
  return rest;
}

/**
 * Nest's `IncomingRequestDeserializer`: a packet of Nest's own (`pattern` or `data`) as it is,
 * anything else as the `data` of a message on `options.channel`.
 */
function incoming(value: unknown, options?: Record<string, unknown>): unknown {
  const own = value as { pattern?: unknown; data?: unknown } | null | undefined;
  if (own && (own.pattern !== undefined || own.data !== undefined)) return value;
  return options
    ? { pattern: options.channel, data: value }
    : { pattern: undefined, data: undefined };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
