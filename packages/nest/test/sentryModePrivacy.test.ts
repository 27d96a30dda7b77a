// Sentry mode under Sentry's own settings: `sendDefaultPii: true` (v10's switch) lets @x add the
// login's email and the client IP Nest decided (`req.ip`: Express's `trust proxy`, Fastify's
// `trustProxy`), and with tracing on the request's user also goes on Sentry's server span.
import type { INestApplication } from '@nestjs/common';
import { flushed, userOf } from '@x/test-kit/sentry-mode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xUserIntegration } from '../src/sentry.js';
import { BEARERS, burst, sentryToInbox, startApp } from './sentryModeHelpers.js';

const sentry = sentryToInbox({
  integrations: [xUserIntegration()],
  sendDefaultPii: true,
  tracesSampleRate: 1,
});
const { sent } = sentry;

/** Runs `fn`, then flushes Sentry; the inbox's events. */
const events = (fn: () => Promise<unknown>) => flushed(sentry, fn);

/** The server span's data of the transaction of request `i` of burst `tag`. */
function spanData(tag: string, i: number): Record<string, unknown> | undefined {
  const transaction = sent.transactions.find((t) => {
    const data = (t.contexts as { trace?: { data?: Record<string, unknown> } }).trace?.data;
    return String(data?.['http.target'] ?? data?.['url.full'] ?? '').includes(`tag=${tag}&i=${i}`);
  });
  return (transaction?.contexts as { trace?: { data?: Record<string, unknown> } } | undefined)
    ?.trace?.data;
}

describe.each(['express', 'fastify'] as const)(
  'Sentry mode (Nest on %s), sendDefaultPii',
  (platform) => {
    let app: INestApplication;
    let url: string;
    beforeAll(async () => {
      ({ app, url } = await startApp({ platform, x: { sentry: true } }));
    });
    afterAll(() => app.close());

    it('the login’s email and the client IP come with the user', async () => {
      const tag = `pii-${platform}`;
      const stored = await events(() => burst(url, tag, 3, undefined, 3));
      expect(userOf(stored, tag, 2)).toEqual({
        id: 'u-cyd',
        username: 'cyd',
        email: 'cyd@example.com',
        ip_address: '127.0.0.1',
      });
    });

    it('without the login: only the IP', async () => {
      const tag = `pii-anonymous-${platform}`;
      const stored = await events(() => burst(url, tag, 1, () => ({ headers: {} }), 1));
      expect(userOf(stored, tag, 0)).toEqual({ ip_address: '127.0.0.1' });
    });

    it('the user also goes on Sentry’s server span', async () => {
      const tag = `span-${platform}`;
      await events(() => burst(url, tag, 3, undefined, 3));
      const data = spanData(tag, 1);
      expect(data).toMatchObject({
        'user.id': 'u-bob',
        'user.name': 'bob',
        'user.email': 'bob@example.com',
        'user.ip_address': '127.0.0.1',
      });
    });
  },
);

describe.each(['express', 'fastify'] as const)(
  'Sentry mode (Nest on %s) behind one proxy',
  (platform) => {
    let app: INestApplication;
    let url: string;
    beforeAll(async () => {
      ({ app, url } = await startApp({ platform, x: { sentry: true }, trustProxy: '127.0.0.1' }));
    });
    afterAll(() => app.close());

    it('the IP is the one Nest trusts (req.ip), not the one the client wrote', async () => {
      const tag = `proxy-${platform}`;
      // The client wrote the first address, the proxy (127.0.0.1, trusted) appended the second.
      const headers = {
        authorization: BEARERS[0] as string,
        'x-forwarded-for': '198.51.100.1, 203.0.113.7',
      };
      const seen = (await (await fetch(`${url}/ip`, { headers })).json()) as { ip: string };
      expect(seen.ip).toBe('203.0.113.7');
      const stored = await events(() => burst(url, tag, 1, () => ({ headers }), 1));
      expect(userOf(stored, tag, 0)).toMatchObject({ id: 'u-ada', ip_address: '203.0.113.7' });
    });
  },
);
