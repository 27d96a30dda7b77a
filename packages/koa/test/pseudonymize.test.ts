// pseudonymizeUsers through the Koa middleware: nothing raw of the user on the wire, and the
// inbox still counts people.
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import { close, flush, init, koaMiddleware } from '@x/koa';
import {
  type EnvelopeTap,
  expectTwoPseudonymousPeople,
  startEnvelopeTap,
} from '@x/test-kit/envelope-tap';
import Koa from 'koa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listen, startTestInbox, storedEvents } from './helpers';

const KEY = 'koa-test-pseudonymize-key-0123456789';
let inbox: Awaited<ReturnType<typeof startTestInbox>>;
let tap: EnvelopeTap;
beforeAll(async () => {
  inbox = await startTestInbox();
  tap = await startEnvelopeTap(inbox.dsn);
});
afterAll(async () => {
  await close(2000);
  await tap.close();
  await inbox.dispose();
});

/** People made up per run, so no raw value can come from this file's source (context lines). */
const person = () => {
  const id = randomUUID();
  return { id: `u-${id}`, username: `name-${id}`, email: `${id}@example.com`, note: `n-${id}` };
};

it('sends pseudonyms only, and the inbox counts two people who hit an error three times as 2', async () => {
  init({
    dsn: tap.dsn,
    sendDefaultPii: true,
    sendClientReports: false,
    pseudonymizeUsers: { key: KEY },
  });
  const people = new Map([
    ['token-a', person()],
    ['token-b', person()],
  ]);
  const app = new Koa();
  app.silent = true;
  app.use(koaMiddleware({ getUser: (ctx) => people.get(ctx.get('authorization').slice(7)) }));
  const router = new Router();
  router.get('/boom', () => {
    throw new Error('koa pseudonymized boom');
  });
  app.use(router.routes());
  const server = await listen(app);
  try {
    for (const token of ['token-a', 'token-b', 'token-a']) {
      const res = await fetch(`${server.url}/boom`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(500);
    }
  } finally {
    await server.close();
  }
  expect(await flush(5000)).toBe(true);

  const events = (await storedEvents(inbox)).filter((e) => e.title.includes('koa pseudonymized'));
  expect(events).toHaveLength(3);
  for (const event of events) {
    expect(Object.keys(event.user ?? {}).sort()).toEqual([
      'email',
      'id',
      'ip_address',
      'sentry_user',
      'username',
    ]);
    expect(event.user_key).toMatch(/^id:px_[0-9a-f]{32}$/);
  }
  await expectTwoPseudonymousPeople(
    inbox,
    tap,
    events,
    [...people.values()].flatMap((p) => [p.id, p.username, p.email, p.note, p.id.slice(2)]),
    KEY,
  );
});
