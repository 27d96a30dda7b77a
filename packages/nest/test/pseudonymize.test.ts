// pseudonymizeUsers through XModule on Express: nothing raw of the user on the wire, and the inbox
// still counts people.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import {
  type EnvelopeTap,
  expectTwoPseudonymousPeople,
  startEnvelopeTap,
} from '@x/test-kit/envelope-tap';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { flush } from '../src/index.js';
import { appModule, SECRET } from './app.js';
import { startTestInbox, storedEvents } from './helpers.js';

const KEY = 'nest-test-pseudonymize-key-0123456789';
let inbox: Awaited<ReturnType<typeof startTestInbox>>;
let tap: EnvelopeTap;
beforeAll(async () => {
  inbox = await startTestInbox();
  tap = await startEnvelopeTap(inbox.dsn);
});
afterAll(async () => {
  await tap.close();
  await inbox.dispose();
});

/** People made up per run, so no raw value can come from this file's source (context lines). */
const person = () => {
  const id = randomUUID();
  return { sub: `u-${id}`, username: `name-${id}`, email: `${id}@example.com`, plan: `p-${id}` };
};

it('sends pseudonyms only (Express), and the inbox counts two people who hit an error three times as 2', async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [
      appModule({
        dsn: tap.dsn,
        sendDefaultPii: true,
        sendClientReports: false,
        pseudonymizeUsers: { key: KEY },
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  const a = person();
  const b = person();
  try {
    for (const who of [a, b, a]) {
      const res = await fetch(`${url}/boom`, {
        headers: { authorization: `Bearer ${jsonwebtoken.sign(who, SECRET)}` },
      });
      expect(res.status).toBe(500);
    }
    expect(await flush(5000)).toBe(true);
  } finally {
    await app.close();
  }

  const events = (await storedEvents(inbox)).filter((e) => e.title === 'Error: boom');
  expect(events).toHaveLength(3);
  for (const event of events) {
    expect(event.user_key).toMatch(/^id:px_[0-9a-f]{32}$/);
    expect(event.user).toMatchObject({
      username: expect.stringMatching(/^px_[0-9a-f]{32}$/),
      email: expect.stringMatching(/^px_[0-9a-f]{32}$/),
      ip_address: '127.0.0.1',
    });
    expect(event.user).not.toHaveProperty('data');
  }
  await expectTwoPseudonymousPeople(
    inbox,
    tap,
    events,
    [a, b].flatMap((p) => [p.sub, p.username, p.email, p.plan, p.sub.slice(2)]),
    KEY,
  );
});
