// Nest GraphQL (Express, Apollo driver, code-first with the schema built in memory) with a global
// auth guard setting the user on the GraphQL context's req, in three variants: bare, @x/nest
// (XModule, nothing else), @sentry/nestjs (SentryModule + SentryGlobalFilter, setUser in the
// guard). One query, `hello: String`, the user's username; in error mode it throws, and Apollo
// answers 200 with `errors`. Plain JS: decorators applied as functions with explicit type
// functions, so the code-first schema needs no emitted type metadata.
import 'reflect-metadata';
import { ApolloDriver } from '@nestjs/apollo';
import { Injectable, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { Context, GraphQLModule, Query, Resolver } from '@nestjs/graphql';
import { authenticate, config, fail, ready } from './common.mjs';
import { nestVariant } from './nestVariant.mjs';

const { imports, providers, flush, setUser } = await nestVariant();

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
