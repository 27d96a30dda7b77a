// Events like the sample apps send (a thrown error during a request, with the user and the
// request's IP), for the web UI tests.
import { newEventId } from './helpers';

/** The three demo users; carol's username is an XSS probe, bob's IP is invalid (it wins over his request's IP). */
export const USERS = {
  alice: {
    id: 'u-alice',
    username: 'alice',
    email: 'alice@example.com',
    subscription: 'pro',
  },
  bob: { id: 'u-bob', username: 'bob', ip_address: 'not-an-ip', subscription: 'free' },
  carol: { id: 'u-carol', username: '<img src=x onerror=alert(1)>', subscription: 'team' },
} as const;

/** The IP each demo user's requests come from (public, so the geo database knows them). */
export const USER_IPS: Record<keyof typeof USERS, string> = {
  alice: '8.8.8.8',
  bob: '10.0.0.7',
  carol: '81.2.69.142',
};

/**
 * An error event as `@x/core` sends it for `GET /boom` in a Koa app with `sendDefaultPii`:
 * the user with the request's IP, the same IP as `REMOTE_ADDR`, `infer_ip: never`, tags and
 * contexts.
 */
export function boomEvent(
  who: keyof typeof USERS,
  options: { type?: string; fn?: string; path?: string; release?: string } = {},
): Record<string, unknown> {
  const fn = options.fn ?? 'boom';
  return {
    event_id: newEventId(),
    platform: 'node',
    level: 'error',
    release: options.release ?? 'koa-demo@0.1.0',
    server_name: 'koa-demo',
    environment: 'development',
    sdk: { name: 'x.javascript.koa', version: '0.1.0', settings: { infer_ip: 'never' } },
    exception: {
      values: [
        {
          type: options.type ?? 'Error',
          value: 'boom',
          mechanism: { type: 'koa', handled: false },
          stacktrace: {
            frames: [
              {
                function: 'dispatch',
                filename: '/app/node_modules/koa-compose/index.js',
                lineno: 42,
                in_app: false,
              },
              {
                function: fn,
                filename: '/app/apps/koa-demo/src/routes.ts',
                module: 'routes',
                lineno: 17,
                colno: 11,
                in_app: true,
                context_line: "    throw new Error('boom');",
              },
            ],
          },
        },
      ],
    },
    request: {
      method: 'GET',
      url: `http://127.0.0.1:3001${options.path ?? '/boom'}`,
      headers: { accept: 'application/json', 'user-agent': 'demo-traffic/1.0' },
      env: { REMOTE_ADDR: USER_IPS[who] },
    },
    tags: { route: options.path ?? '/boom', runtime: 'node' },
    contexts: { runtime: { name: 'node', version: 'v20.20.2' }, os: { name: 'linux' } },
    user: { ip_address: USER_IPS[who], ...USERS[who] },
  };
}
