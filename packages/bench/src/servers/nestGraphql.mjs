// Nest GraphQL (Express, Apollo driver, code-first with the schema built in memory) with a global
// auth guard setting the user on the GraphQL context's req, in three variants: bare, @x/nest
// (XModule, nothing else), @sentry/nestjs (SentryModule + SentryGlobalFilter, setUser in the
// guard). One query, `hello: String`, the user's username; in error mode it throws, and Apollo
// answers 200 with `errors`. Plain JS: decorators applied as functions with explicit type
// functions, so the code-first schema needs no emitted type metadata.
import 'reflect-metadata';
import { ApolloDriver } from '@nestjs/apollo';
import { Injectable, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { Context, GraphQLModule, Query, Resolver } from '@nestjs/graphql';
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
    // A resolver's arguments are (root, args, context, info); Nest's GraphQL context holds `req`.
    const req =
      context.getType() === 'graphql'
        ? context.getArgs()[2].req
        : context.switchToHttp().getRequest();
    req.user = authenticate(req.headers.authorization);
    if (setUser && req.user) setUser(req.user);
    return req.user !== undefined;
  }
}
Injectable()(AuthGuard);
providers.push({ provide: APP_GUARD, useClass: AuthGuard });

class HelloResolver {
  hello(req) {
    if (config.mode === 'error') fail();
    return req.user.username;
  }
}
Context('req')(HelloResolver.prototype, 'hello', 0);
Query(() => String)(
  HelloResolver.prototype,
  'hello',
  Object.getOwnPropertyDescriptor(HelloResolver.prototype, 'hello'),
);
Resolver()(HelloResolver);
providers.push(HelloResolver);

imports.push(
  GraphQLModule.forRoot({
    driver: ApolloDriver,
    autoSchemaFile: true,
    graphiql: false,
    includeStacktraceInErrorResponses: false,
  }),
);

class AppModule {}
Module({ imports, providers })(AppModule);

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
ready(app.getHttpServer().address().port, flush);
