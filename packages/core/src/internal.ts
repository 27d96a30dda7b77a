// `@x/core/internal`: the adapter contract's plumbing — what @x's own adapters and the inbox use
// beyond the public API, and nothing else. Every name here is internal: not for apps, and it
// changes without notice (each adapter depends on the exact @x/core version it was built with).
// Apps use `@x/core`.

/** @internal */
export { captureServerErrors, initAs, statusOfError } from './adapter';
/** @internal */
export { wasCaptured } from './capturedErrors';
/** @internal */
export { getCarrier } from './carrier';
/** @internal */
export type { DiscardReason } from './clientReports';
/** @internal */
export { graphqlVariablesToSend } from './dataCollectionFilter';
/** @internal */
export { authHeader, dsnToString, envelopeEndpoint } from './dsn';
/** @internal */
export { eventCategory } from './envelope';
/** @internal */
export { AUTO_IP, parseIp } from './ip';
/** @internal */
export { preview } from './jsonValue';
/** @internal */
export { Lru } from './lru';
/** @internal */
export type { CaptureRequestErrorOptions, EndRequest, RequestDescription } from './requestKernel';
/** @internal */
export {
  captureRequestError,
  requestUrl,
  runRequest,
  runRequestCapturing,
  toWebHeaders,
} from './requestKernel';
/** @internal */
export { initBrowserClient } from './sdk';
