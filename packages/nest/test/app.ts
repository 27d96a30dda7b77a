// A small Nest app exercising every @x/nest feature, buildable on Express or Fastify.
import {
  type ArgumentsHost,
  BadRequestException,
  Catch,
  Controller,
  type ExceptionFilter,
  ForbiddenException,
  Get,
  HttpException,
  Injectable,
  Module,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import {
  BackgroundHandler,
  captureMessage,
  IsolationScope,
  type Scope,
  SkipCapture,
  setUser,
  UserMapping,
  XModule,
  type XModuleOptions,
} from '../src/index.js';

export const SECRET = 'nest-test-secret';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: SECRET });
  }
  validate(payload: { sub: string; username: string; email?: string; plan?: string }) {
    return {
      id: payload.sub,
      username: payload.username,
      email: payload.email,
      plan: payload.plan,
    };
  }
}

/** JWT when present; anonymous otherwise. */
@Injectable()
export class OptionalJwtGuard extends AuthGuard('jwt') {
  override handleRequest<T>(_err: unknown, user: T): T {
    return (user || null) as T;
  }
}

@Injectable()
export class JobService {
  @BackgroundHandler({
    user: (job) => ({ id: (job as { owner: string }).owner }),
    tags: { job: 'invoice' },
  })
  async runInvoice(_job: { owner: string }): Promise<void> {
    await new Promise((r) => setTimeout(r, 20));
    throw new Error('invoice job failed');
  }
}

@Controller()
@UseGuards(OptionalJwtGuard)
export class TestController {
  constructor(private readonly jobs: JobService) {}

  @Get('boom')
  boom(@Query('delay') delay?: string): Promise<never> | never {
    if (!delay) throw new Error('boom');
    return new Promise((_, reject) =>
      setTimeout(() => reject(new Error('async boom')), Number(delay)),
    );
  }

  @Get('http500')
  http500(): never {
    throw new HttpException('upstream broke', 502);
  }

  @Get('forbidden')
  forbidden(): never {
    throw new ForbiddenException('nope');
  }

  @Get('bad')
  bad(): never {
    throw new BadRequestException('bad input');
  }

  @Get('explicit')
  explicit(@IsolationScope() scope: Scope): never {
    scope.setTag('route', 'explicit');
    setUser({ email: 'override@example.com', plan: 'gold' });
    throw new Error('explicit');
  }

  @Get('cleared')
  cleared(): never {
    setUser(null);
    throw new Error('cleared');
  }

  @Get('mapped')
  @UserMapping((req) => ({
    id: `mapped:${(req.user as { id?: string } | null)?.id ?? 'anon'}`,
    team: 'blue',
  }))
  mapped(): never {
    throw new Error('mapped');
  }

  @Get('skipped')
  @SkipCapture()
  skipped(): never {
    throw new Error('skipped');
  }

  @Get('report')
  report() {
    return { id: captureMessage('report') };
  }

  @Get('job')
  job(@Query('owner') owner: string) {
    setTimeout(() => void this.jobs.runInvoice({ owner }).catch(() => undefined), 5);
    return { started: true };
  }
}

/** A guard that crashes: its error never reaches interceptors. */
@Injectable()
class CrashingGuard {
  canActivate(): boolean {
    throw new Error('guard crashed');
  }
}

@Controller('guarded')
@UseGuards(CrashingGuard)
export class GuardedController {
  @Get()
  get() {
    return 'unreachable';
  }
}

/** An app-defined global filter, as many apps have. */
@Catch()
export class AppFilter implements ExceptionFilter {
  static seen: unknown[] = [];
  catch(exception: unknown, host: ArgumentsHost) {
    AppFilter.seen.push(exception);
    const ctx = host.switchToHttp();
    const res = ctx.getResponse();
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    const body = { handledBy: 'AppFilter', status };
    // Express and Fastify replies differ.
    if (typeof res.code === 'function') res.code(status).send(body);
    else res.status(status).json(body);
  }
}

/** A controller- or route-scoped filter with its own answer: global filters never see its errors. */
@Catch()
export class ScopedFilter implements ExceptionFilter {
  catch(_exception: unknown, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse();
    const body = { handledBy: 'ScopedFilter' };
    if (typeof res.code === 'function') res.code(500).send(body);
    else res.status(500).json(body);
  }
}

@Controller('scoped')
@UseGuards(OptionalJwtGuard)
@UseFilters(ScopedFilter)
export class ScopedFilterController {
  @Get()
  get(): never {
    throw new Error('controller-scoped filter');
  }
}

@Controller('route-filter')
@UseGuards(OptionalJwtGuard)
export class RouteFilterController {
  @Get()
  @UseFilters(ScopedFilter)
  get(): never {
    throw new Error('route-scoped filter');
  }

  @Get('none')
  none(): never {
    throw new Error('no scoped filter');
  }
}

/** One handler two controllers inherit; each names its own team with a class-level mapping. */
@UseGuards(OptionalJwtGuard)
class TeamController {
  @Get()
  team(): never {
    throw new Error('team');
  }
}

@Controller('team-a')
@UserMapping((req) => ({ id: `a:${(req.user as { id?: string } | null)?.id}` }))
export class TeamAController extends TeamController {}

@Controller('team-b')
@UserMapping((req) => ({ id: `b:${(req.user as { id?: string } | null)?.id}` }))
export class TeamBController extends TeamController {}

export function appModule(options: XModuleOptions) {
  @Module({
    imports: [XModule.forRoot(options), PassportModule],
    controllers: [
      TestController,
      GuardedController,
      ScopedFilterController,
      RouteFilterController,
      TeamAController,
      TeamBController,
    ],
    providers: [JwtStrategy, JobService],
  })
  class AppModule {}
  return AppModule;
}
