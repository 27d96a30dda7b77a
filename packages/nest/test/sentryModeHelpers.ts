// What the Nest Sentry-mode tests share beyond @x/test-kit/sentry-mode: a Nest app as Sentry's
// docs set it up (`SentryModule.forRoot()`, `SentryGlobalFilter`) with a passport JWT guard and
// routes that throw — with @x's module in Sentry mode, or without @x and with the user code Nest
// apps write for Sentry — the users' tokens for it and @sentry/nestjs's init (to a test inbox, or
// to nowhere).
import 'reflect-metadata';
import {
  type CallHandler,
  Controller,
  type ExecutionContext,
  Get,
  type INestApplication,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestInterceptor,
  type NestMiddleware,
  type NestModule,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import * as Sentry from '@sentry/nestjs';
import { SentryGlobalFilter, SentryModule } from '@sentry/nestjs/setup';
import {
  bearers,
  burstWith,
  newSent,
  type Sent,
  sentryTestOptions,
  sentryWithInbox,
} from '@x/test-kit/sentry-mode';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll } from 'vitest';
import { XModule, type XModuleOptions } from '../src/index.js';
import { xUserIntegration } from '../src/sentry.js';
import { JwtStrategy, OptionalJwtGuard, SECRET } from './app.js';

/** `Authorization` headers of the three `USERS`, as JWTs (the strategy maps `sub` to `id`). */
export const BEARERS = bearers((user) => jsonwebtoken.sign(user, SECRET));
/** A burst of requests of the three users (see @x/test-kit/sentry-mode's `Burst`). */
export const burst = burstWith(BEARERS);

/** @sentry/nestjs inited with `options`, sending to `dsn` with a copy kept in `sent`. */
function initSentry(dsn: string, sent: Sent, options: Sentry.NodeOptions): void {
  // No module-loader hooks in the test worker (Nest is imported before Sentry.init here).
  const app = { registerEsmLoaderHooks: false, ...options };
  Sentry.init(sentryTestOptions(Sentry.makeNodeTransport, dsn, sent, app));
}

/**
 * For the calling test file: @sentry/nestjs inited with `options`, to a test inbox (see
 * `sentryWithInbox`).
 */
export const sentryToInbox = (options: Sentry.NodeOptions = {}) =>
  sentryWithInbox(Sentry, (dsn, sent) => initSentry(dsn, sent, options));

/**
 * For the calling test file: @sentry/nestjs with `xUserIntegration()` and no default integrations
 * (then no processor before @x's waits for anything — source lines, the OS's context — and Sentry
 * builds each event synchronously inside its filter's capture: the tightest case for finding the
 * message's unit), its own transport to nowhere it can reach: the copy it returns is what is read.
 * Closed after the file's tests.
 */
export function sentryToNowhere(): Sent {
  const sent = newSent();
  beforeAll(() => {
    initSentry('http://key@127.0.0.1:9/1', sent, {
      defaultIntegrations: false,
      integrations: [xUserIntegration()],
    });
  });
  afterAll(() => Sentry.close(2000));
  return sent;
}

/** How the app is put together. */
export interface AppShape {
  platform: 'express' | 'fastify';
  /** @x's module in Sentry mode (its options); none: the app without @x. */
  x?: XModuleOptions | undefined;
  /** Without @x: where the app calls `Sentry.setUser(req.user)` (a middleware runs before guards). */
  sentryUser?: 'interceptor' | 'middleware' | undefined;
  /** Express's `trust proxy` / Fastify's `trustProxy`: `true`, or the proxy's address. */
  trustProxy?: boolean | string | undefined;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface AuthRequest {
  user?: { id?: string; username?: string } | null;
  raw?: { user?: unknown };
  ip?: string;
}

/** `/boom` throws `Error("boom <tag>-<i>")` after a random pause; `/explicit` calls Sentry.setUser first. */
@Controller()
@UseGuards(OptionalJwtGuard)
class BurstController {
  @Get('boom')
  async boom(@Query('tag') tag: string, @Query('i') i: string): Promise<never> {
    await pause(Math.random() * 3);
    throw new Error(`boom ${tag}-${i}`);
  }

  @Get('explicit')
  async explicit(@Query('tag') tag: string, @Query('i') i: string): Promise<never> {
    await pause(Math.random() * 3);
    Sentry.setUser({ id: `explicit-${i}`, segment: 'set-by-app' });
    throw new Error(`boom ${tag}-${i}`);
  }

  @Get('ip')
  ip(@Req() req: AuthRequest) {
    return { ip: req.ip };
  }

  @Get()
  root() {
    return 'ok';
  }
}

function setSentryUser(req: AuthRequest): void {
  const user = req.user ?? (req.raw?.user as AuthRequest['user']);
  if (user?.id) Sentry.setUser({ id: user.id, username: user.username ?? '' });
}

/** What apps write for Sentry alone: the user, after the guards. */
@Injectable()
class SentryUserInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler) {
    setSentryUser(context.switchToHttp().getRequest());
    return next.handle();
  }
}

/** The same in a middleware: it runs before the guards, so there is no user yet. */
@Injectable()
class SentryUserMiddleware implements NestMiddleware {
  use(req: AuthRequest, _res: unknown, next: () => void): void {
    setSentryUser(req);
    next();
  }
}

/** The app's root module, as Sentry's docs and (with `shape.x`) @x's README set it up. */
function appModule(shape: AppShape) {
  @Module({
    imports: [
      SentryModule.forRoot(),
      PassportModule,
      ...(shape.x ? [XModule.forRoot(shape.x)] : []),
    ],
    controllers: [BurstController],
    providers: [
      { provide: APP_FILTER, useClass: SentryGlobalFilter },
      JwtStrategy,
      ...(shape.sentryUser === 'interceptor'
        ? [{ provide: APP_INTERCEPTOR, useClass: SentryUserInterceptor }]
        : []),
    ],
  })
  class AppModule implements NestModule {
    configure(consumer: MiddlewareConsumer): void {
      if (shape.sentryUser === 'middleware') consumer.apply(SentryUserMiddleware).forRoutes('*');
    }
  }
  return AppModule;
}

/** The app, listening on 127.0.0.1; `close` closes it. */
export async function startApp(
  shape: AppShape,
): Promise<{ app: INestApplication; url: string; close(): Promise<void> }> {
  const adapter =
    shape.platform === 'express'
      ? new ExpressAdapter()
      : new FastifyAdapter({ trustProxy: shape.trustProxy ?? false });
  const app = await NestFactory.create(appModule(shape), adapter, { logger: false });
  if (shape.platform === 'express' && shape.trustProxy !== undefined) {
    (app as unknown as { set(key: string, value: unknown): void }).set(
      'trust proxy',
      shape.trustProxy,
    );
  }
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url, close: () => app.close() };
}
