// What an adapter does for a unit of work in Sentry mode: tie the unit's @x scopes to what
// Sentry will build its events from, and put the unit's user on Sentry's server span.
import {
  type AsyncContextStrategy,
  getAsyncContextStrategy,
  type Scopes,
  setAsyncContextStrategy,
} from '../asyncContext';
import { getCarrier } from '../carrier';
import { defaultScopes } from '../currentScopes';
import { debugWarn } from '../debug';
import { describedRequest, describeUnit, type RequestDescription } from '../requestKernel';
import { annotateServerSpan } from '../spanUser';
import { type OtelSpanLike, recordingServerSpan } from '../traceContext';
import { SCOPES_KEY } from './eventUser';
import { type SentryMode, sentryCarrierOf, sentryModeRegistry, type UnitLink } from './mode';
import { requestIsolationScope, sentryHasUser, sentryServerSpan } from './sentryScopes';
import type { SentryScopeLike } from './types';

/**
 * For adapters: `body` itself unless Sentry mode is on (`xUserIntegration` set up by
 * `Sentry.init`); then a body that, called inside the unit's isolation scope (`runRequest`'s
 * callback),
 *
 * - links the unit's @x scopes to Sentry's isolation scope of the request, so that every event
 *   Sentry builds from it finds the unit — wherever it is captured (Koa's `error` event runs
 *   outside the unit's async context);
 * - remembers the unit of an error that escapes `body`, for a capture that has no Sentry request
 *   scope (Sentry without its http integration);
 * - once `body` settles, puts the unit's user on the server span (OpenTelemetry's, else Sentry's
 *   own) when it records, as `runRequest` does in @x's own mode, before passing the result on.
 *
 * Given to `runRequestCapturing`, the request may also run without @x's own scope, where Sentry
 * has a request scope and no span records (Sentry without tracing): the unit's scopes are then
 * made only when something asks for them — an event, `getEventUser()`, @x's `setUser` —, found
 * through Sentry's isolation scope of the request.
 *
 * Cheap when Sentry mode is off: one property read per unit.
 *
 * @example runRequestCapturing(description, capture, withSentryMode(next))
 */
export function withSentryMode<T>(body: () => T | PromiseLike<T>): () => T | PromiseLike<T> {
  const mode = sentryModeRegistry().active;
  if (!mode) return body;
  const inUnit = () => {
    if (linkedBody !== inUnit) return runInSentryMode(mode, body);
    linkedBody = undefined;
    return body();
  };
  return inUnit;
}

/**
 * The body {@link runLinked} is calling: a `withSentryMode` body that finds itself here runs as
 * it is (it is already linked). Not a property on the body: a property set on a closure made per
 * request keeps the request alive through the garbage collector's young generation (measured on
 * Koa: ~25 µs more CPU per request).
 */
let linkedBody: unknown;

/**
 * Runs `body` with the unit linked to Sentry's isolation scope of the request and no @x scope of
 * its own; `undefined` (nothing run) outside Sentry mode or a Sentry request scope, or when a
 * server span records (the user goes on it when the unit ends: that needs the full path).
 */
function runLinked(request: unknown, body: () => unknown): Promise<unknown> | undefined {
  const { active: mode } = sentryModeRegistry();
  if (!mode) return undefined;
  let link: UnitLink;
  try {
    if (recordingServerSpan()) return undefined;
    const entry = sentryCarrierOf(mode);
    const isolationScope = entry && requestIsolationScope(entry);
    if (!entry || !isolationScope || sentryServerSpan(entry)) return undefined;
    let scopes: Scopes | undefined;
    link = () => {
      scopes ??= unitScopes(
        describedRequest(request as RequestDescription | (() => RequestDescription)),
      );
      return scopes;
    };
    linkUnit(isolationScope, link);
  } catch (error) {
    debugWarn('Sentry mode: could not link the request to Sentry', error);
    return undefined;
  }
  // An error that escapes is remembered with its unit, for a capture outside the request's
  // async context (the unit's scopes are made then, only for it).
  const escaped = (error: unknown): never => {
    if (typeof error === 'object' && error !== null) {
      const scopes = link();
      if (scopes) sentryModeRegistry().escaped.set(error, scopes);
    }
    throw error;
  };
  linkedBody = body;
  try {
    return Promise.resolve(body()).then(undefined, escaped);
  } catch (error) {
    return Promise.reject(error).then(undefined, escaped);
  } finally {
    linkedBody = undefined;
  }
}

/** A linked unit's scopes: forks of the scopes outside every unit, describing the request. */
function unitScopes(request: RequestDescription): Scopes {
  const outside = defaultScopes();
  const isolationScope = outside.isolationScope.clone();
  describeUnit(isolationScope, request);
  return { isolationScope, scope: outside.scope.clone() };
}

/**
 * The scopes of the unit linked to Sentry's isolation scope active here (in Sentry mode, where
 * @x's own scope is not active): `undefined` outside Sentry's request scopes and in one no unit
 * was linked to. A fork of a linked scope (`Sentry.withIsolationScope` inside the request) keeps
 * the link.
 */
export function linkedUnitScopes(): Scopes | undefined {
  const { active } = sentryModeRegistry();
  const entry = active && sentryCarrierOf(active);
  const isolationScope = entry && requestIsolationScope(entry);
  return isolationScope && metadataLink(isolationScope)?.();
}

const FINDS_LINKED_UNITS = Symbol.for('@x/core.findsLinkedUnits');

