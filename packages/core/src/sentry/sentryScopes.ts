// Sentry's scopes, read from the very copy of Sentry the app runs. Sentry keeps one state per
// core version on `globalThis.__SENTRY__[version]` (decision record 0051): the entry used is the
// one that holds the app's client, so a second `@sentry/core` of another version in the process
// (with scopes of its own, always empty) is never read, and nothing is imported or resolved.
import type { OtelSpanLike } from '../traceContext';
import type {
  SentryClientLike,
  SentryEventLike,
  SentryScopeLike,
  SentryVersionCarrier,
} from './types';

type SentryRegistry = Record<string, unknown> & { version?: unknown };

function registry(): SentryRegistry | undefined {
  const value = (globalThis as { __SENTRY__?: unknown }).__SENTRY__;
  return typeof value === 'object' && value !== null ? (value as SentryRegistry) : undefined;
}

/**
 * The `__SENTRY__` entry whose scopes hold `client`: first the entry of the SDK version the
 * client reports, then every other. `undefined` when none does (yet: Sentry sets the client on
 * its current scope right before it sets up the integrations).
 */
export function findSentryCarrier(client: SentryClientLike): SentryVersionCarrier | undefined {
  const entries = registry();
  if (!entries) return undefined;
  const reported = client.getSdkMetadata?.()?.sdk?.version;
  const keys = new Set<unknown>([reported, entries.version, ...Object.keys(entries)]);
  for (const key of keys) {
    if (typeof key !== 'string' || key === 'version') continue;
    const entry = entries[key];
    if (typeof entry === 'object' && entry !== null && holdsClient(entry, client)) {
      return entry as SentryVersionCarrier;
    }
  }
  return undefined;
}

function holdsClient(entry: SentryVersionCarrier, client: SentryClientLike): boolean {
  const candidates = [
    () => entry.acs?.getCurrentScope(),
    () => entry.stack?.getScope?.(),
    () => entry.defaultCurrentScope,
  ];
  return candidates.some((scope) => {
    try {
      return scope()?.getClient?.() === client;
    } catch {
      return false;
    }
  });
}

/** Sentry's isolation and current scope active here (its default ones outside any request). */
export function activeSentryScopes(entry: SentryVersionCarrier): {
  isolationScope: SentryScopeLike | undefined;
  scope: SentryScopeLike | undefined;
} {
  const acs = entry.acs;
  if (acs) return { isolationScope: acs.getIsolationScope(), scope: acs.getCurrentScope() };
  return {
    isolationScope: entry.stack?.getIsolationScope?.() ?? entry.defaultIsolationScope,
    scope: entry.stack?.getScope?.() ?? entry.defaultCurrentScope,
  };
}

/**
 * Whether the app set a user through Sentry for what is captured here: a `setUser` on Sentry's
 * global, isolation or current scope (`setUser(null)` too: it leaves the cleared keys), or a
 * user given with the event itself (`captureEvent({ user })`, a capture context's `user`) — any
 * key of `event.user` but `ip_address`, which Sentry's requestData integration infers on its own.
 */
export function sentryHasUser(
  entry: SentryVersionCarrier | undefined,
  event?: SentryEventLike,
): boolean {
  const own = event?.user;
  if (own && typeof own === 'object' && Object.keys(own).some((key) => key !== 'ip_address')) {
    return true;
  }
  if (!entry) return false;
  const { isolationScope, scope } = activeSentryScopes(entry);
  return [entry.globalScope, isolationScope, scope].some((s) => {
    const user = s?.getUser?.();
    return typeof user === 'object' && user !== null && Object.keys(user).length > 0;
  });
}

/**
 * Sentry's isolation scope of the request running here, or `undefined` outside one (the default
 * isolation scope is the whole process's: nothing request-specific may go there).
 */
export function requestIsolationScope(entry: SentryVersionCarrier): SentryScopeLike | undefined {
  const { isolationScope } = activeSentryScopes(entry);
  const fallback = entry.defaultIsolationScope;
  return isolationScope && isolationScope !== fallback ? isolationScope : undefined;
}

/**
 * The root of Sentry's own active span, when it records: the request's server span. Sentry's own
 * spans (v11 without OpenTelemetry) hang on the current scope (`refs.span` in v11, `_sentrySpan`
 * in v10, through a WeakRef) and know their root (`_sentryRootSpan`); OpenTelemetry-based setups
 * keep spans in OpenTelemetry's context instead (read by core's `recordingServerSpan`).
 * `undefined` when any of it is not so.
 */
export function sentryServerSpan(entry: SentryVersionCarrier): OtelSpanLike | undefined {
  try {
    const scope = activeSentryScopes(entry).scope as
      | { refs?: { span?: unknown }; _sentrySpan?: unknown }
      | undefined;
    const span = deref(scope?.refs?.span ?? scope?._sentrySpan);
    const root = (span as { _sentryRootSpan?: unknown } | undefined)?._sentryRootSpan ?? span;
    return isSpan(root) && root.isRecording() ? root : undefined;
  } catch {
    return undefined;
  }
}

function isSpan(value: unknown): value is OtelSpanLike {
  const span = value as Partial<OtelSpanLike> | null | undefined;
  return (
    typeof span?.spanContext === 'function' &&
    typeof span.isRecording === 'function' &&
    typeof span.setAttribute === 'function'
  );
}

function deref(ref: unknown): unknown {
  const weak = ref as { deref?: () => unknown } | undefined;
  return typeof weak?.deref === 'function' ? weak.deref() : ref;
}
