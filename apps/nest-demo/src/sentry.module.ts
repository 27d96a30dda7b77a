// Sentry mode's Nest side, as Sentry's docs set it up: `SentryModule` (it traces each request) and
// `SentryGlobalFilter` (it captures what routes and resolvers throw). Loaded only in Sentry mode,
// after `Sentry.init` (./sentry.ts).
import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import * as Sentry from '@sentry/nestjs';
import { SentryGlobalFilter, SentryModule } from '@sentry/nestjs/setup';

@Module({
  imports: [SentryModule.forRoot()],
  providers: [
    {
      provide: APP_FILTER,
      // Given the HTTP adapter it answers through: built with `useClass`, Nest 12 warns at start-up
      // that the filter has no decorator metadata for its constructor (it then looks it up itself).
      useFactory: (host: HttpAdapterHost) => new SentryGlobalFilter(host.httpAdapter),
      inject: [HttpAdapterHost],
    },
  ],
})
export class DemoSentryModule implements OnApplicationShutdown {
  /** With `app.enableShutdownHooks()`: Sentry delivers what it captured before exit. */
  async onApplicationShutdown(): Promise<void> {
    await Sentry.close(2000);
  }
}
