export * from '@x/core';
export type { BackgroundHandlerOptions } from './decorators.js';
export { BackgroundHandler, IsolationScope, SkipCapture, UserMapping } from './decorators.js';
export type { AnyRequest, XModuleOptions } from './options.js';
export type { XModuleAsyncOptions } from './xModule.js';
export { XModule } from './xModule.js';