/**
 * Lets requests run linked to Sentry's request scopes (`runRequestCapturing` asks
 * {@link runLinked}), and makes @x's async context strategy fall back to
 * {@link linkedUnitScopes} where none of its own scopes is active, so that @x's API
 * (`getEventUser()`, `setUser`, …) inside a linked unit works on the unit's scopes. Installed once
 * per process, when Sentry mode is set up; the strategy keeps its name, so a copy of @x/core
 * loaded later keeps it too.
 */
export function findLinkedUnits(): void {
  getCarrier().runLinkedUnit = runLinked;
  const strategy = getAsyncContextStrategy() as AsyncContextStrategy & {
    [FINDS_LINKED_UNITS]?: true;
  };
  if (strategy[FINDS_LINKED_UNITS]) return;
  setAsyncContextStrategy({
    name: strategy.name,
    getScopes: () => strategy.getScopes() ?? linkedUnitScopes(),
    runWithScopes: (scopes, callback) => strategy.runWithScopes(scopes, callback),
    [FINDS_LINKED_UNITS]: true,
  } as AsyncContextStrategy);
}

/**
 * The unit linked in a Sentry scope's SDK processing metadata. Read from the field Sentry 10 and
 * 11 keep it in (`getScopeData()` copies the whole scope's data: once per request, it shows in the
 * request path's CPU), else through `getScopeData()`.
 */
function metadataLink(isolationScope: SentryScopeLike): UnitLink | undefined {
  const metadata =
    metadataField(isolationScope) ?? isolationScope.getScopeData?.().sdkProcessingMetadata;
  const link = metadata?.[SCOPES_KEY];
  return typeof link === 'function' ? (link as UnitLink) : undefined;
}

function runInSentryMode<T>(mode: SentryMode, body: () => T | PromiseLike<T>): Promise<T> {
  const scopes = getAsyncContextStrategy().getScopes();
  const span = scopes ? enterUnit(mode, scopes) : undefined;
  let finished: Promise<void> | undefined;
  const finish = () => {
    finished ??= span && scopes ? annotateSpan(mode, span, scopes) : Promise.resolve();
    return finished;
  };
  const escaped = (error: unknown): Promise<never> => {
    if (scopes && typeof error === 'object' && error !== null) {
      sentryModeRegistry().escaped.set(error, scopes);
    }
    return finish().then(() => Promise.reject(error));
  };
  try {
    return Promise.resolve(body()).then((value) => finish().then(() => value), escaped);
  } catch (error) {
    return escaped(error);
  }
}

/** Links the unit to Sentry's request isolation scope; returns the server span, if one records. */
function enterUnit(mode: SentryMode, scopes: Scopes): OtelSpanLike | undefined {
  try {
    const entry = sentryCarrierOf(mode);
    const isolationScope = entry && requestIsolationScope(entry);
    if (isolationScope) linkUnit(isolationScope, () => scopes);
    return recordingServerSpan() ?? (entry && sentryServerSpan(entry));
  } catch (error) {
    debugWarn('Sentry mode: could not link the request to Sentry', error);
    return undefined;
  }
}

/**
 * Puts the unit on Sentry's isolation scope, in its SDK processing metadata (which Sentry copies
 * into its events and into forks of the scope). A scope already linked to another unit is one
 * that outlives a request (an app's own fork shared by many): it gets a link to no unit, so that
 * an event built from it is never given another request's user. (A WeakMap from Sentry's scopes
 * to units would be simpler, but a key per request costs the garbage collector ~2 µs each.)
 */
function linkUnit(isolationScope: SentryScopeLike, link: UnitLink): void {
  const linked = metadataLink(isolationScope);
  if (linked === AMBIGUOUS) return;
  const other = linked !== undefined && linked !== link && linked() !== link();
  const value = other ? AMBIGUOUS : link;
  // Written into the scope's own metadata object where Sentry keeps one (every Sentry scope has its
  // own: `clone()` and `setSDKProcessingMetadata` copy it); Sentry's merge copies the whole object.
  const field = metadataField(isolationScope);
  if (field) field[SCOPES_KEY] = value;
  else isolationScope.setSDKProcessingMetadata?.({ [SCOPES_KEY]: value });
}

/** The SDK processing metadata object Sentry 10 and 11 keep on a scope, if it is one. */
function metadataField(isolationScope: SentryScopeLike): Record<string, unknown> | undefined {
  const field = (isolationScope as { _sdkProcessingMetadata?: unknown })._sdkProcessingMetadata;
  return typeof field === 'object' && field !== null
    ? (field as Record<string, unknown>)
    : undefined;
}

/** The link of an isolation scope shared by several units: to none of them. */
const AMBIGUOUS = (): undefined => undefined;

/** The unit's user on the span, unless the app set one through Sentry (Sentry puts that one). */
async function annotateSpan(mode: SentryMode, span: OtelSpanLike, scopes: Scopes): Promise<void> {
  try {
    if (sentryHasUser(sentryCarrierOf(mode))) return;
    await annotateServerSpan(withSentryIpAttribute(span), scopes, mode.users);
  } catch (error) {
    debugWarn('Sentry mode: could not put the user on the server span', error);
  }
}

/**
 * The span, with the user's IP (`client.address`) also set as Sentry's own `user.ip_address`:
 * Sentry's requestData integration sets that one from the request's headers when it is absent —
 * whether or not a proxy the app trusts wrote them.
 */
function withSentryIpAttribute(span: OtelSpanLike): OtelSpanLike {
  return {
    spanContext: () => span.spanContext(),
    isRecording: () => span.isRecording(),
    setAttribute(key, value) {
      const result = span.setAttribute(key, value);
      if (key === 'client.address') span.setAttribute('user.ip_address', value);
      return result;
    },
  };
}
