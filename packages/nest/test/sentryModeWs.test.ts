// Sentry mode for gateway messages: a socket.io gateway whose connections sign in at the handshake,
// `XModule.forRoot({ sentry: true })`, and Sentry's `SentryGlobalFilter` on the gateway (Nest gives
// gateways no global filter) — the real @sentry/nestjs with `xUserIntegration()`, no default
// integrations (Sentry then builds each event synchronously inside the filter's capture). Each
// message is @x's unit of work, with its connection's user.
import 'reflect-metadata';
import { Module, UseFilters } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  MessageBody,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import * as Sentry from '@sentry/nestjs';
import { SentryGlobalFilter } from '@sentry/nestjs/setup';
import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { XModule } from '../src/index.js';
import { sentryToNowhere } from './sentryModeHelpers.js';

const sent = sentryToNowhere();

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@WebSocketGateway()
@UseFilters(new SentryGlobalFilter())
class JobsGateway implements OnGatewayInit {
  afterInit(server: { use(fn: (socket: never, next: () => void) => void): void }) {
    // The connection's user, from its handshake (an app verifies a token here).
    server.use((socket: { handshake: { auth: { sub?: string } }; data: object }, next) => {
      Object.assign(socket.data, { user: { sub: socket.handshake.auth.sub } });
      next();
    });
  }

  @SubscribeMessage('run')
  async run(@MessageBody() body: { i: number }): Promise<never> {
    await pause(Math.random() * 3);
    throw new Error(`ws job ${body.i} failed`);
  }
}

@Module({ imports: [XModule.forRoot({ sentry: true })], providers: [JobsGateway] })
class WsModule {}

describe('Sentry mode, a socket.io gateway', () => {
  it('300 interleaved messages on 3 users’ connections that throw: each Sentry event its connection’s user', async () => {
    const app = await NestFactory.create(WsModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl())
      .replace('[::1]', '127.0.0.1')
      .replace('localhost', '127.0.0.1');
    const subs = ['w-ada', 'w-bob', 'w-cyd'];
    const sockets = subs.map((sub) => io(url, { auth: { sub }, transports: ['websocket'] }));
    try {
      await Promise.all(
        sockets.map((s) => new Promise<void>((resolve) => s.once('connect', () => resolve()))),
      );
      let answers = 0;
      for (const socket of sockets) socket.on('exception', () => answers++);
      for (let i = 0; i < 300; i++) sockets[i % 3]?.emit('run', { i });
      const deadline = Date.now() + 10_000;
      while (answers < 300 && Date.now() < deadline) await pause(10);
      expect(answers).toBe(300);
    } finally {
      for (const socket of sockets) socket.disconnect();
      await app.close();
    }
    expect(await Sentry.flush(10_000)).toBe(true);
    const users = new Map<number, unknown[]>();
    for (const event of sent.events) {
      const value = (event.exception as { values: { value?: string }[] }).values[0]?.value ?? '';
      const i = Number(/^ws job (\d+) failed$/.exec(value)?.[1]);
      const id = (event.user as { id?: unknown } | undefined)?.id;
      if (!Number.isNaN(i)) users.set(i, [...(users.get(i) ?? []), id]);
    }
    const wrong = Array.from({ length: 300 }, (_, i) => i).filter(
      (i) => JSON.stringify(users.get(i)) !== JSON.stringify([subs[i % 3]]),
    );
    expect(wrong).toEqual([]);
  });
});
