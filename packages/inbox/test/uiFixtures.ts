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

/** The source around the throwing line of `boomEvent`'s crashing frame (lines 10–24 of routes.ts). */
export const BOOM_SOURCE = {
  pre_context: [
    'export const router = new Router();',
    '',
    "router.get('/ok', (ctx) => {",
    '    ctx.body = { ok: true };',
    '});',
    '',
    "router.get('/boom', async () => {",
  ],
  context_line: "    throw new Error('boom');",
  post_context: [
    '});',
    '',
    "router.get('/users/:id', async (ctx) => {",
    '    ctx.body = await load(ctx.params.id);',
    '});',
    '',
    'export default router;',
  ],
};

/**
 * An error event as `@x/core` sends it for `GET /boom` in a Koa app with `sendDefaultPii`:
 * the user with the request's IP, the same IP as `REMOTE_ADDR`, `infer_ip: never`, tags and
 * contexts, the route as `transaction`, and stack frames as the SDK makes them: filenames
 * relative to the app root with `abs_path`, `module`, `in_app` false for Node's internals,
 * node_modules and @x's own code, source context on in-app frames.
 */
export function boomEvent(
  who: keyof typeof USERS,
  options: {
    type?: string;
    fn?: string;
    path?: string;
    release?: string;
    transaction?: string;
    source?: Partial<typeof BOOM_SOURCE>;
  } = {},
): Record<string, unknown> {
  const fn = options.fn ?? 'boom';
  const path = options.path ?? '/boom';
  const library = (fn: string, filename: string, module: string, lineno: number) => ({
    function: fn,
    filename,
    abs_path: filename.startsWith('node:') ? filename : `/app/${filename}`,
    module,
    lineno,
    colno: 5,
    in_app: false,
  });
  return {
    event_id: newEventId(),
    platform: 'node',
    level: 'error',
    release: options.release ?? 'koa-demo@0.1.0',
    server_name: 'koa-demo',
    environment: 'development',
    transaction: options.transaction ?? `GET ${path}`,
    sdk: { name: 'x.javascript.koa', version: '0.1.0', settings: { infer_ip: 'never' } },
    exception: {
      values: [
        {
          type: options.type ?? 'Error',
          value: 'boom',
          mechanism: { type: 'koa', handled: false },
          stacktrace: {
            frames: [
              library(
                'processTicksAndRejections',
                'node:internal/process/task_queues',
                'task_queues',
                95,
              ),
              library('dispatch', 'node_modules/koa-compose/index.js', 'koa-compose:index', 42),
              library(
                'xKoaMiddleware',
                'node_modules/@x/koa/dist/index.js',
                '@x.koa.dist:index',
                88,
              ),
              library('dispatch', 'node_modules/koa-compose/index.js', 'koa-compose:index', 42),
              {
                function: 'handle',
                filename: 'src/server.ts',
                abs_path: '/app/apps/koa-demo/src/server.ts',
                module: 'server',
                lineno: 30,
                colno: 5,
                in_app: true,
                pre_context: ['app.use(async (ctx, next) => {'],
                context_line: '  await next();',
                post_context: ['});'],
              },
              {
                function: fn,
                filename: 'src/routes.ts',
                abs_path: '/app/apps/koa-demo/src/routes.ts',
                module: 'routes',
                lineno: 17,
                colno: 11,
                in_app: true,
                ...BOOM_SOURCE,
                ...options.source,
              },
            ],
          },
        },
      ],
    },
    request: {
      method: 'GET',
      url: `http://127.0.0.1:3001${path}`,
      headers: { accept: 'application/json', 'user-agent': 'demo-traffic/1.0' },
      env: { REMOTE_ADDR: USER_IPS[who] },
    },
    tags: { route: path, runtime: 'node' },
    contexts: { runtime: { name: 'node', version: 'v20.20.2' }, os: { name: 'linux' } },
    user: { ip_address: USER_IPS[who], ...USERS[who] },
  };
}
