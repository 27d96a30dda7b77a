// `@x/next/client` is imported by client components, which Next also renders on the server:
// there `initBrowser` must not replace the server's client (a route error then went out as a
// browser event, with no user, to the browser DSN).
import { getClient, init } from '@x/next';
import { initBrowser } from '@x/next/client';
import { afterEach, expect, it } from 'vitest';

afterEach(() => getClient()?.close(100));

it('initBrowser does nothing on the server: the server client stays', () => {
  const server = init({ dsn: 'http://public@127.0.0.1:9/1', sendClientReports: false });
  expect(typeof window).toBe('undefined');
  expect(initBrowser({ dsn: 'http://browser@127.0.0.1:9/2' })).toBeUndefined();
  expect(getClient()).toBe(server);
});
