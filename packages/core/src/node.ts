// The entry point under the `node` export condition: the same API, with
// scopes carried across async work by Node's AsyncLocalStorage.
import { AsyncLocalStorage } from 'node:async_hooks';
import { ensureAsyncLocalStorageStrategy } from './asyncContext';

ensureAsyncLocalStorageStrategy(AsyncLocalStorage);

export * from './index';
