// `@x/bullmq/nest`: one Nest module that wires @nestjs/bullmq — every `@Processor` class's jobs
// through `withJobScope`, every Queue and FlowProducer provider through `withUser`, every
// processor's Worker through `captureStalledJobs` — with nothing else for the app to write.
//
// Processors: @nestjs/bullmq hands each processor's `process` to its ProcessorDecoratorService's
// `decorate` (its extension point) and gives the Worker what that returns, in BullModule's
// `onModuleInit` — whose order against ours Nest does not fix. So the prototype of the app's own
// ProcessorDecoratorService class is patched when this module is constructed (before any
// lifecycle hook), once, and the patch wraps only for apps whose XBullModule is alive: another
// app of the same process keeps @nestjs/bullmq's behaviour. See docs/decisions/0049.
//
// No decorator syntax here: this package is built without `experimentalDecorators`, so Nest's
// decorators are applied as the plain calls they compile to.
import {
  type DynamicModule,
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { FlowProducer, Job, Queue, Worker } from 'bullmq';
import { withUser } from './producer';
import { captureStalledJobs } from './stalled';
import { type JobProcessor, type JobScopeOptions, withJobScope } from './worker';

/** Injection token of `XBullModule.forRoot`'s options. */
const X_BULL_OPTIONS = Symbol.for('@x/bullmq.nest.options');
/** Marks a ProcessorDecoratorService prototype whose `decorate` is patched. */
const PATCHED = Symbol.for('@x/bullmq.nest.decorate');

/** The part of Nest's InstanceWrapper read here. */
interface ProviderWrapper {
  readonly metatype?: unknown;
  readonly instance: unknown;
  isDependencyTreeStatic(): boolean;
}

/** One app with a live XBullModule: its ProcessorDecoratorService providers and the options. */
interface BullApp {
  services: ProviderWrapper[];
  options: JobScopeOptions<Job>;
}

/** The apps whose XBullModule exists, held weakly: an app that is gone drops out by itself. */
const apps = new Set<WeakRef<BullApp>>();

/**
 * Wires @nestjs/bullmq for @x — import it next to `XModule` (from `@x/nest`) and `BullModule`:
 *
 * - every `@Processor()` class's `process` runs each attempt of each job in its own isolation
 *   scope, as `withJobScope` does: the user the job carries, `transaction: "job <queue>/<name>"`,
 *   `contexts.job`, each failed attempt captured once and rethrown (BullMQ retries as before);
 *   request-scoped processors too;
 * - every Queue and FlowProducer provider (`BullModule.registerQueue`, `registerFlowProducer`) is
 *   passed through `withUser`, so `@InjectQueue()` → `add` in a request stamps the job with the
 *   request's user;
 * - every processor's Worker reports stalled jobs (`captureStalledJobs`).
 *
 * `XBullModule.forRoot({ getUser, shouldCapture })` sets `withJobScope`'s options.
 *
 * @example
 * @Module({
 *   imports: [XModule.forRoot({ propagationKey }), BullModule.forRoot({ connection }),
 *     BullModule.registerQueue({ name: 'invoices' }), XBullModule],
 *   providers: [InvoiceProcessor],
 * })
 * export class AppModule {}
 */
export class XBullModule implements OnModuleInit, OnApplicationBootstrap {
  private readonly options: JobScopeOptions<Job>;
  // Strongly held here, weakly in `apps`: it lives exactly as long as the app's module graph.
  private readonly app: BullApp;

  /** Nest constructs it — before any lifecycle hook, so before BullModule makes its Workers. */
  constructor(
    private readonly modules: ModulesContainer,
    options?: JobScopeOptions<Job>,
  ) {
    this.options = options ?? {};
    const services = [...providers(modules)].filter((wrapper) => isDecoratorService(wrapper));
    for (const { metatype } of services)
      patchDecorate((metatype as { prototype: object }).prototype);
    this.app = { services, options: this.options };
    apps.add(new WeakRef(this.app));
  }

  /**
   * The same module with `withJobScope`'s options for every processor: `getUser(job)` replaces the
   * user the job carries (stalled-job reports use it too), `shouldCapture(status, error, job)`
   * picks the failed attempts to capture.
   *
   * @example
   * XBullModule.forRoot({ getUser: (job) => ({ id: job.data.ownerId }) })
   */
  static forRoot(options: JobScopeOptions<Job> = {}): DynamicModule {
    return { module: XBullModule, providers: [{ provide: X_BULL_OPTIONS, useValue: options }] };
  }

  /** Stamps every job the app's Queue and FlowProducer providers add with the caller's user. */
  onModuleInit(): void {
    for (const wrapper of providers(this.modules)) {
      if (!wrapper.isDependencyTreeStatic()) continue;
      const instance = wrapper.instance;
      if (isProducer(instance)) withUser(instance);
    }
  }

  /** Reports the stalled jobs of every processor's Worker (made by now, in `onModuleInit`). */
  onApplicationBootstrap(): void {
    for (const wrapper of providers(this.modules)) {
      const worker = workerOf(wrapper.instance);
      if (worker) captureStalledJobs(worker, { getUser: this.options.getUser });
    }
  }
}

Module({})(XBullModule);
Inject(ModulesContainer)(XBullModule, undefined, 0);
Inject(X_BULL_OPTIONS)(XBullModule, undefined, 1);
Optional()(XBullModule, undefined, 1);

/** Every provider of every module of the app. */
function* providers(modules: ModulesContainer): Iterable<ProviderWrapper> {
  for (const module of modules.values()) yield* module.providers.values();
}

/** Whether `wrapper` is @nestjs/bullmq's ProcessorDecoratorService (or a class derived from it). */
function isDecoratorService(wrapper: ProviderWrapper): boolean {
  const names = typeof wrapper.metatype === 'function' ? classNames(wrapper.metatype) : [];
  return names.includes('ProcessorDecoratorService');
}

/** Makes `prototype.decorate` wrap what it returns in `withJobScope` for apps with XBullModule. */
function patchDecorate(prototype: object): void {
  const target = prototype as { decorate?: unknown };
  if (Object.hasOwn(prototype, PATCHED) || typeof target.decorate !== 'function') return;
  const original = target.decorate as (this: object, processor: unknown) => unknown;
  function decorate(this: object, processor: unknown): unknown {
    const decorated = original.call(this, processor);
    const options = optionsFor(this);
    if (!options || typeof decorated !== 'function') return decorated;
    return withJobScope(decorated as JobProcessor<Job, unknown>, options);
  }
  Object.defineProperty(prototype, 'decorate', {
    value: decorate,
    configurable: true,
    writable: true,
  });
  Object.defineProperty(prototype, PATCHED, { value: true });
}

/** The options of the live app `service` belongs to; none when its app has no XBullModule. */
function optionsFor(service: object): JobScopeOptions<Job> | undefined {
  for (const ref of apps) {
    const app = ref.deref();
    if (!app) apps.delete(ref);
    else if (app.services.some((wrapper) => wrapper.instance === service)) return app.options;
  }
  return undefined;
}

/**
 * Whether `value` is a BullMQ Queue or FlowProducer: by its classes' names and methods, not
 * `instanceof`, so a Queue of another copy of bullmq than this package's is recognized too.
 */
function isProducer(value: unknown): value is Queue | FlowProducer {
  if (typeof value !== 'object' || value === null) return false;
  const { add, addBulk } = value as { add?: unknown; addBulk?: unknown };
  if (typeof add !== 'function' || typeof addBulk !== 'function') return false;
  const names = classNames(value.constructor);
  return names.includes('Queue') || names.includes('FlowProducer');
}

/** The Worker of a `@Processor()` instance (a WorkerHost), once @nestjs/bullmq made it. */
function workerOf(instance: unknown): Worker | undefined {
  if (typeof instance !== 'object' || instance === null) return undefined;
  if (!classNames(instance.constructor).includes('WorkerHost')) return undefined;
  try {
    const worker = (instance as { worker?: unknown }).worker;
    return typeof (worker as { on?: unknown } | undefined)?.on === 'function'
      ? (worker as Worker)
      : undefined;
  } catch {
    return undefined; // Not registered (e.g. `manualRegistration` not run yet).
  }
}

/** The names of `type` and the classes it extends. */
function classNames(type: unknown): string[] {
  const names: string[] = [];
  let current = type;
  for (let depth = 0; typeof current === 'function' && depth < 20; depth++) {
    names.push(current.name);
    current = Object.getPrototypeOf(current);
  }
  return names;
}
