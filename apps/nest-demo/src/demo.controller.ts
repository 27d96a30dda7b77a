import {
  BadGatewayException,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Optional,
  Post,
  Query,
  ServiceUnavailableException,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { ClientProxy } from '@nestjs/microservices';
import { DEMO_ROUTES, findAccount } from '@x/demo-kit/accounts';
import { JOBS_ROUTE } from '@x/demo-kit/jobs';
import { captureMessage, getEventUser, SkipCapture, withUser } from '@x/nest';
import { firstValueFrom } from 'rxjs';
import { type Claims, OptionalJwtGuard } from './auth.js';

/** Injection token of the client of the demo's TCP microservice. */
export const RPC_CLIENT = 'RPC';
/** Injection token of what sends `POST /report`'s message in Sentry mode (Sentry's `captureMessage`). */
export const SENTRY_REPORT = 'SENTRY_REPORT';

/** The demo contract. */
@Controller()
@UseGuards(OptionalJwtGuard)
export class DemoController {
  private readonly rpc: ClientProxy | undefined;

  constructor(
    private readonly jwt: JwtService,
    // None in Sentry mode: the microservice reports through @x's own client, so it is off there.
    @Optional() @Inject(RPC_CLIENT) rpc?: ClientProxy,
    @Optional() @Inject(SENTRY_REPORT) private readonly sentryReport?: (message: string) => string,
  ) {
    // Every message this client sends carries the caller's user, signed (X_PROPAGATION_KEY).
    this.rpc = rpc && withUser(rpc);
  }

  /** The microservice's client; 503 without one (Sentry mode). */
  private rpcClient(): ClientProxy {
    if (!this.rpc) throw new ServiceUnavailableException('the microservice is off in Sentry mode');
    return this.rpc;
  }

  @Get()
  index() {
    return {
      app: 'nest-demo',
      routes: [
        ...DEMO_ROUTES,
        'POST /graphql (query Boom { boom }, { whoami { id username email } })',
        'socket.io: boom, whoami',
        'GET /rpc/boom',
        'GET /rpc/whoami',
        JOBS_ROUTE,
      ],
    };
  }

  @Post('login')
  @HttpCode(200)
  login(@Body() body: { username?: unknown; password?: unknown } = {}) {
    const account = findAccount(body?.username, body?.password);
    if (!account) throw new UnauthorizedException('invalid username or password');
    const claims: Claims = {
      sub: account.id,
      username: account.username,
      email: account.email,
      subscription: account.subscription,
    };
    return { token: this.jwt.sign(claims, { expiresIn: '12h' }) };
  }

  @Get('whoami')
  async whoami() {
    return { user: await getEventUser() };
  }

  @Get('boom')
  boom(): never {
    throw new Error('boom');
  }

  @Get('boom/async')
  async boomAsync(@Query('delay') delay?: string): Promise<never> {
    await new Promise((resolve) => setTimeout(resolve, Math.min(Number(delay) || 0, 10_000)));
    throw new Error('boom');
  }

  /** Calls the microservice's `{ cmd: 'boom' }`; its event carries this request's user. */
  @Get('rpc/boom')
  @SkipCapture() // the microservice reports the failure; this route only answers 502
  async rpcBoom(@Query('tag') tag?: string): Promise<never> {
    const rpc = this.rpcClient();
    try {
      await firstValueFrom(rpc.send({ cmd: 'boom' }, tag ? { tag } : {}));
    } catch {
      // what the caller receives: Nest's `{ status: 'error', message }`
    }
    throw new BadGatewayException('the microservice failed');
  }

  /** The user the microservice sees for this request (travelled, signed). */
  @Get('rpc/whoami')
  async rpcWhoami(): Promise<unknown> {
    return firstValueFrom(this.rpcClient().send({ cmd: 'whoami' }, {}));
  }

  @Post('report')
  @HttpCode(200)
  report() {
    const message = 'report from nest-demo';
    // Sentry mode: Sentry sends it (with @x's user); otherwise @x does.
    return {
      eventId: this.sentryReport ? this.sentryReport(message) : captureMessage(message, 'info'),
    };
  }
}
