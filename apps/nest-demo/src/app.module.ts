import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { JwtModule } from '@nestjs/jwt';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { PassportModule } from '@nestjs/passport';
import { XModule } from '@x/nest';
import { type DemoUser, JWT_SECRET, JwtStrategy } from './auth.js';
import { DemoController, RPC_CLIENT } from './demo.controller.js';
import { DemoGateway } from './gateway.js';
import { DemoResolver } from './graphql.js';
import { JobsModule } from './jobs.module.js';
import { xSettings } from './settings.js';

@Module({
  imports: [
    XModule.forRoot({
      ...xSettings('nest-demo'),
      // The demo sends a custom field too, so it maps req.user itself.
      getUser: (req) => {
        const user = req.user as DemoUser | null | undefined;
        return (
          user && {
            id: user.id,
            username: user.username,
            email: user.email,
            subscription: user.subscription,
          }
        );
      },
    }),
    PassportModule,
    JwtModule.register({ secret: JWT_SECRET }),
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      autoSchemaFile: true,
      includeStacktraceInErrorResponses: false,
    }),
    // The microservice main.ts started; its port arrives in RPC_PORT.
    ClientsModule.register([
      {
        name: RPC_CLIENT,
        transport: Transport.TCP,
        options: { host: '127.0.0.1', port: Number(process.env.RPC_PORT ?? 3012) },
      },
    ]),
  ],
  controllers: [DemoController],
  providers: [JwtStrategy, DemoResolver, DemoGateway],
})
export class AppModule {
  /** The app with its background jobs on `connection`'s Redis (without one: jobs off). */
  static withJobs(connection: Parameters<typeof JobsModule.register>[0]): DynamicModule {
    return { module: AppModule, imports: [JobsModule.register(connection)] };
  }
}
