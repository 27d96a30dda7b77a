import { initAs } from '@x/core/internal';

/**
 * Starts the SDK — `@x/core`'s `init` — with events naming this adapter
 * (`sdk.name: "x.javascript.bullmq"`), as `@x/koa`, `@x/nest` and `@x/next` name theirs. A
 * process that both serves requests and enqueues jobs starts it once, through its web adapter.
 *
 * @example
 * import { init } from '@x/bullmq';
 * init({ dsn: process.env.X_DSN, propagationKey: process.env.X_PROPAGATION_KEY });
 */
export const init = initAs('x.javascript.bullmq');
