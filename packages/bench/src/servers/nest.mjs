// Nest hello-world (Express, or Fastify with BENCH_PLATFORM=fastify) with a global auth guard setting req.user, in three variants:
// bare, @x/nest (XModule), @sentry/nestjs (SentryModule + SentryGlobalFilter, setUser in the
// guard), and the error path's floor (`floor`: errorFloor.mjs behind a global filter). Plain JS: decorators are applied as functions, so the benchmark needs no build step.
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Req } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { authenticate, config, fail, ready } from './common.mjs';
import { nestVariant } from './nestVariant.mjs';

const { imports, providers, flush, setUser } = await nestVariant();

class AuthGuard {
  canActivate(context) {
    const req = context.switchToHttp().getRequest();
    req.user = authenticate(req.headers.authorization);
    // Sentry has no lazy resolver: the app sets the user on every request.
    if (setUser && req.user) setUser(req.user);
    return req.user !== undefined;
  }
}
Injectable()(AuthGuard);
providers.push({ provide: APP_GUARD, useClass: AuthGuard });

class AppController {
  hello(req) {
    if (config.mode === 'error') fail();
    return { hello: req.user.username };
  }
}
Req()(AppController.prototype, 'hello', 0);
Get()(
  AppController.prototype,
  'hello',
  Object.getOwnPropertyDescriptor(AppController.prototype, 'hello'),
);
Controller()(AppController);

class AppModule {}
Module({ imports, controllers: [AppController], providers })(AppModule);

const adapter =
  process.env.BENCH_PLATFORM === 'fastify'
    ? new (await import('@nestjs/platform-fastify')).FastifyAdapter()
    : undefined;
const app = adapter
  ? await NestFactory.create(AppModule, adapter, { logger: false })
  : await NestFactory.create(AppModule, { logger: false });
const floor = config.variant === 'floor' ? await nestFloor(app, adapter) : undefined;
await app.listen(0, '127.0.0.1');
ready(app.getHttpServer().address().port, floor?.flush ?? flush);

/**
 * The error path's floor on Nest (errorFloor.mjs): each request in its own AsyncLocalStorage
 * context from the platform's first hook, and a global filter that reports what answers ≥ 500,
 * then lets Nest answer as it would.
 */
async function nestFloor(app, fastify) {
  const { errorFloor } = await import('./errorFloor.mjs');
  const { BaseExceptionFilter } = await import('@nestjs/core');
  const floor = errorFloor(config.dsn, 'floor.nest');
  if (fastify) fastify.getInstance().addHook('onRequest', (_req, _reply, done) => floor.run(done));
  else app.use((_req, _res, next) => floor.run(next));
  class FloorFilter extends BaseExceptionFilter {
    catch(error, host) {
      if ((error?.getStatus?.() ?? 500) >= 500) {
        const req = host.switchToHttp().getRequest();
        const { method, headers, ip, user } = req;
        const url = `http://${headers.host}${req.originalUrl ?? req.url}`;
        const route = req.route?.path ?? req.routeOptions?.url;
        const transaction = route && `${method} ${route}`;
        floor.report(error, { method, url, headers, ip, user, transaction });
      }
      return super.catch(error, host);
    }
  }
  // biome-ignore lint/correctness/useHookAtTopLevel: Nest's method, not a React hook
  app.useGlobalFilters(new FloorFilter(app.getHttpAdapter()));
  return floor;
}
