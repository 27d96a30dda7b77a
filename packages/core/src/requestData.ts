import {
  FILTERED,
  filterCookies,
  filterQueryString,
  type Verdict,
  verdictOn,
} from './dataCollectionFilter';
import {
  type NamedData,
  type ResolvedDataCollection,
  X_DATA_COLLECTION_DEFAULTS,
} from './dataCollectionResolve';
import { debugWarn } from './debug';
import type { Event, EventRequest } from './event';
import { anonymizeIp, type IpAnonymization } from './ipAnonymization';
import type { PrepareOptions } from './prepareEvent';
import type { RequestData } from './scope';

/** Headers that carry client IP addresses: sent only under `dataCollection.userInfo`. */
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
  'fly-client-ip',
]);

const MAX_HEADERS = 100;
const MAX_HEADER_VALUE = 8192;
const MAX_URL = 8192;

/** Options for {@link buildEventRequest}. */
export interface EventRequestOptions {
  /** The categories in effect (`dataCollection`, `sendDefaultPii`). */
  dataCollection: ResolvedDataCollection;
  ipAnonymization: IpAnonymization;
  /** The client IP to put in `env.REMOTE_ADDR` (already decided by the caller), if any. */
  remoteAddr?: string | undefined;
}

/**
 * Turns an adapter's {@link RequestData} into the event's `request`, under `dataCollection`
 * (see dataCollection.ts): the query string split off the URL and filtered (`urlQueryParams`),
 * header names lower-cased and filtered (`httpHeaders.request`; the `Cookie` header only with
 * `cookies`, IP-carrying headers only with `userInfo`, their IPs anonymized), and the cookies
 * parsed into `cookies` (not under `sendDefaultPii`'s as-sent cookies: the header carries them).
 */
export function buildEventRequest(data: RequestData, options: EventRequestOptions): EventRequest {
  const request: EventRequest = {};
  const collection = options.dataCollection;
  if (typeof data.method === 'string') request.method = data.method.toUpperCase().slice(0, 32);
  if (typeof data.url === 'string') {
    const url = data.url.slice(0, MAX_URL);
    const q = url.indexOf('?');
    request.url = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    const filtered = filterQueryString(query, collection.urlQueryParams);
    if (filtered) request.query_string = filtered;
  }
  const entries = headerEntries(data.headers);
  const headers = filterHeaders(entries, options);
  if (headers) request.headers = headers;
  const cookie = collection.cookies.sensitive === 'keep' ? undefined : cookieHeader(entries);
  const cookies = cookie === undefined ? undefined : filterCookies(cookie, collection.cookies);
  if (cookies) request.cookies = cookies;
  if (options.remoteAddr) request.env = { REMOTE_ADDR: options.remoteAddr };
  return request;
}

type HeaderEntry = [name: string, value: string | string[] | number | undefined];

/** The first {@link MAX_HEADERS} headers, names lower-cased. */
function headerEntries(raw: RequestData['headers']): HeaderEntry[] {
  if (!raw || typeof raw !== 'object') return [];
  // Web `Headers` (Next, Edge) are kept as they are until an event needs them.
  const entries: HeaderEntry[] = isWebHeaders(raw) ? [...raw.entries()] : Object.entries(raw);
  const out: HeaderEntry[] = [];
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    out.push([name.toLowerCase(), value]);
    if (out.length === MAX_HEADERS) break;
  }
  return out;
}

const headerText = (value: HeaderEntry[1]) =>
  (Array.isArray(value) ? value.join(', ') : String(value)).slice(0, MAX_HEADER_VALUE);

function cookieHeader(entries: HeaderEntry[]): string | undefined {
  const found = entries.find(([name]) => name === 'cookie');
  return found && headerText(found[1]);
}

function filterHeaders(
  entries: HeaderEntry[],
  { dataCollection, ipAnonymization }: EventRequestOptions,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key === '__proto__') continue;
    const isForwarding = FORWARDING_HEADERS.has(key);
    if (isForwarding && !dataCollection.userInfo) continue;
    const verdict = headerVerdict(key, dataCollection);
    if (verdict === 'omit') continue;
    let text = verdict === 'filter' ? FILTERED : headerText(value);
    if (isForwarding && verdict === 'keep' && ipAnonymization !== 'none') {
      const anonymized = anonymizeList(text, ipAnonymization);
      if (anonymized === undefined) continue;
      text = anonymized;
    }
    out[key] = text;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * A header's verdict under `httpHeaders.request`. The `Cookie` header is left out without
 * `cookies`, and sent as it came only when both categories send everything as it came
 * (`sendDefaultPii`): otherwise its cookies go, filtered, in `request.cookies`.
 */
function headerVerdict(key: string, collection: ResolvedDataCollection): Verdict {
  let known = verdicts.get(collection);
  if (!known) {
    known = new Map();
    verdicts.set(collection, known);
  }
  let verdict = known.get(key);
  if (verdict === undefined) {
    verdict = newHeaderVerdict(key, collection);
    if (known.size >= MAX_KNOWN_VERDICTS) known.clear();
    known.set(key, verdict);
  }
  return verdict;
}

/**
 * Each `dataCollection`'s verdicts on the header names it has seen: a server sees the same few
 * names on every request, and each verdict matches the name against every sensitive snippet.
 */
const verdicts = new WeakMap<ResolvedDataCollection, Map<string, Verdict>>();
const MAX_KNOWN_VERDICTS = 256;

function newHeaderVerdict(key: string, collection: ResolvedDataCollection): Verdict {
  const headers: NamedData = collection.httpHeaders.request;
  if (key !== 'cookie') return verdictOn(key, headers);
  if (collection.cookies.behavior === false) return 'omit';
  const verdict = verdictOn(key, headers);
  return verdict === 'keep' && collection.cookies.sensitive !== 'keep' ? 'filter' : verdict;
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
    dataCollection: options.dataCollection ?? X_DATA_COLLECTION_DEFAULTS,
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
