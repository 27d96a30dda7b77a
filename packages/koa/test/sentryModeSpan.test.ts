// Sentry mode and Sentry's tracing: with `tracesSampleRate`, @sentry/node 11 makes a server span
// per request (its own spans, streamed); @x puts the request's user on it. Read from the copy of
// what Sentry sent (the inbox stores no spans).
import * as Sentry from '@sentry/node';
import { xUserIntegration } from '@x/koa/sentry';
import { describe, expect, it } from 'vitest';
import { listen } from './helpers';
import { BEARERS, buildApp, sentryToInbox } from './sentryModeHelpers';

const { sent } = sentryToInbox({ tracesSampleRate: 1, integrations: [xUserIntegration()] });

/** The user attributes of the server span of the request whose URL names `tag`. */
async function spanUser(path: string, tag: string, headers: Record<string, string>) {
  const server = await listen(buildApp({ x: 'after-auth' }));
  try {
    await (await fetch(`${server.url}${path}?tag=${tag}&i=0`, { headers })).arrayBuffer();
  } finally {
    await server.close();
  }
  expect(await Sentry.flush(10_000)).toBe(true);
  const segment = sent.spans.find(
    (span) => span.is_segment && JSON.stringify(span.attributes).includes(`tag=${tag}`),
  );
  expect(segment).toBeDefined();
  const attributes = segment?.attributes ?? {};
  // `client.address` is Sentry's own network attribute there: it sets it again when the span ends.
  const keys = ['user.id', 'user.name', 'user.email', 'user.ip_address'];
  return Object.fromEntries(
    keys.filter((key) => key in attributes).map((key) => [key, attributes[key]?.value]),
  );
}

describe('Sentry mode (Koa): the user on Sentry’s server span', () => {
  it('on every request, failed or not, with the IP Koa trusts (not a forwarded one)', async () => {
    const headers = { authorization: BEARERS[2] as string, 'x-forwarded-for': '198.51.100.1' };
    const expected = {
      'user.id': 'u-cyd',
      'user.name': 'cyd',
      'user.email': 'cyd@example.com',
      'user.ip_address': '127.0.0.1',
    };
    expect(await spanUser('/ip', 'span-ok', headers)).toEqual(expected);
    expect(await spanUser('/boom', 'span-boom', headers)).toEqual(expected);
  });

  it('a Sentry.setUser wins on the span too', async () => {
    const attributes = await spanUser('/explicit', 'span-explicit', {
      authorization: BEARERS[0] as string,
    });
    expect(attributes['user.id']).toBe('explicit-0');
    expect(attributes['user.email']).toBeUndefined();
  });
});
