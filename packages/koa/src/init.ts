import { type Client, type ClientOptions, init as initCore, SDK_VERSION } from '@x/core';

/**
 * Starts the SDK — `@x/core`'s `init` — with events naming this adapter
 * (`sdk.name: "x.javascript.koa"`), as `@x/nest` and `@x/next` name theirs.
 *
 * @example
 * import { init, koaMiddleware } from '@x/koa';
 * init({ dsn: process.env.X_DSN, sendDefaultPii: true });
 */
export function init(options: ClientOptions = {}): Client {
  return initCore({ sdk: { name: 'x.javascript.koa', version: SDK_VERSION }, ...options });
}
