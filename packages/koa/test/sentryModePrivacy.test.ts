// Sentry mode under Sentry's own privacy settings: `dataCollection: { userInfo: false }` keeps
// the login's email and the client IP out (Sentry's requestData adds no IP either), and
// `pseudonymizeUsers` given to the integration sends the user @x supplies as pseudonyms.
import * as Sentry from '@sentry/node';
import { xUserIntegration } from '@x/koa/sentry';
import { COUNT } from '@x/test-kit/sentry-mode';
import { describe, expect, it } from 'vitest';
import { listen } from './helpers';
import { BEARERS, buildApp, burst, sentryToInbox } from './sentryModeHelpers';

const KEY = 'a-pseudonymization-key-of-32-chars';
const sentry = sentryToInbox({
  dataCollection: { userInfo: false },
  integrations: [xUserIntegration({ pseudonymizeUsers: { key: KEY } })],
});
const { sent } = sentry;

describe('Sentry mode (Koa) with userInfo: false and pseudonymizeUsers', () => {
  it('sends id and username as pseudonyms — one per user — and no email or IP', async () => {
    const count = Math.min(COUNT, 300);
    const server = await listen(buildApp({ x: 'after-auth', proxy: true }));
    try {
      await burst(server.url, 'private', count, (i) => ({
        headers: { authorization: BEARERS[i % 3] as string, 'x-forwarded-for': '203.0.113.7' },
      }));
    } finally {
      await server.close();
    }
    expect(await Sentry.flush(30_000)).toBe(true);
    const users = sent.events.map((event) => event.user as Record<string, unknown> | undefined);
    expect(users).toHaveLength(count);
    for (const user of users) {
      expect(Object.keys(user ?? {}).sort()).toEqual(['id', 'username']);
      expect(user?.id).toMatch(/^px_[0-9a-f]{32}$/);
    }
    // The same person, the same pseudonym: three users, three ids.
    expect(new Set(users.map((user) => user?.id)).size).toBe(3);
    const stored = await sentry.events();
    expect(stored.every((event) => !event.user?.ip_address && !event.user?.email)).toBe(true);
  });

  it('without the login: no user at all', async () => {
    const before = sent.events.length;
    const server = await listen(buildApp({ x: 'after-auth' }));
    try {
      await burst(server.url, 'private-anonymous', 1, () => ({ headers: {} }), 1);
    } finally {
      await server.close();
    }
    expect(await Sentry.flush(10_000)).toBe(true);
    expect(sent.events.slice(before).map((event) => event.user)).toEqual([undefined]);
  });
});
