export * from '@x/core';
// Shadows core's `init` (an explicit export wins over `export *`): events say x.javascript.koa.
export { init } from './init';
export type { KoaMiddlewareOptions } from './koaMiddleware';
export { koaMiddleware } from './koaMiddleware';
