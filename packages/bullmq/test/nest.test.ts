// A real Nest app on Express — @x/nest's XModule, @nestjs/bullmq's BullModule, a controller that
// enqueues through @InjectQueue, a @Processor class — on a real Redis, reporting to a real inbox.
// XBullModule in its imports is the only @x line of the queue side: the job carries the request's
// user and the processor's failures report it; without XBullModule nothing does.
//
// This package is type-checked without `experimentalDecorators`, so Nest's decorators are applied
// here as the calls TypeScript compiles `@Decorator()` syntax to.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  BullModule,
  getFlowProducerToken,
  getQueueToken,
  Processor,
  WorkerHost,
} from '@nestjs/bullmq';
import {
  Body,
  type CanActivate,
  Controller,
  type DynamicModule,
  type ExecutionContext,
  Inject,
  Module,
  Post,
  Req,
  Scope,
  type Type,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { captureMessage, flush, setUser } from '@x/bullmq';
import { XBullModule } from '@x/bullmq/nest';
import { XModule } from '@x/nest';
import type { FullEvent } from '@x/test-kit/inbox';
import {
  type FlowProducer,
  type Job,
  type JobsOptions,
  type Queue,
  Worker,
  type WorkerOptions,
} from 'bullmq';
import { describe, expect, it } from 'vitest';
import {
  KEY,
  queueName,
  settled,
  stampOf,
  storedEvent,
  storedEvents,
  useBackends,
} from './helpers';

const backends = useBackends('tests');

/** What a processor does with a job; `queue` is the one it was given by @InjectQueue. */
type Processing = (job: Job, queue: Queue) => Promise<unknown>;

interface AppSpec {
  process: Processing;
  /** XBullModule as the app imports it; `false` for an app without it. */
  xBull?: Type | DynamicModule | false;
  worker?: Partial<WorkerOptions>;
  scope?: Scope;
}

/** The user a request names: `Authorization: Bearer <id>` (a stand-in for Passport's guard). */
const bearerGuard: CanActivate = {
  canActivate(context: ExecutionContext) {
    const req = context.switchToHttp().getRequest<AuthRequest>();
    const id = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (id) req.user = { id, username: `name-${id}` };
    return true;
  },
};

interface AuthRequest {
  headers: { authorization?: string };
  user?: { id: string; username: string };
}
interface AddBody {
  name: string;
  data?: Record<string, unknown>;
  opts?: JobsOptions;
}

/** `POST /jobs` adds `{ ...data, owner }` to the queue; `POST /flows` a parent with one child. */
function jobsController(queueToken: string, flowToken: string, queue: string): Type {
  class JobsController {
    constructor(
      readonly jobs: Queue,
      readonly flows: FlowProducer,
    ) {}
    async add(body: AddBody, req: AuthRequest) {
      const job = await this.jobs.add(body.name, { ...body.data, owner: req.user?.id }, body.opts);
      return { id: job.id, name: job.name };
    }
    async flow(body: AddBody) {
      const node = await this.flows.add({
        name: `${body.name}-parent`,
        queueName: queue,
        children: [{ name: `${body.name}-child`, queueName: queue, data: {} }],
      });
      return { parent: node.job.id, child: node.children?.[0]?.job.id };
    }
  }
  Controller()(JobsController);
  Inject(queueToken)(JobsController, undefined, 0);
  Inject(flowToken)(JobsController, undefined, 1);
  for (const [method, path] of [
    ['add', 'jobs'],
    ['flow', 'flows'],
  ] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(JobsController.prototype, method);
    Post(path)(JobsController.prototype, method, descriptor as PropertyDescriptor);
    Body()(JobsController.prototype, method, 0);
  }
  Req()(JobsController.prototype, 'add', 1);
  return JobsController;
}

/** A `@Processor(queue)` class whose `process` is `spec.process`. */
function processorClass(queueToken: string, queue: string, spec: AppSpec): Type<WorkerHost> {
  class JobProcessor extends WorkerHost {
    constructor(readonly jobs: Queue) {
      super();
    }
    override async process(job: Job): Promise<unknown> {
      return spec.process(job, this.jobs);
    }
  }
  Inject(queueToken)(JobProcessor, undefined, 0);
  Processor(
    { name: queue, ...(spec.scope ? { scope: spec.scope } : {}) },
    spec.worker ?? {},
  )(JobProcessor);
  return JobProcessor;
}

/** Starts a Nest app on 127.0.0.1 with its own queue; closed after the test. */
async function startApp(spec: AppSpec) {
  const name = queueName('nest');
  const queueToken = getQueueToken(name);
  const flowToken = getFlowProducerToken(`${name}-flows`);
  const processor = processorClass(queueToken, name, spec);
  class AppModule {}
  Module({
    imports: [
      XModule.forRoot({
        dsn: backends.inbox.dsn,
        sendClientReports: false,
        propagationKey: KEY,
      }),
      BullModule.forRoot({ connection: backends.connection }),
      BullModule.registerQueue({ name }),
      BullModule.registerFlowProducer({ name: `${name}-flows` }),
      ...(spec.xBull === false ? [] : [spec.xBull ?? XBullModule]),
    ],
    controllers: [jobsController(queueToken, flowToken, name)],
    providers: [processor, { provide: APP_GUARD, useValue: bearerGuard }],
  })(AppModule);
  const app = await NestFactory.create(AppModule, new ExpressAdapter(), { logger: false });
  backends.track(app);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const queue = app.get<Queue>(queueToken);
  return { app, name, queue, processor, url: `http://127.0.0.1:${port}` };
}

type App = Awaited<ReturnType<typeof startApp>>;

/** `POST <path>` as user `as` (none: anonymous); the parsed answer and its status. */
async function post(app: App, path: string, body: AddBody, as?: string) {
  const res = await fetch(`${app.url}/${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(as ? { authorization: `Bearer ${as}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/** Adds a job through the route as `as`, and waits until it completed or failed for good. */
async function runJob(app: App, body: AddBody, as?: string) {
  const { body: answer } = await post(app, 'jobs', body, as);
  const state = await settled(app.queue, answer.id);
  return { id: String(answer.id), state, job: await app.queue.getJob(String(answer.id)) };
}

/** Every event the inbox stored whose title mentions `marker`, in full and with its title. */
async function reports(marker: string): Promise<(FullEvent & { title: string })[]> {
  expect(await flush(5000)).toBe(true);
  const listed = (await storedEvents(backends.inbox)).filter((e) => e.title.includes(marker));
  return Promise.all(
    listed.map(async (e) => ({ ...(await storedEvent(backends.inbox, e.id)), title: e.title })),
  );
}

/** The user as the inbox stores it. */
const stored = (id: string) => ({ id, username: `name-${id}`, sentry_user: `id:${id}` });
const jobContext = (event: { [key: string]: unknown } | undefined) =>
  (event?.contexts as { job?: Record<string, unknown> } | undefined)?.job;

describe('XBullModule', () => {
  it('reports a failed job a route added with the requesting user, its transaction and contexts.job', async () => {
    const marker = randomUUID();
    const app = await startApp({
      process: async (job) => {
        throw new Error(`invoice ${job.data.order} failed ${marker}`);
      },
    });
    const { id, state, job } = await runJob(
      app,
      { name: 'invoice', data: { order: 'o-7' } },
      'u-ann',
    );
    expect(state).toBe('failed');
    expect(job?.data).toEqual({ order: 'o-7', owner: 'u-ann' });
    expect(String(stampOf(job))).toMatch(/^x1\./);
    const events = await reports(marker);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event?.user).toEqual(stored('u-ann'));
    expect(event?.transaction).toBe(`job ${app.name}/invoice`);
    expect(event?.request).toBeUndefined();
    expect(jobContext(event)).toEqual({
      queue: app.name,
      id,
      name: 'invoice',
      attempt: 1,
      attempts: 1,
    });
    const exception = (event?.exception as { values: { mechanism: unknown }[] } | undefined)
      ?.values[0];
    expect(exception?.mechanism).toMatchObject({ type: 'bullmq', handled: false });
  });

  it('keeps 3 users × 30 jobs apart at worker concurrency 10: exactly 30 events each, each with its own user', async () => {
    const marker = randomUUID();
    const app = await startApp({
      worker: { concurrency: 10 },
      process: async (job) => {
        await new Promise((r) => setTimeout(r, Math.random() * 5)); // interleave the attempts
        throw new Error(`${marker} owner=${job.data.owner}`);
      },
    });
    const users = ['u-ann', 'u-bob', 'u-cy'];
    const answers = await Promise.all(
      Array.from({ length: 90 }, (_, i) =>
        post(app, 'jobs', { name: 'report' }, users[i % users.length]),
      ),
    );
    for (const { body } of answers) expect(await settled(app.queue, body.id)).toBe('failed');
    const events = await reports(marker);
    expect(events).toHaveLength(90);
    const perUser: Record<string, number> = {};
    for (const event of events) {
      const owner = /owner=(\S+)/.exec(event.title)?.[1] ?? '';
      expect(event.user).toEqual(stored(owner));
      perUser[owner] = (perUser[owner] ?? 0) + 1;
    }
    expect(perUser).toEqual({ 'u-ann': 30, 'u-bob': 30, 'u-cy': 30 });
  });

  it('reports each attempt of a job with attempts: 3 — three events, attempt 1 to 3, one user', async () => {
    const marker = randomUUID();
    let calls = 0;
    const app = await startApp({
      process: async () => {
        calls += 1;
        throw new Error(`retry ${marker}`);
      },
    });
    const { id, state } = await runJob(app, { name: 'retry', opts: { attempts: 3 } }, 'u-bob');
    expect(state).toBe('failed');
    expect(calls).toBe(3);
    const events = await reports(marker);
    expect(events.map((e) => jobContext(e)?.attempt).sort()).toEqual([1, 2, 3]);
    for (const event of events) {
      expect(event.user).toEqual(stored('u-bob'));
      expect(jobContext(event)).toMatchObject({ id, attempts: 3 });
    }
  });

  it('changes nothing for a processor that succeeds: no event, the same answer and result as without it', async () => {
    const marker = randomUUID();
    const spec: AppSpec = { process: async (job) => ({ done: job.data.order, marker }) };
    const withX = await startApp(spec);
    const without = await startApp({ ...spec, xBull: false });
    const body = { name: `ok-${marker}`, data: { order: 'o-1' } };
    const [a, b] = await Promise.all([
      post(withX, 'jobs', body, 'u-cy'),
      post(without, 'jobs', body, 'u-cy'),
    ]);
    expect(a).toEqual({ status: 201, body: { id: '1', name: `ok-${marker}` } });
    expect(b).toEqual(a);
    for (const app of [withX, without]) {
      expect(await settled(app.queue, '1')).toBe('completed');
      expect((await app.queue.getJob('1'))?.returnvalue).toEqual({ done: 'o-1', marker });
    }
    expect(await reports(marker)).toEqual([]);
  });

  it('lets setUser in process replace the job’s user', async () => {
    const marker = randomUUID();
    const app = await startApp({
      process: async () => {
        setUser({ id: 'u-system' });
        throw new Error(`replaced ${marker}`);
      },
    });
    expect((await runJob(app, { name: 'send' }, 'u-ann')).state).toBe('failed');
    const [event] = await reports(marker);
    expect(event?.user).toEqual({ id: 'u-system', sentry_user: 'id:u-system' });
  });

  it('stamps a job the processor adds through its injected queue with the same user', async () => {
    const marker = randomUUID();
    const app = await startApp({
      process: async (job, queue) => {
        if (job.name === 'start') return (await queue.add('next', { step: 2 })).id;
        throw new Error(`next ${marker}`);
      },
    });
    const first = await runJob(app, { name: 'start' }, 'u-dee');
    expect(first.state).toBe('completed');
    const nextId = String(first.job?.returnvalue);
    expect(await settled(app.queue, nextId)).toBe('failed');
    const [event, ...more] = await reports(marker);
    expect(more).toEqual([]);
    expect(event?.user).toEqual(stored('u-dee'));
    expect(event?.transaction).toBe(`job ${app.name}/next`);
    expect(stampOf(await app.queue.getJob(nextId))).toBe(stampOf(first.job));
  });

  it('runs a request-scoped processor’s jobs under the user each carries', async () => {
    const marker = randomUUID();
    const app = await startApp({
      scope: Scope.REQUEST,
      worker: { concurrency: 4 },
      process: async (job) => {
        throw new Error(`${marker} owner=${job.data.owner}`);
      },
    });
    const runs = await Promise.all(
      ['u-ann', 'u-bob', 'u-ann', 'u-bob'].map((user) => runJob(app, { name: 'scoped' }, user)),
    );
    expect(runs.map((r) => r.state)).toEqual(['failed', 'failed', 'failed', 'failed']);
    const events = await reports(marker);
    expect(events).toHaveLength(4);
    for (const event of events) {
      const owner = /owner=(\S+)/.exec(event.title)?.[1] ?? '';
      expect(event.user).toEqual(stored(owner));
      expect(event.transaction).toBe(`job ${app.name}/scoped`);
    }
  });

  it('stamps every job of a flow its FlowProducer provider adds', async () => {
    const marker = randomUUID();
    const app = await startApp({
      process: async (job) => {
        throw new Error(`${job.name} ${marker}`);
      },
    });
    const { body } = await post(app, 'flows', { name: 'report' }, 'u-eve');
    expect(await settled(app.queue, body.child)).toBe('failed');
    const [event] = await reports(marker);
    expect(event?.title).toContain('report-child');
    expect(event?.user).toEqual(stored('u-eve'));
    const parent = await app.queue.getJob(String(body.parent));
    expect(stampOf(parent)).toBe(stampOf(await app.queue.getJob(String(body.child))));
    expect(String(stampOf(parent))).toMatch(/^x1\./);
  });

  it('reports a job a processor’s Worker finds stalled, with the user it carries', async () => {
    const marker = randomUUID();
    const app = await startApp({
      worker: { autorun: false, stalledInterval: 200 },
      process: async () => 'done',
    });
    // A worker that takes the job and goes silent: fetched by hand, its lock never renewed.
    const silent = new Worker(app.name, null, {
      connection: backends.connection,
      autorun: false,
      lockDuration: 300,
    });
    backends.track(silent);
    const { body } = await post(app, 'jobs', { name: `resize-${marker}` }, 'u-fay');
    expect((await silent.getNextJob('silent-token'))?.id).toBe(body.id);
    void app.app.get<WorkerHost>(app.processor).worker.run();
    expect(await settled(app.queue, body.id)).toBe('completed');
    await expect.poll(async () => (await reports(marker)).length).toBe(1);
    const [event] = await reports(marker);
    expect(event?.level).toBe('warning');
    expect(event?.title).toBe(`job stalled: ${app.name}/resize-${marker}`);
    expect(event?.user).toEqual(stored('u-fay'));
  });

  it('takes forRoot’s getUser and shouldCapture', async () => {
    const marker = randomUUID();
    const app = await startApp({
      xBull: XBullModule.forRoot({
        getUser: (job) => ({ id: `owner-of-${job.data.owner}` }),
        shouldCapture: (_status, error) => !String(error).includes('skipped'),
      }),
      process: async (job) => {
        throw new Error(`${job.name} ${marker}`);
      },
    });
    for (const name of ['skipped', 'kept']) {
      expect((await runJob(app, { name }, 'u-gus')).state).toBe('failed');
    }
    const events = await reports(marker);
    expect(events.map((e) => e.title)).toEqual([`Error: kept ${marker}`]);
    expect(events[0]?.user).toEqual({ id: 'owner-of-u-gus', sentry_user: 'id:owner-of-u-gus' });
  });

  it('is what does it: beside an app with it, an app without it adds no stamp and reports nothing by itself', async () => {
    const marker = randomUUID();
    // Each processor captures a message itself, then throws.
    const spec: AppSpec = {
      process: async (job) => {
        captureMessage(`${marker} captured ${job.data.app}`);
        throw new Error(`${marker} thrown ${job.data.app}`);
      },
    };
    // Both run in the same process, at once: the one with XBullModule changes nothing of the other.
    const [withX, without] = await Promise.all([
      startApp(spec),
      startApp({ ...spec, xBull: false }),
    ]);
    const [a, b] = await Promise.all([
      runJob(withX, { name: 'job', data: { app: 'with' } }, 'u-hal'),
      runJob(without, { name: 'job', data: { app: 'without' } }, 'u-hal'),
    ]);
    expect([a.state, b.state]).toEqual(['failed', 'failed']);
    expect(String(stampOf(a.job))).toMatch(/^x1\./);
    expect(stampOf(b.job)).toBeUndefined();
    const events = await reports(marker);
    const byTitle = Object.fromEntries(events.map((e) => [e.title.split(`${marker} `)[1], e]));
    expect(Object.keys(byTitle).sort()).toEqual([
      'captured with',
      'captured without',
      'thrown with',
    ]);
    expect(byTitle['captured with']?.user).toEqual(stored('u-hal'));
    expect(byTitle['thrown with']?.user).toEqual(stored('u-hal'));
    expect(byTitle['captured without']?.user ?? null).toBeNull();
    expect(byTitle['captured without']?.transaction).not.toBe(`job ${without.name}/job`);
  });
});
