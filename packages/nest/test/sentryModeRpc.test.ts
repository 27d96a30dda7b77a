// Sentry mode for microservice handlers: a real TCP microservice with `XModule.forRoot({ sentry:
// true })` and Sentry's `SentryGlobalFilter` as its global filter, the real @sentry/nestjs with
// `xUserIntegration()`. Each message is @x's unit of work; its handler sets the unit's user with
// @x's `setUser` and throws; Sentry's filter captures it (its rpc branch) — outside any HTTP
// request, so Sentry has no request scope of its own there — and the event carries that user.
import type { AddressInfo, Server } from 'node:net';
import { Controller, Module } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import {
  ClientProxyFactory,
  MessagePattern,
  type MicroserviceOptions,
  Payload,
  Transport,
} from '@nestjs/microservices';
import * as Sentry from '@sentry/nestjs';
import { SentryGlobalFilter } from '@sentry/nestjs/setup';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { setUser, XModule } from '../src/index.js';
import { sentryToNowhere } from './sentryModeHelpers.js';

const sent = sentryToNowhere();

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Controller()
class JobsController {
  @MessagePattern('run')
  async run(@Payload() data: { who: string; i: number }): Promise<never> {
    setUser({ id: data.who });
    await pause(Math.random() * 3);
    throw new Error(`job ${data.i} failed`);
  }
}

@Module({
  imports: [XModule.forRoot({ sentry: true })],
  controllers: [JobsController],
  providers: [{ provide: APP_FILTER, useClass: SentryGlobalFilter }],
})
class JobsModule {}

describe('Sentry mode, a TCP microservice', () => {
  it('300 overlapping messages of 3 users that throw: each Sentry event its own message’s user', async () => {
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(JobsModule, {
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port: 0 },
      logger: false,
    });
    await app.listen();
    const port = (app.unwrap<Server>().address() as AddressInfo).port;
    const client = ClientProxyFactory.create({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port },
    });
    const who = (i: number) => ['m-ada', 'm-bob', 'm-cyd'][i % 3] as string;
    try {
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          firstValueFrom(client.send('run', { who: who(i), i })).catch(() => undefined),
        ),
      );
    } finally {
      client.close();
      await app.close();
    }
    expect(await Sentry.flush(10_000)).toBe(true);
    const users = new Map<number, unknown[]>();
    for (const event of sent.events) {
      const value = (event.exception as { values: { value?: string }[] }).values[0]?.value ?? '';
      const i = Number(/^job (\d+) failed$/.exec(value)?.[1]);
      const id = (event.user as { id?: unknown } | undefined)?.id;
      if (!Number.isNaN(i)) users.set(i, [...(users.get(i) ?? []), id]);
    }
    const wrong = Array.from({ length: 300 }, (_, i) => i).filter(
      (i) => JSON.stringify(users.get(i)) !== JSON.stringify([who(i)]),
    );
    expect(wrong).toEqual([]);
  });
});
