// The user of one Sentry event in Sentry mode. `processEvent` reads, synchronously and in the
// capture's async context, which unit of work the event belongs to and what Sentry's scopes say;
// the lazy, possibly async user resolver then runs, and the event gets @x's user — unless the app
// set one through Sentry, which wins whole.
import { getAsyncContextStrategy, type Scopes } from '../asyncContext';
import { getGlobalScope } from '../currentScopes';
import { debugWarn } from '../debug';
import type { Scope, ScopeData } from '../scope';
import { type SentryMode, sentryCarrierOf, sentryModeRegistry } from './mode';
import { sentryHasUser } from './sentryScopes';
import type { SentryEventLike, SentryHintLike } from './types';

/**
 * The key of Sentry's `sdkProcessingMetadata` under which a request's isolation scope carries
 * the unit's @x scopes (as a function: Sentry merges that metadata, and passes functions as they are).
 */
export const SCOPES_KEY = 'x.scopes';

/** Whether an @x isolation scope is a unit of work's (an adapter's: a user resolver or a request). */
function isUnit(scope: Scope): boolean {
  return scope.getUserResolver() !== undefined || scope.getRequest() !== undefined;
}

/**
 * The unit of work an event belongs to, first found wins: the @x scopes active where it was
 * captured (a capture inside the unit); the unit the captured error escaped from (a capture after
 * it, such as Koa's `error` event); the unit linked to the Sentry isolation scope the event was
 * built with. `undefined` for an event of no unit.
 */
export function unitOf(
  event: SentryEventLike,
  hint: SentryHintLike | undefined,
): Scopes | undefined {
  const active = getAsyncContextStrategy().getScopes();
  if (active && isUnit(active.isolationScope)) return active;
  const error = hint?.originalException;
  if (typeof error === 'object' && error !== null) {
    const escaped = sentryModeRegistry().escaped.get(error);
    if (escaped) return escaped;
  }
  const link = event.sdkProcessingMetadata?.[SCOPES_KEY];
  const linked = typeof link === 'function' ? (link as () => unknown)() : undefined;
  return linked && isUnit((linked as Scopes).isolationScope) ? (linked as Scopes) : undefined;
}

/**
 * What an event of `unit` needs from its scopes, read now: their data, with the request's client
 * IP read now too when Sentry's settings allow it (the request may be gone when the resolver is done).
 */
export function unitScopeData(unit: Scopes, userInfo: boolean): ScopeData[] {
  return [getGlobalScope(), unit.isolationScope, unit.scope].map((scope) => {
    const data = scope.getScopeData();
    const getter = data.request?.clientIp;
    if (!data.request || !getter) return data;
    let ip: string | null | undefined;
    if (userInfo) {
      try {
        ip = getter();
      } catch (error) {
        debugWarn('client IP getter threw; no IP sent', error);
      }
    }
    return { ...data, request: { ...data.request, clientIp: () => ip } };
  });
}

/**
 * Gives a Sentry event its user (see `xUserIntegration`). Never throws, never rejects: on any
 * failure the event goes on as it came, with a debug line.
 */
export function processSentryEvent<E extends SentryEventLike>(
  event: E,
  hint: SentryHintLike | undefined,
  mode: SentryMode,
): E | Promise<E> {
  try {
    const unit = unitOf(event, hint);
    if (!unit || sentryHasUser(sentryCarrierOf(mode), event)) return event;
    const scopes = unitScopeData(unit, mode.userInfo);
    return supplyUser(event, scopes, mode).catch((error: unknown) => {
      debugWarn('Sentry mode: could not add the user; event sent as Sentry built it', error);
      return event;
    });
  } catch (error) {
    debugWarn('Sentry mode: could not add the user; event sent as Sentry built it', error);
    return event;
  }
}

/**
 * Sets the unit's user — @x's rules under Sentry's data-collection settings, then pseudonyms —
 * as the event's user; an IP Sentry inferred (requestData) stays where @x has none. Without a
 * user from @x the event is left as it is.
 */
async function supplyUser<E extends SentryEventLike>(
  event: E,
  scopes: readonly ScopeData[],
  mode: SentryMode,
): Promise<E> {
  const sendable = await mode.users.getSendableUser(scopes);
  if (!sendable) return event;
  const { geo, ...rest } = sendable;
  const user: Record<string, unknown> = mode.userInfo && geo ? { ...rest, geo } : rest;
  if (Object.keys(user).length === 0) return event;
  const inferred = event.user?.ip_address;
  if (user.ip_address === undefined && typeof inferred === 'string' && inferred) {
    user.ip_address = inferred;
  }
  event.user = user;
  return event;
}
