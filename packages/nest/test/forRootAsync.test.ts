import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { flush, getClient, XModule } from '../src/index.js';
import { startTestInbox, storedEvents } from './helpers.js';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(() => inbox.dispose());

@Controller()
class BoomController {
  @Get('boom')
  boom(): never {
    throw new Error('configured boom');
  }
}

it('forRootAsync takes its options from ConfigService', async () => {
  @Module({
    imports: [
      ConfigModule.forRoot({
        ignoreEnvFile: true,
        load: [() => ({ X_DSN: inbox.dsn, X_RELEASE: 'cfg@1' })],
      }),
      XModule.forRootAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          dsn: config.get<string>('X_DSN'),
          release: config.get<string>('X_RELEASE'),
          sendClientReports: false,
        }),
      }),
    ],
    controllers: [BoomController],
  })
  class AppModule {}

  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  expect(getClient()?.options.release).toBe('cfg@1');
  expect(getClient()?.options.sdk?.name).toBe('x.javascript.nest');
  const before = (await storedEvents(inbox)).length;
  expect((await fetch(`${url}/boom`)).status).toBe(500);
  await app.close(); // onApplicationShutdown flushes and closes the client
  expect(getClient()?.isEnabled()).toBe(false);
  expect(await flush(100)).toBe(true);
  const events = (await storedEvents(inbox)).slice(before);
  expect(events.map((e) => e.title)).toEqual(['Error: configured boom']);
});
