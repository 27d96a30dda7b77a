// The entry point under the `node` export condition: the same API, with
// scopes carried across async work by Node's AsyncLocalStorage, a file spool
// for `spoolDir`, and the host name as the default `serverName`.
import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname } from 'node:os';
import { ensureAsyncLocalStorageStrategy } from './asyncContext';
import { getCarrier } from './carrier';
import { createFileSpool } from './fileSpool';
import { nodeHttpFetch } from './nodeFetch';

ensureAsyncLocalStorageStrategy(AsyncLocalStorage);
getCarrier().runtime ??= {
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

export { createFileSpool } from './fileSpool';
export * from './index';
