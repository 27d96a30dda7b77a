import {
  Body,
  Controller,
  Get,
  HttpCode,
  Post,
  Query,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DEMO_ROUTES, findAccount } from '@x/demo-kit/accounts';
import { captureMessage, getEventUser } from '@x/nest';
import { type Claims, OptionalJwtGuard } from './auth.js';

/** The demo contract. */
@Controller()
@UseGuards(OptionalJwtGuard)
export class DemoController {
  constructor(private readonly jwt: JwtService) {}

  @Get()
  index() {
    return { app: 'nest-demo', routes: DEMO_ROUTES };
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

  @Post('report')
  @HttpCode(200)
  report() {
    return { eventId: captureMessage('report from nest-demo', 'info') };
  }
}
