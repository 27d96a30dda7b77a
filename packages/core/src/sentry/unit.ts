// What an adapter does for a unit of work in Sentry mode: tie the unit's @x scopes to what
// Sentry will build its events from, and put the unit's user on Sentry's server span.
import { getAsyncContextStrategy, type Scopes } from '../asyncContext';
import { debugWarn } from '../debug';
import { annotateServerSpan } from '../spanUser';
import { type OtelSpanLike, recordingServerSpan } from '../traceContext';
import { SCOPES_KEY } from './eventUser';
import { type SentryMode, sentryCarrierOf, sentryModeRegistry } from './mode';
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
 * Cheap when Sentry mode is off: one property read per unit.
 *
 * @example runRequestCapturing(description, capture, withSentryMode(next))
 */
export function withSentryMode<T>(body: () => T | PromiseLike<T>): () => T | PromiseLike<T> {
  const mode = sentryModeRegistry().active;
  return mode ? () => runInSentryMode(mode, body) : body;
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
    if (isolationScope) linkUnit(isolationScope, scopes);
    return recordingServerSpan() ?? (entry && sentryServerSpan(entry));
  } catch (error) {
    debugWarn('Sentry mode: could not link the request to Sentry', error);
    return undefined;
  }
}

/**
 * Puts the unit on Sentry's isolation scope. A scope already linked to another unit is one that
 * outlives a request (an app's own fork shared by many): it gets a link to no unit, so that an
 * event built from it is never given another request's user.
 */
function linkUnit(isolationScope: SentryScopeLike, scopes: Scopes): void {
  const metadata = isolationScope.getScopeData?.().sdkProcessingMetadata;
  const linked = metadata?.[SCOPES_KEY];
  if (linked === AMBIGUOUS) return;
  const other = typeof linked === 'function' && (linked as () => unknown)() !== scopes;
  isolationScope.setSDKProcessingMetadata?.({ [SCOPES_KEY]: other ? AMBIGUOUS : () => scopes });
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
