// @x/core's public API: what its README documents. Adapter plumbing lives on
// `@x/core/internal` (see internal.ts); apps should not import it.

export type { GetUser, ShouldCapture } from './adapter';
export type {
  AsyncContextStrategy,
  AsyncLocalStorageConstructor,
  AsyncLocalStorageLike,
  Scopes,
} from './asyncContext';
export {
  createAsyncLocalStorageStrategy,
  createStackStrategy,
  setAsyncContextStrategy,
} from './asyncContext';
export { mapAuthUser } from './authUser';
export type { BackgroundScopeOptions } from './backgroundScope';
export { withBackgroundScope } from './backgroundScope';
export type { Client } from './clientApi';
export type { HeaderSource, TrustProxy } from './clientIp';
export { clientIpFromHeaders } from './clientIp';
export type { Clock } from './clock';
export {
  getCurrentScope,
  getGlobalScope,
  getIsolationScope,
  setContext,
  setExtra,
  setExtras,
  setTag,
  setTags,
  setUser,
  withIsolationScope,
  withScope,
} from './currentScopes';
export type { CollectBehavior, DataCollection, HttpHeadersCollection } from './dataCollection';
export type { Dsn } from './dsn';
export { DsnError, parseDsn } from './dsn';
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
export type { IpAnonymization } from './ipAnonymization';
export type { NormalizeUserResult, UserNormalizationError } from './normalizeUser';
export { normalizeUser, USER_FIELD_LIMITS } from './normalizeUser';
export type { ClientOptions } from './options';
export type { PseudonymizeUsers } from './pseudonymizeUsers';
export { pseudonymizeUser } from './pseudonymizeUsers';
export type {
  ClientIpGetter,
  Primitive,
  RequestData,
  ScopeData,
  SeverityLevel,
  UserResolver,
} from './scope';
export { Scope } from './scope';
export {
  addBreadcrumb,
  captureEvent,
  captureException,
  captureMessage,
  close,
  flush,
  getClient,
  getEventUser,
  getUser,
  getUserAsync,
  init,
  lastEventId,
} from './sdk';
export type { Spool, SpoolEntry } from './spool';
export type { Transport, TransportOptions } from './transport';
export { createHttpTransport } from './transport';
export type { Geo, NormalizedUser, User } from './user';
export { hasIdentity, userKey } from './userKey';
export type { UserToken } from './userPropagation';
export { openUser, sealUser, travelledUser } from './userPropagation';
export { SDK_VERSION } from './version';
