import {
  type DynamicModule,
  Global,
  Inject,
  Logger,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { EXCEPTION_FILTERS_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import {
  APP_FILTER,
  APP_GUARD,
  ApplicationConfig,
  HttpAdapterHost,
  ModulesContainer,
} from '@nestjs/core';
import { close } from '@x/core';
import { initAs } from '@x/core/internal';
import { instrumentGraphql } from './graphqlResolvers.js';
import { GraphqlSchemas } from './graphqlSchema.js';
import { prototypeMethods } from './nestPackages.js';
import { type AnyRequest, X_MODULE_OPTIONS, type XModuleOptions } from './options.js';
import { rpcHandlersProvider } from './rpcHandlers.js';
import { sentryModeOn } from './sentryMode.js';
import { wsGatewaysProvider } from './wsGateways.js';
import { XExceptionFilter } from './xExceptionFilter.js';
import { XInterceptor } from './xInterceptor.js';
import { openRequest, XMiddleware } from './xMiddleware.js';
import { XRouteGuard } from './xRouteGuard.js';

/** The part of a Fastify instance @x uses (no dependency on Fastify's types). */
interface FastifyHooks {
  addHook(
    name: 'onRequest',
    hook: (request: AnyRequest, reply: unknown, done: (error?: unknown) => void) => void,
  ): unknown;
}

/** Options of `XModule.forRootAsync()`, in Nest's usual shape. */
export interface XModuleAsyncOptions {
  imports?: DynamicModule['imports'] | undefined;
  inject?: (string | symbol | (new (...args: never[]) => unknown))[] | undefined;
  useFactory: (...args: never[]) => XModuleOptions | Promise<XModuleOptions>;
}

const X_CLIENT = Symbol.for('@x/nest.client');
const init = initAs('x.javascript.nest');

function providers(options: Provider): Provider[] {
  return [
    options,
    {
      provide: X_CLIENT,
      inject: [X_MODULE_OPTIONS],
      useFactory: (opts: XModuleOptions) =>
        opts.initClient === false || inSentryMode(opts) ? undefined : init(opts),
    },
    { provide: APP_GUARD, useClass: XRouteGuard },
    { provide: APP_FILTER, useClass: XExceptionFilter },
    GraphqlSchemas,
    wsGatewaysProvider,
    rpcHandlersProvider,
  ];
}

/**
 * Whether the module runs in Sentry mode (`XModuleOptions.sentry`): asked for, or else whether
 * `Sentry.init` set up `xUserIntegration()` before the module was created. Asked for without it:
 * a warning, since events then go without @x's user.
 */
function inSentryMode(options: XModuleOptions): boolean {
  const on = sentryModeOn();
  if (options.sentry === true && !on) {
    new Logger('XModule').warn(
      'XModule.forRoot({ sentry: true }): Sentry.init has not set up xUserIntegration() (from @x/nest/sentry) — add it to Sentry.init’s integrations, in a file imported before the app’s modules; until then Sentry’s events go without @x’s user.',
    );
  }
  return options.sentry ?? on;
}

/**
 * The @x module: initializes the client and wires, for every route, an
 * isolation scope opened before guards, the user from `req.user` (lazily),
 * the client IP from `req.ip`, and capture of unexpected errors — once, with
 * the request's user — on Express and on Fastify. In Sentry mode (`{ sentry: true }`, beside
 * `@sentry/nestjs` with `xUserIntegration()`) it does not initialize @x: Sentry captures and sends,
 * and its events get the user of their request, message or operation.
 *
 * @example
 * @Module({ imports: [XModule.forRoot({ dsn: process.env.X_DSN })] })
 * export class AppModule {}
 */
@Global()
@Module({})
export class XModule implements NestModule, OnApplicationShutdown {
  constructor(
    @Inject(X_CLIENT) private readonly client: unknown,
    private readonly config: ApplicationConfig,
    @Inject(X_MODULE_OPTIONS) private readonly options: XModuleOptions,
    private readonly modules: ModulesContainer,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** Configures @x with static options. */
  static forRoot(options: XModuleOptions = {}): DynamicModule {
    return {
      module: XModule,
      global: true,
      providers: providers({ provide: X_MODULE_OPTIONS, useValue: options }),
      exports: [X_MODULE_OPTIONS],
    };
  }

  /**
   * Configures @x from other providers, e.g. `ConfigService`.
   *
   * @example
   * XModule.forRootAsync({ inject: [ConfigService], useFactory: (c: ConfigService) => ({ dsn: c.get('X_DSN') }) })
   */
  static forRootAsync(options: XModuleAsyncOptions): DynamicModule {
    return {
      module: XModule,
      global: true,
      imports: options.imports ?? [],
      providers: providers({
        provide: X_MODULE_OPTIONS,
        inject: options.inject ?? [],
        useFactory: options.useFactory,
      }),
      exports: [X_MODULE_OPTIONS],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    const adapter = this.adapterHost.httpAdapter as
      | { getType?(): string; getInstance?(): FastifyHooks }
      | undefined;
    if (adapter?.getType?.() === 'fastify' && adapter.getInstance) {
      // Fastify's own first hook, not a Nest middleware: a middleware makes middie match paths
      // and copy request fields for every request (0.8× of bare Fastify's throughput).
      adapter.getInstance().addHook('onRequest', (request, reply, done) => {
        openRequest(request, this.options, done, (reply as { raw?: unknown } | undefined)?.raw);
      });
    } else {
      consumer.apply(XMiddleware).forRoutes('*');
    }
    // Nest tries global filters last-registered first, and `app.useGlobalFilters()` runs after
    // this module's APP_FILTER was registered. Move ours to the end so it is consulted first; it
    // captures, then hands the error to the filter Nest would have picked (see XExceptionFilter).
    // Routes (and their filter lists) are registered after `configure`, so this takes effect.
    // Nest has no API to reorder global filters (ApplicationConfig only appends), so the list
    // getGlobalFilters() returns is reordered in place.
    const filters = this.config.getGlobalFilters();
    const ours = filters.filter((filter) => filter instanceof XExceptionFilter);
    const others = filters.filter((filter) => !(filter instanceof XExceptionFilter));
    filters.splice(0, filters.length, ...others, ...ours);
    this.interceptScopedFilters();
    instrumentGraphql(this.modules, this.options);
  }

  /**
   * A controller- or route-scoped filter (`@UseFilters()`) handles an error before any global
   * filter, so ours would never see it: those controllers and routes (and only those — an
   * interceptor makes every request of its routes run through rxjs) get an `XInterceptor`, first
   * in their own interceptor list. Routes are created after `configure`, so this takes effect.
   */
  private interceptScopedFilters(): void {
    const interceptor = new XInterceptor(this.options);
    const addTo = (target: object) => {
      const current = (Reflect.getMetadata(INTERCEPTORS_METADATA, target) ?? []) as unknown[];
      if (current.some((entry) => entry instanceof XInterceptor)) return;
      Reflect.defineMetadata(INTERCEPTORS_METADATA, [interceptor, ...current], target);
    };
    const hasFilters = (target: object) =>
      ((Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, target) ?? []) as unknown[]).length > 0;
    for (const module of this.modules.values()) {
      for (const { metatype } of module.controllers.values()) {
        if (typeof metatype !== 'function') continue;
        if (hasFilters(metatype)) {
          addTo(metatype);
          continue;
        }
        for (const handler of prototypeMethods(metatype.prototype as object)) {
          if (hasFilters(handler)) addTo(handler);
        }
      }
    }
  }

  /** With `app.enableShutdownHooks()`: deliver (or spool) what was captured before exit. */
  async onApplicationShutdown(): Promise<void> {
    if (this.client) await close(2000);
  }
}
