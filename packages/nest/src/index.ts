export * from '@x/core';
export type { BackgroundHandlerOptions } from './decorators.js';
export {
  BackgroundHandler,
  IsolationScope,
  SkipCapture,
  UserMapping,
  X_SKIP_CAPTURE,
  X_USER_MAPPING,
} from './decorators.js';
export type { AnyRequest, GetUser, XModuleOptions } from './options.js';
export { X_MODULE_OPTIONS } from './options.js';
export { XExceptionFilter } from './xExceptionFilter.js';
export { XInterceptor } from './xInterceptor.js';
export { XMiddleware } from './xMiddleware.js';
export type { XModuleAsyncOptions } from './xModule.js';
export { XModule } from './xModule.js';
export { XRouteGuard } from './xRouteGuard.js';
