// The entry point under the `node` export condition: the same API, with
// scopes carried across async work by Node's AsyncLocalStorage, a file spool
// for `spoolDir`, the host name as the default `serverName`, stack frames mapped through
// source maps with context lines (sourceFrames.ts), and `node:crypto`'s HMAC for pseudonymizeUsers.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import { ensureAsyncLocalStorageStrategy } from './asyncContext';
import { getCarrier, joinCarrier } from './carrier';
import { createFileSpool } from './fileSpool';
import { releaseAfterResponse } from './keepAliveRelease';
import { nodeHttpFetch } from './nodeFetch';
import { outsideUnits } from './outsideUnits';
import { applySourceFrames } from './sourceFrames';

ensureAsyncLocalStorageStrategy(AsyncLocalStorage);
const carrier = getCarrier();
joinCarrier(carrier);
carrier.runtime ??= {
  createSpool: createFileSpool,
  fetch: nodeHttpFetch as typeof fetch,
  serverName: () => {
    try {
      return hostname();
    } catch {
      return undefined;
    }
  },
};
// A runtime installed by an older copy of core lacks it; add it without replacing the rest.
carrier.runtime.sourceFrames ??= applySourceFrames;
// `Buffer.from` encodes a few times faster than `TextEncoder` here (one event: ~1 µs vs ~4 µs).
carrier.runtime.outsideUnits ??= outsideUnits;
carrier.runtime.utf8 ??= (text) => Buffer.from(text, 'utf8');
carrier.runtime.releaseAfterResponse ??= releaseAfterResponse;
// The key's KeyObject is made once per key bytes (core keeps one Uint8Array per key).
const secretKeys = new WeakMap<Uint8Array, KeyObject>();
carrier.runtime.hmacSha256 ??= (key, message) => {
  let secret = secretKeys.get(key);
  if (!secret) {
    secret = createSecretKey(key);
    secretKeys.set(key, secret);
  }
  return createHmac('sha256', secret).update(message).digest();
};

export { createFileSpool } from './fileSpool';
export * from './index';
