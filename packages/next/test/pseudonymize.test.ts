// pseudonymizeUsers through registerX and withUser: nothing raw of the user on the wire, and the
// inbox still counts people.
import { randomUUID } from 'node:crypto';
import {
  type EnvelopeTap,
  expectTwoPseudonymousPeople,
  startEnvelopeTap,
} from '@x/test-kit/envelope-tap';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { close, flush, mapAuthUser, registerX, withUser } from '../src/index';
import { startTestInbox, storedEvents } from './helpers';

const KEY = 'next-test-pseudonymize-key-0123456789';
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
  return { id: `u-${id}`, name: `name-${id}`, email: `${id}@example.com`, team: `t-${id}` };
};

it('sends pseudonyms only, and the inbox counts two people who hit an error three times as 2', async () => {
  const people = new Map([
    ['session-a', person()],
    ['session-b', person()],
  ]);
  registerX({
    dsn: tap.dsn,
    sendDefaultPii: true,
    sendClientReports: false,
    trustProxy: 1,
    pseudonymizeUsers: { key: KEY },
    getUser: async (request) => {
      const session = /session=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1] ?? '';
      const user = people.get(session);
      return user ? { ...mapAuthUser({ user }), team: user.team } : null;
    },
  });
  const handler = withUser(async () => {
    throw new Error('next pseudonymized boom');
  });
  for (const session of ['session-a', 'session-b', 'session-a']) {
    const request = new Request('http://shop.test/api/pay', {
      headers: { cookie: `session=${session}`, 'x-forwarded-for': '203.0.113.7' },
    });
    await expect(handler(request, {})).rejects.toThrow('next pseudonymized boom');
  }
  expect(await flush(5000)).toBe(true);

  const events = (await storedEvents(inbox)).filter((e) => e.title.includes('next pseudonymized'));
  expect(events).toHaveLength(3);
  for (const event of events) {
    expect(event.user_key).toMatch(/^id:px_[0-9a-f]{32}$/);
    expect(event.user).toMatchObject({
      username: expect.stringMatching(/^px_[0-9a-f]{32}$/),
      email: expect.stringMatching(/^px_[0-9a-f]{32}$/),
      ip_address: '203.0.113.7',
    });
    expect(event.user).not.toHaveProperty('data');
  }
  await expectTwoPseudonymousPeople(
    inbox,
    tap,
    events,
    [...people.values()].flatMap((p) => [p.id, p.name, p.email, p.team, p.id.slice(2)]),
    KEY,
  );
});
