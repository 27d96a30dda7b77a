// Sentry mode on a real Next app (fixtures/sentry-app: Next 16, `next build` + `next start`; App
// Router route handlers with and without `withUser`, a server component, a `withPagesApi` route): its
// instrumentation.ts runs the real @sentry/nextjs 11 (`Sentry.init` with `xUserIntegration()`,
// `onRequestError = withRequestUser(Sentry.captureRequestError)`) and `registerX({ sentry: true,
// getUser })`; @x is never `init`ed. Sentry sends from the app's process to a real inbox here.
import { COUNT, eventsOfBurst, expectEveryEventOwn, userOf } from '@x/test-kit/sentry-mode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestInbox, storedEvent, storedEvents } from './helpers';
import { burst, type NextApp, startFixtureApp } from './sentryModeHelpers';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
let app: NextApp;

beforeAll(async () => {
  inbox = await startTestInbox();
  app = await startFixtureApp('sentry-app', { SENTRY_DSN: inbox.dsn });
  console.log(`Sentry mode, Next: next build took ${app.buildMs} ms`);
}, 300_000);
afterAll(async () => {
  await app?.stop();
  await inbox?.dispose();
});

const read = () => storedEvents(inbox);

describe('Sentry mode (Next 16, @sentry/nextjs 11): every Sentry event carries its own request’s user', () => {
  it(`${COUNT} overlapping requests of 3 users to a withUser route that throws: 0 foreign, 0 duplicates, nothing lost`, async () => {
    const tag = 'route';
    const statuses = await burst(app.url, tag, COUNT);
    expect(new Set(statuses)).toEqual(new Set([500]));
    const events = await eventsOfBurst(read, tag, COUNT);
    expectEveryEventOwn(events, tag, COUNT, 'Sentry mode, Next route handlers (withUser)');
    // Under v11's default userInfo the email and the IP come along.
    expect(userOf(events, tag, 1)).toEqual({
      id: 'u-bob',
      username: 'bob',
      email: 'bob@example.com',
      ip_address: '127.0.0.1',
    });
    // Sentry's own event: @x sent nothing.
    const one = events.find((event) => event.title.endsWith(`boom ${tag}-1`));
    expect((await storedEvent(inbox, one?.id ?? '')).sdk?.name).toBe('sentry.javascript.nextjs');
  }, 180_000);

  it(`${COUNT} overlapping requests to a server component that throws (no wrapper): the user of the request Next reports to onRequestError`, async () => {
    const tag = 'rsc';
    const count = COUNT;
    const statuses = await burst(app.url, tag, count, () => ({ path: '/rsc' }));
    expect(new Set(statuses)).toEqual(new Set([500]));
    const events = await eventsOfBurst(read, tag, count);
    expectEveryEventOwn(events, tag, count, 'Sentry mode, Next server components');
  }, 120_000);

  it('a route handler without the wrapper: the same, through onRequestError', async () => {
    const tag = 'plain';
    const count = 120;
    await burst(app.url, tag, count, () => ({ path: '/plain' }));
    expectEveryEventOwn(await eventsOfBurst(read, tag, count), tag, count);
  }, 60_000);

  it('a Pages API route (withPagesApi) that throws: the same', async () => {
    const tag = 'pages';
    const count = 120;
    await burst(app.url, tag, count, () => ({ path: '/api/boom' }));
    expectEveryEventOwn(await eventsOfBurst(read, tag, count), tag, count);
  }, 60_000);

  it('a Sentry.setUser in the handler wins whole', async () => {
    const tag = 'explicit';
    await burst(app.url, tag, 3, () => ({ path: '/explicit' }), 3);
    const events = await eventsOfBurst(read, tag, 3);
    expect(userOf(events, tag, 2)).toEqual({
      id: 'explicit-2',
      segment: 'set-by-app',
      ip_address: '127.0.0.1',
    });
  });

  it('without the login, no user from @x (only the IP, which userInfo allows)', async () => {
    const tag = 'anonymous';
    await burst(app.url, tag, 2, () => ({ headers: {} }), 2);
    const events = await eventsOfBurst(read, tag, 2);
    expect(userOf(events, tag, 0)).toEqual({ ip_address: '127.0.0.1' });
  });
});
