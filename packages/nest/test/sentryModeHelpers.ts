// What the Sentry-mode tests share: a Nest app as Sentry's docs set it up (`SentryModule.forRoot()`,
// `SentryGlobalFilter`) with a passport JWT guard and routes that throw — with @x's module in Sentry
// mode, or without @x and with the user code Nest apps write for Sentry; Sentry's real node
// transport to a real inbox with a copy of every envelope kept in memory; the burst of logged-in
// requests and its tally.
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
import type { StoredEvent } from '@x/test-kit/inbox';
import jsonwebtoken from 'jsonwebtoken';
import { XModule, type XModuleOptions } from '../src/index.js';
import { JwtStrategy, OptionalJwtGuard, SECRET } from './app.js';

/** Requests per burst: 1,200, or 120 on the runs that skip the packed tests (other Node versions). */
export const COUNT = process.env.X_PACKED_SKIP ? 120 : 1200;

/** The three users of the bursts, as JWT claims (the strategy maps `sub` to `id`). */
export const USERS = [
  { sub: 'u-ada', username: 'ada', email: 'ada@example.com' },
  { sub: 'u-bob', username: 'bob', email: 'bob@example.com' },
  { sub: 'u-cyd', username: 'cyd', email: 'cyd@example.com' },
] as const;
/** `Authorization` headers of the three users (signed once). */
export const BEARERS = USERS.map((user) => `Bearer ${jsonwebtoken.sign(user, SECRET)}`);

/** A sent envelope's items: `[header, payload]`. */
type Items = [{ type?: string }, unknown][];
/** What Sentry sent (a copy, beside the inbox). */
export interface Sent {
  events: Record<string, unknown>[];
  transactions: Record<string, unknown>[];
}

/** Sentry's own node transport (to the inbox), with a copy of what it sends kept in `sent`. */
function teeTransport(sent: Sent): NonNullable<Sentry.NodeOptions['transport']> {
  return (options) => {
    const transport = Sentry.makeNodeTransport(options);
    return {
      send(envelope) {
        for (const [header, payload] of envelope[1] as unknown as Items) {
          if (header.type === 'event') sent.events.push(payload as Record<string, unknown>);
          if (header.type === 'transaction') {
            sent.transactions.push(payload as Record<string, unknown>);
          }
        }
        return transport.send(envelope);
      },
      flush: (timeout) => transport.flush(timeout),
    };
  };
}

/** Sentry's init in these tests: the app's, plus a transport copy and room for a burst. */
export function sentryOptions(
  dsn: string,
  sent: Sent,
  options: Sentry.NodeOptions = {},
): Sentry.NodeOptions {
  return {
    dsn,
    transport: teeTransport(sent),
    // Sentry holds 64 events in flight by default and drops the rest of a burst of errors.
    transportOptions: { bufferSize: 10_000 },
    // No module-loader hooks in the test worker (Nest is imported before Sentry.init here).
    registerEsmLoaderHooks: false,
    ...options,
  };
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

/** The app, listening on 127.0.0.1. */
export async function startApp(shape: AppShape): Promise<{ app: INestApplication; url: string }> {
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
  return { app, url };
}

/** Request `i` of a burst: by user `i % 3`, or as it says. */
export interface BurstRequest {
  path?: string;
  headers?: Record<string, string>;
}

/**
 * `count` requests to `url`, `concurrency` in flight: request `i` is `/boom?tag=<tag>&i=<i>` with
 * user `i % 3`'s token unless `request(i)` says otherwise. Resolves with the statuses.
 */
export async function burst(
  url: string,
  tag: string,
  count: number,
  request: (i: number) => BurstRequest = () => ({}),
  concurrency = 64,
): Promise<number[]> {
  const statuses: number[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const { path = '/boom', headers = { authorization: BEARERS[i % 3] as string } } = request(i);
      const res = await fetch(`${url}${path}?tag=${tag}&i=${i}`, { headers });
      await res.arrayBuffer();
      statuses[i] = res.status;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return statuses;
}

/** How the events of a burst came out, per request. */
export interface Tally {
  own: number;
  foreign: number;
  none: number;
  lost: number;
  duplicates: number;
}

/** The request index of an event of burst `tag` (`boom <tag>-<i>` ends its title). */
function requestIndex(title: string, tag: string): number | undefined {
  const match = new RegExp(`boom ${tag}-(\\d+)$`).exec(title);
  return match ? Number(match[1]) : undefined;
}

/**
 * Sorts the inbox's events of burst `tag` by request: the request whose event carries
 * `expected(i)` as `user.id` counts as own, another id as foreign, no id as none; a request
 * without an event as lost, one with more as duplicates.
 */
export function tally(
  events: readonly StoredEvent[],
  tag: string,
  count: number,
  expected: (i: number) => string | undefined = (i) => USERS[i % 3]?.sub,
): Tally {
  const byRequest = new Map<number, StoredEvent[]>();
  for (const event of events) {
    const i = requestIndex(event.title, tag);
    if (i !== undefined) byRequest.set(i, [...(byRequest.get(i) ?? []), event]);
  }
  const out: Tally = { own: 0, foreign: 0, none: 0, lost: 0, duplicates: 0 };
  for (let i = 0; i < count; i++) {
    const [event, ...more] = byRequest.get(i) ?? [];
    out.duplicates += more.length;
    if (!event) out.lost++;
    else if (event.user?.id === undefined) out.none++;
    else if (event.user.id === expected(i)) out.own++;
    else out.foreign++;
  }
  return out;
}

/** The stored user of the one event of request `i` of burst `tag` (without the inbox's key). */
export function userOf(events: readonly StoredEvent[], tag: string, i = 0) {
  const matching = events.filter((event) => requestIndex(event.title, tag) === i);
  if (matching.length !== 1) throw new Error(`${matching.length} events of ${tag}-${i}`);
  const user = matching[0]?.user;
  if (!user) return null;
  const { sentry_user: _key, ...rest } = user;
  return rest;
}
