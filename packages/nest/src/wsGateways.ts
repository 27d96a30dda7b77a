import type { Provider } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { loadNestPackage } from './nestPackages.js';
import { X_MODULE_OPTIONS, type XModuleOptions } from './options.js';
import type { WebsocketsModule } from './wsUnit.js';

// The metadata key `@WebSocketGateway()` sets (GATEWAY_METADATA of @nestjs/websockets), written
// out: importing it would load @nestjs/websockets, an optional peer, in every app.
const GATEWAY_METADATA = 'websockets:is_gateway';

/** The gateway classes among the app's providers, found as Nest's socket module finds them. */
export function gatewaysIn(modules: ModulesContainer): Set<object> {
  const gateways = new Set<object>();
  for (const module of modules.values()) {
    for (const wrapper of module.providers.values()) {
      const metatype: unknown = wrapper?.metatype;
      if (!wrapper || wrapper.isNotMetatype || typeof metatype !== 'function') continue;
      if (Reflect.getMetadataKeys(metatype).includes(GATEWAY_METADATA)) gateways.add(metatype);
    }
  }
  return gateways;
}

/** `@nestjs/websockets`' `BaseWsExceptionFilter` and `WsException`, as Nest loads them. */
function loadWebsockets(): Promise<WebsocketsModule | undefined> {
  return loadNestPackage('@nestjs/websockets', (api) =>
    typeof api.BaseWsExceptionFilter === 'function' && typeof api.WsException === 'function'
      ? (api as unknown as WebsocketsModule)
      : undefined,
  );
}

/**
 * When the app has gateways: loads what @x/nest needs of `@nestjs/websockets` (once, at start-up,
 * so answering an error stays synchronous) and instruments every gateway class. Runs while Nest
 * creates the providers, before it wires the gateways (at `init`, ahead of `XModule.configure`).
 * An app without gateways loads none of it.
 */
async function instrumentAppGateways(
  modules: ModulesContainer,
  options: XModuleOptions,
): Promise<number> {
  const gateways = gatewaysIn(modules);
  if (gateways.size === 0) return 0;
  const websockets = await loadWebsockets();
  if (!websockets) return 0;
  const { instrumentGateways } = await import('./wsEnhancers.js');
  instrumentGateways(gateways, websockets, options);
  return gateways.size;
}

/** The provider `XModule` declares for gateways; its value is how many it instrumented. */
export const wsGatewaysProvider: Provider = {
  provide: Symbol.for('@x/nest.wsGateways'),
  inject: [ModulesContainer, X_MODULE_OPTIONS],
  useFactory: instrumentAppGateways,
};
