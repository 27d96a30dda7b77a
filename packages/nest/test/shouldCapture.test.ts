// shouldCapture under core's contract: the status (an HttpException's own), the error, and
// Nest's ArgumentsHost of the context the error escaped from.
import 'reflect-metadata';
import type { ArgumentsHost } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { flush } from '../src/index.js';
import { appModule } from './app.js';
import { startTestInbox, storedEvents } from './helpers.js';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(() => inbox.dispose());

it('gets the status, the error and the ArgumentsHost; its answer decides', async () => {
  const seen: [number, string, string | undefined][] = [];
  const shouldCapture = (status: number, _error: unknown, host: ArgumentsHost) => {
    const path = host.getType() === 'http' ? host.switchToHttp().getRequest().url : undefined;
    seen.push([status, host.getType(), path]);
    return status === 403;
  };
  const moduleRef = await Test.createTestingModule({
    imports: [appModule({ dsn: inbox.dsn, sendClientReports: false, shouldCapture })],
  }).compile();
  const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  try {
    expect((await fetch(`${url}/forbidden`)).status).toBe(403);
    expect((await fetch(`${url}/boom`)).status).toBe(500);
    expect(await flush(5000)).toBe(true);
  } finally {
    await app.close();
  }
  expect(seen).toEqual([
    [403, 'http', '/forbidden'],
    [500, 'http', '/boom'],
  ]);
  expect((await storedEvents(inbox)).map((e) => e.title)).toEqual(['ForbiddenException: nope']);
});
