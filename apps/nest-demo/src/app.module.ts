import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { XModule } from '@x/nest';
import { type DemoUser, JWT_SECRET, JwtStrategy } from './auth.js';
import { DemoController } from './demo.controller.js';

const env = process.env;

@Module({
  imports: [
    XModule.forRoot({
      dsn: env.X_DSN ?? 'http://xinboxdevkey@127.0.0.1:8969/1',
      sendDefaultPii: (env.X_SEND_DEFAULT_PII ?? 'true') !== 'false',
      release: 'nest-demo@0.1.0',
      serverName: 'nest-demo',
      environment: 'development',
      // With a key, users are sent as pseudonyms (px_…); `subscription` is the one custom key kept.
      pseudonymizeUsers: env.X_PSEUDONYMIZE_KEY
        ? { key: env.X_PSEUDONYMIZE_KEY, allow: ['subscription'] }
        : undefined,
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
  ],
  controllers: [DemoController],
  providers: [JwtStrategy],
})
export class AppModule {}
