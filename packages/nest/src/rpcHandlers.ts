import type { Provider } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { registerContextUnit } from './contextUnits.js';
import { loadNestPackage, prototypeMethods } from './nestPackages.js';
import { X_MODULE_OPTIONS, type XModuleOptions } from './options.js';
import { type MicroservicesModule, patternsOf, rpcUnit, XRpcInterceptor } from './rpcUnit.js';

/** The methods of a controller's prototype chain that handle messages or events. */
function handlersOf(prototype: object): object[] {
  return prototypeMethods(prototype).filter((method) => patternsOf(method).length > 0);
}

/** The message and event handlers of the app's controllers, found as Nest's listeners find them. */
export function rpcHandlersIn(modules: ModulesContainer): Set<object> {
  const handlers = new Set<object>();
  for (const module of modules.values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      for (const handler of handlersOf(metatype.prototype as object)) handlers.add(handler);
    }
  }
  return handlers;
}

/** `@nestjs/microservices`' `BaseRpcExceptionFilter` and `RpcException`, as Nest loads them. */
function loadMicroservices(): Promise<MicroservicesModule | undefined> {
  return loadNestPackage('@nestjs/microservices', (api) =>
    typeof api.BaseRpcExceptionFilter === 'function' && typeof api.RpcException === 'function'
      ? (api as unknown as MicroservicesModule)
      : undefined,
  );
}

/**
 * When the app has message handlers: loads what @x/nest needs of `@nestjs/microservices` (once,
 * at start-up, so answering an error stays synchronous), registers the `rpc` context unit and
 * puts the rpc interceptor first on every handler method. Runs while Nest creates the providers,
 * before it binds the handlers to the transport (`connectMicroservice`, `listen`). An app without
 * message handlers loads none of it.
 */
async function instrumentRpcHandlers(
  modules: ModulesContainer,
  options: XModuleOptions,
): Promise<number> {
  const handlers = rpcHandlersIn(modules);
  if (handlers.size === 0) return 0;
  const microservices = await loadMicroservices();
  if (!microservices) return 0;
  const unit = rpcUnit(microservices);
  registerContextUnit(unit);
  const interceptor = new XRpcInterceptor(unit, options);
  for (const handler of handlers) {
    const current = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as unknown[];
    if (current.some((entry) => entry instanceof XRpcInterceptor)) continue;
    Reflect.defineMetadata(INTERCEPTORS_METADATA, [interceptor, ...current], handler);
  }
  return handlers.size;
}

/** The provider `XModule` declares for message handlers; its value is how many it instrumented. */
export const rpcHandlersProvider: Provider = {
  provide: Symbol.for('@x/nest.rpcHandlers'),
  inject: [ModulesContainer, X_MODULE_OPTIONS],
  useFactory: instrumentRpcHandlers,
};
