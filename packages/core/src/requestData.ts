import { debugWarn } from './debug';
import type { Event, EventRequest } from './event';
import { anonymizeIp, type IpAnonymization } from './ipAnonymization';
import type { PrepareOptions } from './prepareEvent';
import type { RequestData } from './scope';

/** Headers that carry credentials or session state: sent only with `sendDefaultPii`. */
export const SENSITIVE_HEADERS: ReadonlySet<string> = new Set([
  'cookie',
  'set-cookie',
  'authorization',
  'proxy-authorization',
]);

/** Headers that carry client IP addresses: sent only with `sendDefaultPii`. */
export const FORWARDING_HEADERS: ReadonlySet<string> = new Set([
  'forwarded',
  'x-forwarded-for',
  'x-forwarded',
  'forwarded-for',
  'x-real-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'cf-pseudo-ipv4',
  'true-client-ip',
  'fastly-client-ip',
  'x-appengine-user-ip',
  'x-vercel-forwarded-for',
  'x-vercel-proxied-for',
  'x-original-forwarded-for',
  'x-envoy-external-address',
]);

const MAX_HEADERS = 100;
const MAX_HEADER_VALUE = 8192;
const MAX_URL = 8192;

/** Options for {@link buildEventRequest}. */
export interface EventRequestOptions {
  sendDefaultPii: boolean;
  ipAnonymization: IpAnonymization;
  /** The client IP to put in `env.REMOTE_ADDR` (already decided by the caller), if any. */
  remoteAddr?: string | undefined;
}

/**
 * Turns an adapter's {@link RequestData} into the event's `request`: the query
 * string split off, header names lower-cased, credentials and forwarding headers
 * left out unless `sendDefaultPii`, IPs in kept forwarding headers anonymized.
 */
export function buildEventRequest(data: RequestData, options: EventRequestOptions): EventRequest {
  const request: EventRequest = {};
  if (typeof data.method === 'string') request.method = data.method.toUpperCase().slice(0, 32);
  if (typeof data.url === 'string') {
    const url = data.url.slice(0, MAX_URL);
    const q = url.indexOf('?');
    request.url = q === -1 ? url : url.slice(0, q);
    if (q !== -1 && q < url.length - 1) request.query_string = url.slice(q + 1);
  }
  const headers = filterHeaders(data.headers, options);
  if (headers) request.headers = headers;
  if (options.remoteAddr) request.env = { REMOTE_ADDR: options.remoteAddr };
  return request;
}

function filterHeaders(
  raw: RequestData['headers'],
  { sendDefaultPii, ipAnonymization }: EventRequestOptions,
): Record<string, string> | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const out: Record<string, string> = {};
  let count = 0;
  // Web `Headers` (Next, Edge) are kept as they are until an event needs them.
  const entries = isWebHeaders(raw) ? [...raw.entries()] : Object.entries(raw);
  for (const [name, value] of entries) {
    if (value === undefined || ++count > MAX_HEADERS) continue;
    const key = name.toLowerCase();
    if (key === '__proto__') continue;
    const isForwarding = FORWARDING_HEADERS.has(key);
    if (!sendDefaultPii && (SENSITIVE_HEADERS.has(key) || isForwarding)) continue;
    let text = (Array.isArray(value) ? value.join(', ') : String(value)).slice(0, MAX_HEADER_VALUE);
    if (isForwarding && ipAnonymization !== 'none') {
      const anonymized = anonymizeList(text, ipAnonymization);
      if (anonymized === undefined) continue;
      text = anonymized;
    }
    out[key] = text;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function isWebHeaders(value: object): value is Headers {
  return typeof Headers === 'function' && value instanceof Headers;
}

/** Anonymizes a comma-separated list of IPs; `undefined` when it holds anything else. */
function anonymizeList(value: string, mode: IpAnonymization): string | undefined {
  const parts = value.split(',').map((part) => anonymizeIp(part.trim(), mode));
  return parts.every((part) => part !== undefined) ? parts.join(', ') : undefined;
}

/**
 * The server client's request step of event preparation: the event's `request` (see
 * {@link buildEventRequest}; what the event already had wins) with the client IP as
 * `env.REMOTE_ADDR`, and, unless the event names one, the `transaction` `"<METHOD> <route>"`
 * from the route the framework matched.
 */
export function applyEventRequest(
  event: Event,
  data: RequestData,
  clientIp: string | undefined,
  options: PrepareOptions,
): void {
  const request = buildEventRequest(data, {
    sendDefaultPii: options.sendDefaultPii,
    ipAnonymization: options.ipAnonymization,
    remoteAddr: clientIp && anonymizeIp(clientIp, options.ipAnonymization),
  });
  event.request = { ...request, ...event.request };
  const route = !event.transaction && callGetter(data.route);
  if (route) event.transaction = request.method ? `${request.method} ${route}` : route;
}

/** A route getter's answer, or `undefined` when it has none or throws. */
function callGetter(getter: (() => string | undefined) | undefined): string | undefined {
  try {
    const value = getter?.();
    return typeof value === 'string' && value ? value.slice(0, 200) : undefined;
  } catch (error) {
    debugWarn('route getter threw; event sent without a transaction', error);
    return undefined;
  }
}
