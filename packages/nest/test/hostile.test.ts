// Hostile input on the Nest request path (Express and Fastify): the app with XModule must answer
// exactly as the bare app, never crash or leave an unhandled rejection, never believe a spoofed
// IP, and never send personal data without sendDefaultPii.
import 'reflect-metadata';
import {
  Controller,
  Get,
  type INestApplication,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestMiddleware,
  type NestModule,
} from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  expectNoPersonalData,
  expectSameAnswers,
  hostileUser,
  rawGet,
  recordingTransport,
  SPOOFED_IP,
  spoofedHeaders,
} from '@x/test-kit/hostile';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureMessage, close, flush, init, XModule } from '../src/index.js';

@Injectable()
class HostileAuth implements NestMiddleware {
  use(
    req: { headers: Record<string, string | undefined>; user?: unknown; raw?: { user?: unknown } },
    _res: unknown,
    next: () => void,
  ) {
    req.user = hostileUser(req.headers['x-user-kind']);
    next();
  }
}

@Controller()
class HostileController {
  @Get('ok')
  ok() {
    return { ok: true };
  }
  @Get('boom')
  boom(): never {
    throw new Error('boom');
  }
  @Get('message')
  message() {
    captureMessage('hello');
    return { ok: true };
  }
}

function moduleFor(withX: boolean) {
  @Module({
    imports: withX ? [XModule.forRoot({ initClient: false })] : [],
    controllers: [HostileController],
  })
  class AppModule implements NestModule {
    configure(consumer: MiddlewareConsumer) {
      consumer.apply(HostileAuth).forRoutes('*');
    }
  }
  return AppModule;
}

type Platform = 'express' | 'fastify';
async function start(
  platform: Platform,
  withX: boolean,
  trustProxy = false,
): Promise<{ app: INestApplication; url: string }> {
  const ref = await Test.createTestingModule({ imports: [moduleFor(withX)] }).compile();
  const app = ref.createNestApplication(
    platform === 'express' ? new ExpressAdapter() : new FastifyAdapter({ trustProxy }),
    {
      logger: false,
    },
  );
  if (platform === 'express' && trustProxy)
    (app as unknown as { set(k: string, v: unknown): void }).set('trust proxy', true);
  await app.listen(0, '127.0.0.1');
  return {
    app,
    url: (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1'),
  };
}

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
beforeAll(() => process.on('unhandledRejection', onRejection));
afterAll(() => process.off('unhandledRejection', onRejection));
afterEach(() => close(500));

describe.each(['express', 'fastify'] as Platform[])(
  '@x/nest on %s under hostile input',
  (platform) => {
    it('answers exactly as the bare app, for any headers and any auth user', async () => {
      const recorder = recordingTransport();
      init({ dsn: 'http://k@127.0.0.1:9/1', transport: recorder.transport, sendDefaultPii: false });
      const bare = await start(platform, false);
      const withX = await start(platform, true);
      const booms = await expectSameAnswers(bare.url, withX.url, 120);
      await Promise.all([bare.app.close(), withX.app.close()]);
      expect(await flush(5000)).toBe(true);
      const events = recorder.events();
      expect(events.filter((e) => e.exception)).toHaveLength(booms);
      expectNoPersonalData(recorder);
      expect(rejections).toEqual([]);
    }, 120_000);

    it('spoofed IP headers are never believed without trust proxy, and only X-Forwarded-For with it', async () => {
      const recorder = recordingTransport();
      init({ dsn: 'http://k@127.0.0.1:9/1', transport: recorder.transport, sendDefaultPii: true });
      const plain = await start(platform, true, false);
      const trusted = await start(platform, true, true);
      await rawGet(plain.url, '/boom', { ...spoofedHeaders(), 'x-user-kind': 'plain' });
      await rawGet(trusted.url, '/boom', {
        ...spoofedHeaders(),
        'x-forwarded-for': '203.0.113.4',
        'x-user-kind': 'plain',
      });
      await Promise.all([plain.app.close(), trusted.app.close()]);
      await flush(5000);
      const [a, b] = recorder.events();
      expect(a?.user).toMatchObject({ id: 'plain-user', ip_address: '127.0.0.1' });
      expect(b?.user).toMatchObject({ id: 'plain-user', ip_address: '203.0.113.4' });
      expect(recorder.text()).not.toContain(`"ip_address":"${SPOOFED_IP}"`);
    });
  },
);
