// Sentry mode on a real Nest app, on Express and on Fastify: the app runs the real @sentry/nestjs
// (`Sentry.init` with `xUserIntegration()`, `SentryModule.forRoot()`, `SentryGlobalFilter`, Sentry's
// default integrations and transport), a passport JWT guard and `XModule.forRoot({ sentry: true })`;
// @x is never `init`ed. Sentry sends to a real inbox; a copy of every envelope is kept in memory.
import type { INestApplication } from '@nestjs/common';
import {
  COUNT,
  expectEveryEventOwn,
  expectSentryEvents,
  flushed,
  served,
  tally,
  userOf,
} from '@x/test-kit/sentry-mode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getClient } from '../src/index.js';
import { xUserIntegration } from '../src/sentry.js';
import { BEARERS, burst, sentryToInbox, startApp } from './sentryModeHelpers.js';

const sentry = sentryToInbox({ integrations: [xUserIntegration()] });
const { sent } = sentry;

describe.each(['express', 'fastify'] as const)('Sentry mode (Nest on %s)', (platform) => {
  let app: INestApplication;
  let url: string;
  beforeAll(async () => {
    ({ app, url } = await startApp({ platform, x: { sentry: true } }));
  });
  afterAll(() => app.close());

  /** Runs `fn`, then flushes Sentry; the inbox's events. */
  const events = (fn: () => Promise<unknown>) => flushed(sentry, fn);

  it(`${COUNT} overlapping requests of 3 users that throw: every Sentry event its own request’s user, 0 foreign, 0 duplicates, nothing lost`, async () => {
    const tag = `burst-${platform}`;
    const before = sent.events.length;
    const stored = await events(async () => {
      const statuses = await burst(url, tag, COUNT);
      expect(new Set(statuses)).toEqual(new Set([500]));
    });
    expectEveryEventOwn(stored, tag, COUNT, `Sentry mode, Nest on ${platform}`);
    // One event per request, each Sentry's own: @x sent nothing.
    expectSentryEvents(sent, before, COUNT, 'sentry.javascript.nestjs');
    expect(getClient()).toBeUndefined();
    // v10's sendDefaultPii is off by default: no email and no IP, from Sentry or from @x.
    expect(userOf(stored, tag, 1)).toEqual({ id: 'u-bob', username: 'bob' });
  });

  it('a Sentry.setUser in the handler wins whole', async () => {
    const tag = `explicit-${platform}`;
    const stored = await events(() => burst(url, tag, 3, () => ({ path: '/explicit' }), 3));
    expect(userOf(stored, tag, 2)).toEqual({ id: 'explicit-2', segment: 'set-by-app' });
  });

  it('without the login, no user', async () => {
    const tag = `anonymous-${platform}`;
    const stored = await events(() => burst(url, tag, 2, () => ({ headers: {} }), 2));
    expect(userOf(stored, tag, 0)).toBeNull();
    expect(userOf(stored, tag, 1)).toBeNull();
  });

  it('the user of each request, also when one client sends requests of several users', async () => {
    const tag = `mixed-${platform}`;
    // The same keep-alive connections carry requests of all three users and anonymous ones.
    const expected = (i: number) => (i % 4 === 3 ? undefined : `u-${['ada', 'bob', 'cyd'][i % 4]}`);
    const stored = await events(() =>
      burst(
        url,
        tag,
        120,
        (i) => ({ headers: i % 4 === 3 ? {} : { authorization: BEARERS[i % 4] as string } }),
        4,
      ),
    );
    expect(tally(stored, tag, 120, expected)).toEqual({
      own: 90,
      foreign: 0,
      none: 30,
      lost: 0,
      duplicates: 0,
    });
  });
});

describe('the switch', () => {
  it('XModule.forRoot() without `sentry`: Sentry mode too, since Sentry.init set up the integration', async () => {
    const start = () => startApp({ platform: 'express', x: {} });
    const stored = await served(sentry, start, (url) => burst(url, 'auto', 3, undefined, 3));
    expect(getClient()).toBeUndefined();
    expect(userOf(stored, 'auto', 0)).toEqual({ id: 'u-ada', username: 'ada' });
  });
});
