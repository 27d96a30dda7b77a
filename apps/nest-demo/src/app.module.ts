import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { JwtModule } from '@nestjs/jwt';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { PassportModule } from '@nestjs/passport';
import { XModule, type XModuleOptions } from '@x/nest';
import { type DemoUser, JWT_SECRET, JwtStrategy } from './auth.js';
import { DemoController, RPC_CLIENT, SENTRY_REPORT } from './demo.controller.js';
import { DemoGateway } from './gateway.js';
import { DemoResolver } from './graphql.js';
import { JobsModule } from './jobs.module.js';
import { xSettings } from './settings.js';

/** The demo sends a custom field too, so it maps `req.user` itself (both modes). */
const demoUser: XModuleOptions['getUser'] = (req) => {
  const user = req.user as DemoUser | null | undefined;
  return (
    user && {
      id: user.id,
      username: user.username,
      email: user.email,
      subscription: user.subscription,
    }
  );
};

/** How main.ts puts the app together. */
export interface AppParts {
  /** The jobs' Redis; none: the jobs part is off (a route says so). */
  jobs: Parameters<typeof JobsModule.register>[0];
  /**
   * Sentry mode: Sentry's Nest module (./sentry.module.ts, loaded after `Sentry.init`) and what
   * sends `POST /report`'s message. None: @x's own mode.
   */
  sentry?: { module: Type; report: (message: string) => string } | undefined;
}

@Module({
  controllers: [DemoController],
  providers: [JwtStrategy, DemoResolver, DemoGateway],
})
export class AppModule {
  /** The app in @x's own mode, or in Sentry mode (`parts.sentry`). */
  static create({ jobs, sentry }: AppParts): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...(sentry
          ? // Sentry captures and sends; @x is not init()ed and supplies each event's user.
            [sentry.module, XModule.forRoot({ sentry: true, getUser: demoUser })]
          : [XModule.forRoot({ ...xSettings('nest-demo'), getUser: demoUser })]),
        PassportModule,
        JwtModule.register({ secret: JWT_SECRET }),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: true,
          includeStacktraceInErrorResponses: false,
        }),
        // The microservice main.ts started; its port arrives in RPC_PORT. It reports through @x's
        // own client, so Sentry mode has none (the /rpc routes answer 503).
        ...(sentry
          ? []
          : [
              ClientsModule.register([
                {
                  name: RPC_CLIENT,
                  transport: Transport.TCP,
                  options: { host: '127.0.0.1', port: Number(process.env.RPC_PORT ?? 3012) },
                },
              ]),
            ]),
        JobsModule.register(jobs),
      ],
      providers: sentry ? [{ provide: SENTRY_REPORT, useValue: sentry.report }] : [],
    };
  }
}
