import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import {
  type GetUser,
  getIsolationScope,
  type Scope,
  type User,
  withBackgroundScope,
} from '@x/core';
import { type AnyRequest, X_SKIP_CAPTURE, X_USER_MAPPING } from './options.js';
import { requestState } from './requestState.js';

/**
 * Changes how the user is taken from the request for a controller or a route
 * (the module's `getUser` otherwise).
 *
 * @example
 * @UserMapping((req) => ({ id: (req.user as ApiKey).ownerId, username: 'api-key' }))
 * @Controller('api')
 */
export const UserMapping = (getUser: GetUser<AnyRequest>) => SetMetadata(X_USER_MAPPING, getUser);

/** Errors of this controller or route are not captured (they are still handled as before). */
export const SkipCapture = () => SetMetadata(X_SKIP_CAPTURE, true);

/**
 * Gives the handler the request's isolation scope.
 *
 * @example
 * @Get('pay') pay(@IsolationScope() scope: Scope) { scope.setTag('step', 'pay'); }
 */
export const IsolationScope = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Scope => {
    const req = context.getType() === 'http' ? context.switchToHttp().getRequest() : undefined;
    return requestState(req)?.scopes.isolationScope ?? getIsolationScope();
  },
);

/** Options of {@link BackgroundHandler}. */
export interface BackgroundHandlerOptions {
  /** Takes the user from the handler's arguments (a job payload, a message). */
  user?: (...args: unknown[]) => User | null | undefined;
  /** Tags for this handler's events, e.g. `{ job: 'nightly-report' }`. */
  tags?: Record<string, string> | undefined;
}

/**
 * Runs a non-HTTP handler — a cron job, a queue consumer, a microservice
 * message handler, an event listener — in its own fresh isolation scope, so it
 * never carries the user of whatever request ran last; optionally with a user
 * taken from its arguments. What it throws is captured and rethrown. Other
 * decorators' metadata on the method (`@Cron`, `@MessagePattern`, `@OnEvent`) is kept.
 *
 * @example
 * @OnEvent('order.paid') @BackgroundHandler({ user: (e) => ({ id: (e as Paid).userId }) })
 * sendReceipt(event: Paid) { … }
 */
export function BackgroundHandler(options: BackgroundHandlerOptions = {}): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => unknown;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      let user: User | null | undefined;
      try {
        user = options.user?.(...args);
      } catch {
        user = undefined;
      }
      return withBackgroundScope(() => original.apply(this, args), { user, tags: options.tags });
    };
    for (const key of Reflect.getMetadataKeys(original)) {
      Reflect.defineMetadata(key, Reflect.getMetadata(key, original), wrapped);
    }
    Object.defineProperty(wrapped, 'name', { value: original.name });
    descriptor.value = wrapped;
    return descriptor;
  };
}
