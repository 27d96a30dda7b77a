// `@x/core/internal`: what the adapters (@x/koa, @x/nest, @x/next) and the inbox
// need beyond the public API — the request kernel, capture-once, the pieces of the
// event pipeline. Not for apps: it changes without notice. Apps use `@x/core`.
export { ensureAsyncLocalStorageStrategy, getAsyncContextStrategy } from './asyncContext';
export { markCaptured, wasCaptured } from './capturedErrors';
export type { Carrier, RuntimeSupport } from './carrier';
export { getCarrier } from './carrier';
export { newEventId } from './client';
export type { ClientReport, DiscardReason } from './clientReports';
export { DiscardedEvents } from './clientReports';
export { getScopeChain } from './currentScopes';
export { debugWarn, isDebugEnabled, setDebug } from './debug';
export { authHeader, dsnToString, envelopeEndpoint } from './dsn';
export type { EnvelopeHeader, EnvelopeItem, SerializedEnvelope } from './envelope';
export { eventCategory, serializeEnvelope } from './envelope';
export { exceptionFromError } from './exception';
export { createFetchTransport } from './fetchTransport';
export type { IpRange } from './ip';
export { AUTO_IP, ipInRange, parseCidr, parseIp } from './ip';
export { anonymizeIp } from './ipAnonymization';
export type { JsonDropError, JsonLimits } from './jsonValue';
export { preview, toJsonValue } from './jsonValue';
export { MAX_CUSTOM_DEPTH, MAX_CUSTOM_ENTRIES } from './normalizeUser';
export { detectPlatform, readEnv } from './options';
export type { EventUser, PrepareOptions } from './prepareEvent';
export { buildEventUser, buildEventUserSync, prepareEvent } from './prepareEvent';
export type { HmacSha256, Pseudonymizer } from './pseudonymizeUsers';
export { createPseudonymizer, PSEUDONYM_PREFIX } from './pseudonymizeUsers';
export type { HeaderReader } from './rateLimits';
export { parseRetryAfter, RateLimits } from './rateLimits';
export { buildEventRequest, FORWARDING_HEADERS, SENSITIVE_HEADERS } from './requestData';
export type { CaptureRequestErrorOptions, EndRequest, RequestDescription } from './requestKernel';
export {
  captureRequestError,
  captureServerErrors,
  requestUrl,
  runRequest,
  runRequestCapturing,
  statusOf,
  toWebHeaders,
} from './requestKernel';
export type { UserLayer } from './resolveUser';
export {
  CLEARED_USER_FIELDS,
  DEFAULT_USER_RESOLVER_TIMEOUT_MS,
  mergeScopeUsers,
  pendingResolvers,
  resolveUserAsync,
  resolveUserSync,
} from './resolveUser';
export { MAX_BREADCRUMBS } from './scope';
export { initBrowserClient } from './sdk';
export { ServerClient } from './serverClient';
export { parseStackFrames } from './stacktrace';
export type { IncomingTrace, TraceContext } from './traceContext';
export { activeTraceContext, parseSentryTrace, parseTraceparent } from './traceContext';
export { MAX_EVENT_BYTES, serializeWithinLimit } from './trimEvent';
