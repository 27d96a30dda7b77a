// A Koa route handler enqueues (the user from koa-jwt through @x/koa's middleware); a worker's
// failing job reports that user — with the request's IP only when the producer sends personal data.

import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { withJobScope, withUser } from '@x/bullmq';
import { init, koaMiddleware } from '@x/koa';
import { type Job, Queue, Worker } from 'bullmq';
import jsonwebtoken from 'jsonwebtoken';
import Koa from 'koa';
import jwt from 'koa-jwt';
import { expect, it } from 'vitest';
import { eventsAbout, KEY, queueName, settled, useBackends } from './helpers';

const SECRET = 'koa-bullmq-test-secret';
const dave = { sub: 'u-dave', username: 'dave', email: 'dave@example.com' };

const backends = useBackends('each');

/** A Koa app whose `POST /orders` enqueues `{ order }` on `queue` and answers the job id. */
async function listen(queue: Queue): Promise<{ url: string; server: Server }> {
  const app = new Koa();
  app.silent = true;
  app.use(koaMiddleware());
  app.use(jwt({ secret: SECRET, passthrough: true }));
  const router = new Router();
  router.post('/orders', async (ctx) => {
    ctx.body = { id: (await queue.add('invoice', { order: 'o-9' })).id };
  });
  app.use(router.routes());
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  backends.track({ close: () => new Promise((r) => server.close(r)) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const stored = { id: 'u-dave', username: 'dave', sentry_user: 'id:u-dave' };
it.each([
  [false, stored],
  [true, { ...stored, email: dave.email, ip_address: '127.0.0.1' }],
])('a route handler’s job carries the Bearer user (sendDefaultPii: %s)', async (pii, expected) => {
  init({
    dsn: backends.inbox.dsn,
    sendClientReports: false,
    sendDefaultPii: pii,
    propagationKey: KEY,
  });
  const marker = randomUUID();
  const name = queueName('koa');
  const queue = withUser(new Queue(name, { connection: backends.connection }));
  const processor = withJobScope(async (job: Job) => {
    throw new Error(`invoice ${job.data.order} failed ${marker}`);
  });
  backends.track(new Worker(name, processor, { connection: backends.connection }), queue);
  const { url } = await listen(queue);
  const res = await fetch(`${url}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${jsonwebtoken.sign(dave, SECRET)}` },
  });
  const { id } = (await res.json()) as { id: string };
  expect(await settled(queue, id)).toBe('failed');
  const [event] = await eventsAbout(backends.inbox, marker);
  expect(event?.user).toEqual(expected);
  expect(event?.transaction).toBe(`job ${name}/invoice`);
  expect(event?.request).toBeUndefined();
});
