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
export { AUTO_IP, isIp, parseIp } from './ip';
export type { NormalizeUserResult, UserNormalizationError } from './normalizeUser';
export {
  MAX_CUSTOM_DEPTH,
  MAX_CUSTOM_ENTRIES,
  normalizeUser,
  preview,
  USER_FIELD_LIMITS,
} from './normalizeUser';
export {
  DEFAULT_USER_RESOLVER_TIMEOUT_MS,
  explicitUser,
  findUserResolver,
  mergeUsers,
  resolveUserAsync,
  resolveUserSync,
} from './resolveUser';
export type { Primitive, ScopeData, SeverityLevel, UserResolver } from './scope';
export { Scope } from './scope';
export type { Geo, NormalizedUser, User } from './user';
export { hasIdentity, userKey } from './userKey';
