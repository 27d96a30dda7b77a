import { initAs } from '@x/core/internal';

/**
 * Starts the SDK — `@x/core`'s `init` — with events naming this adapter
 * (`sdk.name: "x.javascript.koa"`), as `@x/nest` and `@x/next` name theirs.
 *
 * @example
 * import { init, koaMiddleware } from '@x/koa';
 * init({ dsn: process.env.X_DSN, sendDefaultPii: true });
 */
export const init = initAs('x.javascript.koa');
