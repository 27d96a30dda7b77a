export * from '@x/core';
export type { KoaMiddlewareOptions } from './koaMiddleware';
export { koaMiddleware, statusOf } from './koaMiddleware';
