import { getAsyncContextStrategy } from './asyncContext';
import { markCaptured } from './capturedErrors';
import { getIsolationScope } from './currentScopes';
import { Scope } from './scope';
import { captureException } from './sdk';
import type { User } from './user';
import { isTravelledUser } from './userPropagation';

/** Options of {@link withBackgroundScope}. */
export interface BackgroundScopeOptions {
  /** The user the work runs for (a job's owner), if any. */
  user?: User | null | undefined;
  /** Tags for every event of this work, e.g. `{ job: 'send-invoice' }`. */
  tags?: Record<string, string> | undefined;
  /** Capture an error the callback throws (it is rethrown either way). @default true */
  captureErrors?: boolean | undefined;
}

/**
 * Runs non-HTTP work — a job started from a request, a timer, a queue
 * consumer — in a fresh, empty isolation scope: it never sees the request's
 * user (unless given one) and what it sets never leaks back — only a user that travelled in
 * with the unit of work it starts from (`travelledUser`: a message's sender) stays its default
 * user. An error it throws (or rejects with) is captured with that scope, then rethrown.
 *
 * @example
 * setTimeout(() => withBackgroundScope(() => sendInvoice(order), { user: { id: order.userId } }), 0);
 */
export function withBackgroundScope<T>(
  callback: (scope: Scope) => T,
  options: BackgroundScopeOptions = {},
): T {
  const isolationScope = new Scope();
  // A user that travelled in with the unit of work (`travelledUser`) is who the work is for.
  const travelled = getIsolationScope().getUserResolver();
  if (isTravelledUser(travelled)) isolationScope.setUserResolver(travelled);
  if (options.user) isolationScope.setUser(options.user);
  if (options.tags) isolationScope.setTags(options.tags);
  const scope = new Scope();
  const capture = (error: unknown) => {
    // Once: a handler of a unit of work (a message) may run as background work, inside the
    // unit's own capture.
    if (options.captureErrors !== false && markCaptured(error)) {
      captureException(error, { mechanism: { type: 'background', handled: false } });
    }
    throw error;
  };
  return getAsyncContextStrategy().runWithScopes({ scope, isolationScope }, () => {
    try {
      const result = callback(isolationScope);
      if (result instanceof Promise) return result.catch(capture) as T;
      return result;
    } catch (error) {
      return capture(error);
    }
  });
}
