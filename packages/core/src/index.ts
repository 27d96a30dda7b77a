export type {
  AsyncContextStrategy,
  AsyncLocalStorageConstructor,
  AsyncLocalStorageLike,
  Scopes,
} from './asyncContext';
export {
  createAsyncLocalStorageStrategy,
  createStackStrategy,
  ensureAsyncLocalStorageStrategy,
  getAsyncContextStrategy,
  setAsyncContextStrategy,
} from './asyncContext';
export { mapAuthUser } from './authUser';
export type { BackgroundScopeOptions } from './backgroundScope';
export { withBackgroundScope } from './backgroundScope';
export { markCaptured, wasCaptured } from './capturedErrors';
export type { Carrier, RuntimeSupport } from './carrier';
export { getCarrier } from './carrier';
export { Client, newEventId } from './client';
export type { ClientReport, DiscardReason } from './clientReports';
export { DiscardedEvents } from './clientReports';
export {
  getCurrentScope,
  getGlobalScope,
  getIsolationScope,
  getScopeChain,
  getUser,
  getUserAsync,
  setContext,
  setExtra,
  setExtras,
  setTag,
  setTags,
  setUser,
  withIsolationScope,
  withScope,
} from './currentScopes';
export { debugWarn, isDebugEnabled, setDebug } from './debug';
export type { Dsn } from './dsn';
export { authHeader, DsnError, dsnToString, envelopeEndpoint, parseDsn } from './dsn';
export type { EnvelopeHeader, EnvelopeItem, SerializedEnvelope } from './envelope';
export { eventCategory, serializeEnvelope } from './envelope';
export type {
  Breadcrumb,
  DataCategory,
  Event,
  EventHint,
  EventRequest,
  ExceptionValue,
  Mechanism,
  StackFrame,
} from './event';
export { exceptionFromError } from './exception';
export { AUTO_IP, isIp, parseIp } from './ip';
export type { IpAnonymization } from './ipAnonymization';
export { anonymizeIp } from './ipAnonymization';
export type { JsonDropError, JsonLimits } from './jsonValue';
export { preview, toJsonValue } from './jsonValue';
export type { NormalizeUserResult, UserNormalizationError } from './normalizeUser';
export {
  MAX_CUSTOM_DEPTH,
  MAX_CUSTOM_ENTRIES,
  normalizeUser,
  USER_FIELD_LIMITS,
} from './normalizeUser';
export type { ClientOptions } from './options';
export type { EventUser, PrepareOptions } from './prepareEvent';
export { buildEventUser, prepareEvent } from './prepareEvent';
export type { HeaderReader } from './rateLimits';
export { parseRetryAfter, RateLimits } from './rateLimits';
export { buildEventRequest, FORWARDING_HEADERS, SENSITIVE_HEADERS } from './requestData';
export {
  DEFAULT_USER_RESOLVER_TIMEOUT_MS,
  explicitUser,
  findUserResolver,
  mergeUsers,
  resolveUserAsync,
  resolveUserSync,
} from './resolveUser';
export type {
  ClientIpGetter,
  Primitive,
  RequestData,
  ScopeData,
  SeverityLevel,
  UserResolver,
} from './scope';
export { MAX_BREADCRUMBS, Scope } from './scope';
export {
  addBreadcrumb,
  captureEvent,
  captureException,
  captureMessage,
  close,
  flush,
  getClient,
  getEventUser,
  init,
  lastEventId,
} from './sdk';
export type { Spool, SpoolEntry } from './spool';
export { parseStackFrames } from './stacktrace';
export type { Transport, TransportOptions } from './transport';
export { createHttpTransport } from './transport';
export { MAX_EVENT_BYTES, serializeWithinLimit } from './trimEvent';
export type { Geo, NormalizedUser, User } from './user';
export { hasIdentity, userKey } from './userKey';
export { SDK_VERSION } from './version';
