import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { DEMO_ROUTES, findAccount } from '@x/demo-kit/accounts';
import { JOBS_ROUTE, jobAttempts } from '@x/demo-kit/jobs';
import { captureMessage, getEventUser, koaMiddleware } from '@x/koa';
import jsonwebtoken from 'jsonwebtoken';
import Koa, { type Middleware } from 'koa';
import jwt from 'koa-jwt';
import type { Jobs } from './jobs';

/** What the demo's JWT carries (and so what `ctx.state.user` is). */
interface Claims {
  sub: string;
  username: string;
  email: string;
  subscription: string;
}

/** Builds the demo app: the demo contract on Koa 3 with koa-jwt (`jobs`: off without Redis). */
export function createApp({
  secret,
  trustProxy,
  jobs,
  report = (message) => captureMessage(message, 'info'),
}: {
  secret: string;
  trustProxy: boolean;
  jobs?: Jobs | undefined;
  /** Sends `POST /report`'s message; its event id. @default @x's `captureMessage` */
  report?: ((message: string) => string) | undefined;
}): Koa {
  const app = new Koa();
  app.proxy = trustProxy;
  app.silent = true; // @x reports errors; no stack traces on stderr

  app.use(
    koaMiddleware({
      // The demo sends a custom field too, so it maps the auth user itself.
      getUser: (ctx) => {
        const claims = ctx.state.user as Claims | undefined;
        return (
          claims && {
            id: claims.sub,
            username: claims.username,
            email: claims.email,
            subscription: claims.subscription,
          }
        );
      },
    }),
  );
  app.use(bodyParser());
  app.use(jwt({ secret, passthrough: true })); // sets ctx.state.user when a valid Bearer token is sent

  const router = new Router();
  router.post('/login', (ctx) => {
    const { username, password } = (ctx.request.body ?? {}) as {
      username?: unknown;
      password?: unknown;
    };
    const account = findAccount(username, password);
    if (!account) {
      ctx.status = 401;
      ctx.body = { error: 'invalid username or password' };
      return;
    }
    const claims: Claims = {
      sub: account.id,
      username: account.username,
      email: account.email,
      subscription: account.subscription,
    };
    ctx.body = { token: jsonwebtoken.sign(claims, secret, { expiresIn: '12h' }) };
  });
  router.get('/whoami', async (ctx) => {
    ctx.body = { user: await getEventUser() };
  });
  router.get('/boom', () => {
    throw new Error('boom');
  });
  router.get('/boom/async', async (ctx) => {
    const delay = Math.min(Number(ctx.query.delay) || 0, 10_000);
    await new Promise((resolve) => setTimeout(resolve, delay));
    throw new Error('boom');
  });
  router.post('/report', (ctx) => {
    ctx.body = { eventId: report('report from koa-demo') };
  });
  router.post('/jobs/boom', jobsRoute(jobs));
  router.get('/', (ctx) => {
    ctx.body = { app: 'koa-demo', routes: [...DEMO_ROUTES, JOBS_ROUTE] };
  });
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}

/** `POST /jobs/boom`: a failing job added with the request's user → 202 `{ jobId }`. */
function jobsRoute(jobs: Jobs | undefined): Middleware {
  return async (ctx) => {
    if (!ctx.state.user) {
      ctx.status = 401;
      ctx.body = { error: 'sign in first' };
    } else if (!jobs) {
      ctx.status = 503;
      ctx.body = { error: 'jobs are off: no Redis' };
    } else {
      const job = await jobs.queue.add(
        'boom',
        { requestedAt: new Date().toISOString() },
        { attempts: jobAttempts(ctx.query.attempts), removeOnComplete: true, removeOnFail: 1000 },
      );
      ctx.status = 202;
      ctx.body = { jobId: job.id };
    }
  };
}
