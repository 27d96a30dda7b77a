// Nest hello-world (Express, or Fastify with BENCH_PLATFORM=fastify) with a global auth guard setting req.user, in three variants:
// bare, @x/nest (XModule), @sentry/nestjs (SentryModule + SentryGlobalFilter, setUser in the
// guard). Plain JS: decorators are applied as functions, so the benchmark needs no build step.
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Req } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { authenticate, config, fail, ready } from './common.mjs';

const imports = [];
const providers = [];
let flush;
let setUser;
if (config.variant === 'x') {
  const x = await import('@x/nest');
  imports.push(x.XModule.forRoot({ dsn: config.dsn, sendDefaultPii: true, release: 'bench@1' }));
  flush = () => x.flush(10_000);
} else if (config.variant === 'sentry') {
  const Sentry = await import('@sentry/nestjs');
  const { SentryGlobalFilter, SentryModule } = await import('@sentry/nestjs/setup');
  imports.push(SentryModule.forRoot());
  providers.push({ provide: APP_FILTER, useClass: SentryGlobalFilter });
  flush = () => Sentry.flush(10_000);
  setUser = Sentry.setUser;
}

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
await app.listen(0, '127.0.0.1');
ready(app.getHttpServer().address().port, flush);
